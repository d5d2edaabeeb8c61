"""Which code runs each kind of job: filled by the apps that own the kinds, from their ``AppConfig.ready()``.

``jobs`` is a leaf beneath the apps (conventions: dependencies point one way): it names no app's module.
An app registers each of its kinds once, e.g. in ``cases.apps``::

    jobs.registry.register(JobKind.IMPORT, "cases.jobs", may_start=may_import_reviews)

``handler`` is a module (or its dotted path, imported when first used) with ``run(job, ctx) -> Outcome``
and optionally ``cleanup(job)`` (the job ended otherwise than done, or its result expired) and
``page(job, request) -> (template, context)`` (what a finished job's page shows beyond its message).
``may_start(user)`` says whether the user may start a job of that kind at all; the top bar's "我的任务"
shows for whoever may start one. The kinds' names and labels stay in ``jobs.choices.JobKind`` (a
column's choices, named once); registering a kind it does not name is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

from jobs.choices import JobKind


@dataclass(frozen=True)
class JobType:
    kind: str
    handler: str | ModuleType
    may_start: Callable[[object], bool] | None = None

    def module(self) -> ModuleType:
        return import_module(self.handler) if isinstance(self.handler, str) else self.handler


_TYPES: dict[str, JobType] = {}


def register(kind: str, handler: str | ModuleType, *, may_start: Callable[[object], bool] | None = None):
    """Name the handler of ``kind``; registering the same kind again replaces it (a reloaded app)."""
    if kind not in JobKind.values:
        raise ValueError(f"job kind {kind!r} is not named in jobs.choices.JobKind")
    _TYPES[str(kind)] = JobType(kind=str(kind), handler=handler, may_start=may_start)


def handler_for(kind: str) -> ModuleType:
    try:
        return _TYPES[kind].module()
    except KeyError:
        raise LookupError(f"no handler registered for job kind {kind!r}") from None


def registered() -> list[JobType]:
    return list(_TYPES.values())


def may_start_any(user) -> bool:
    """Whether ``user`` may start a job of some kind (the "我的任务" link)."""
    return any(t.may_start is not None and t.may_start(user) for t in _TYPES.values())
