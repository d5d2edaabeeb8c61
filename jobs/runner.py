"""Running a job: the django-q2 task ``run_job(job_id)`` and the context a job's handler works with.

A handler is the module an app registered for the job's kind (``jobs.registry``: the jobs core imports no
app above it) with ``run(job, ctx) -> Outcome`` and optionally ``cleanup(job)`` (called when the job ends in any other way
than done, and when its result expires: a staged upload is deleted). The handler reports
``ctx.progress(done, total)``, which also checks for a cancellation and raises ``JobCancelled`` — inside
an import's transaction, so a cancelled import writes nothing — and stores a file with
``ctx.attach(name, fileobj)``. Any other exception fails the job with a plain Chinese message; the
traceback goes to the log, never to the user.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from jobs import progress as board
from jobs.choices import JobState
from jobs.models import Job
from jobs.registry import handler_for
from jobs.signals import job_finished

logger = logging.getLogger(__name__)

__all__ = ["JobCancelled", "JobContext", "Outcome", "handler_for", "run_job"]
PROGRESS_EVERY = 0.5  # seconds between two progress files (a chunk may take less)


class JobCancelled(Exception):
    """Raised by ``JobContext.progress``/``check`` when the owner asked to cancel."""


@dataclass
class Outcome:
    message: str
    counts: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    ok: bool = True  # False: the job ran to its end but refused its input (the message says why)


class JobContext:
    def __init__(self, job: Job):
        self.job_id = job.pk
        self.job = job
        self.started = time.time()
        self._last = 0.0
        self.done = 0
        self.total = 0
        self.stage = ""
        self._attached: tuple[str, object] | None = None
        board.write(job.pk, done=0, total=0, stage="", started=self.started)

    def cancelled(self) -> bool:
        return board.cancel_requested(self.job_id)

    def check(self) -> None:
        if self.cancelled():
            raise JobCancelled

    def heartbeat(self) -> None:
        board.write(self.job_id, done=self.done, total=self.total, stage=self.stage, started=self.started)

    def progress(self, done: int, total: int, stage: str = "") -> None:
        self.done, self.total, self.stage = done, max(total, done), stage or self.stage
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY or done >= total:
            self._last = now
            self.heartbeat()
        self.check()

    def attach(self, filename: str, fileobj, content_type: str = "application/octet-stream") -> None:
        """Keep ``fileobj`` as the job's result; stored when the job finishes well."""
        self._attached = (filename, fileobj, content_type)


def run_job(job_id: int) -> str:
    """The django-q2 task. Claims the job (queued → running) so that a task delivered twice runs once;
    a job cancelled while queued, or already failed by the sweep, is not run."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("owner", "shop").get(pk=job_id)
    handler = handler_for(job.kind)
    with override(job.language or job.owner.language or settings.LANGUAGE_CODE):
        ctx = JobContext(job)
        try:
            outcome: Outcome = handler.run(job, ctx)
        except JobCancelled:
            return _finish(
                job, handler, JobState.CANCELLED, Outcome(_("已取消，未写入任何数据。")), cancel=True
            )
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            return _finish(job, handler, JobState.FAILED, Outcome(_("处理失败，未写入任何数据，请重试。")))
        return _finish(job, handler, JobState.DONE, outcome, ctx=ctx)


def _finish(job: Job, handler, state: str, outcome: Outcome, *, ctx=None, cancel: bool = False) -> str:
    now = timezone.now()
    fields = {
        "state": state,
        "finished_at": now,
        "heartbeat_at": now,
        "message": outcome.message[:300],
        "counts": outcome.counts,
        "result": outcome.result,
        "errors": outcome.errors,
        "cancel_requested": cancel or board.cancel_requested(job.pk),
    }
    if ctx is not None:
        fields["progress_total"] = ctx.total
        fields["progress_done"] = ctx.total
        attached = ctx._attached
        if attached is not None:
            name, fileobj, content_type = attached
            job.file.save(name, File(fileobj, name=name), save=False)
            fields.update(file=job.file.name, file_name=name[:255], content_type=content_type)
    Job.objects.filter(pk=job.pk).update(**fields)
    board.forget(job.pk)
    if state != JobState.DONE and hasattr(handler, "cleanup"):
        handler.cleanup(job)
    job.refresh_from_db()
    transaction.on_commit(lambda: job_finished.send_robust(sender=Job, job_id=job.pk))
    return state
