"""The machinery every workflow service shares: load and check, then one optimistic write.

``begin`` loads the case the user may see, compares the version the user saw, and asks the table
(state → role → guards); ``commit`` moves the case with
``UPDATE … WHERE pk = … AND version = <seen>`` (0 rows: someone else acted first → STALE, and the
surrounding transaction rolls back whatever the service wrote), writes the timeline event with
before → after of every changed field, and queues the side effects with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES
from cases.errors import WorkflowError as E
from cases.models import Case, CaseEvent
from cases.queries.access import case_for
from cases.signals import case_event
from cases.sla.sweep import next_check_at
from cases.workflow.guards import Refusal
from cases.workflow.table import Transition, refusal_for, transition_for
from reviewdesk.access import CHANGE
from reviewdesk.jsonenc import jsonable

logger = logging.getLogger(__name__)


def refuse(code: str, message: str, **params) -> ValidationError:
    """A refusal as the ValidationError UI and API show (``message`` already translated)."""
    return ValidationError(message, code=str(code), params=params or None)


def refusal_error(refusal: Refusal) -> ValidationError:
    return ValidationError(refusal.message, code=str(refusal.code), params=refusal.params or None)


ACTED_ON_RELATED = ("review", "shop", "assignee", "decision_record")


def case_to_act_on(by, case_id: int) -> Case:
    """The case, if ``by`` may change it (``cases.queries.case_for``, the one access path); otherwise
    NOT_FOUND (never tell a stranger it exists)."""
    case = case_for(by, case_id, CHANGE, queryset=Case.objects.select_related(*ACTED_ON_RELATED))
    if case is None:
        raise refuse(E.NOT_FOUND, _("案件#%(case_id)s不存在或无权查看。"), case_id=case_id)
    return case


def stale_error(case_id: int) -> ValidationError:
    return refuse(E.STALE, _("案件#%(case_id)s刚被其他人更新，请刷新后重试。"), case_id=case_id)


def begin(
    *, case_id: int, by, version: int, action: str, data: dict | None = None
) -> tuple[Case, Transition]:
    """Load and check: the version seen, the state, the role, the table's guards."""
    case = case_to_act_on(by, case_id)
    if int(version) != case.version:
        raise stale_error(case.pk)
    refusal = refusal_for(case, by, action, data if data is not None else {})
    if refusal is not None:
        raise refusal_error(refusal)
    return case, transition_for(action, case.status)


def _sla_next_check(case: Case, values: dict, now: dt.datetime):
    """None once the case is resolved or closed (the sweep only watches open cases); a check already
    due stays (the sweep has work); else the next warn/due time of the running clocks."""
    if values.get("status", case.status) not in OPEN_STATUSES:
        return None
    current = values.get("sla_next_check_at", case.sla_next_check_at)
    if current is not None and current <= now:
        return current
    from cases.sla.sweep import CLOCK_FIELDS

    fields = {name: values.get(name, getattr(case, name)) for name in CLOCK_FIELDS}
    return next_check_at(fields, after=now)


def commit(
    *,
    case: Case,
    by,
    version: int,
    action: str,
    to_state: str | None,
    changes: dict | None = None,
    payload: dict | None = None,
    now: dt.datetime,
    after_commit: list[Callable[[], None]] | None = None,
) -> CaseEvent:
    """Move the case (optimistically) and write its timeline event; call inside ``transaction.atomic``.

    ``changes``: case fields → new values. The event's payload gets ``changes`` = {field: [before,
    after]} for every field that really changed, plus ``payload``.
    """
    values = dict(changes or {})
    from_state = case.status
    if to_state is not None:
        values["status"] = to_state
    clock_fields = {
        "first_responded_at",
        "public_replied_at",
        "resolved_at",
        "next_response_due_at",
        "next_response_warn_at",
    }
    if clock_fields & values.keys() or "status" in values:
        values["sla_next_check_at"] = _sla_next_check(case, values, now)
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        raise stale_error(case.pk)
    diff = {}
    for name, after in values.items():
        before = getattr(case, name)
        if before != after:
            diff[name] = [jsonable(before), jsonable(after)]
        setattr(case, name, after)
    case.version = version + 1
    case.updated_at = now
    if "assignee_id" in values:
        case._state.fields_cache.pop("assignee", None)
    event = CaseEvent.objects.create(
        case=case,
        actor=by,
        action=action,
        from_status=from_state,
        to_status=values.get("status", from_state),
        version=case.version,
        payload=jsonable({"changes": diff, **(payload or {})}),
        at=now,
    )
    for callback in after_commit or ():
        transaction.on_commit(callback)
    return event


def timeline_only(*, case: Case, by, action: str, payload: dict, now: dt.datetime | None = None) -> CaseEvent:
    """An event that records something without moving the case or its version (reveal, evidence)."""
    return CaseEvent.objects.create(
        case=case,
        actor=by,
        action=action,
        from_status=case.status,
        to_status=case.status,
        version=case.version,
        payload=jsonable(payload),
        at=now or timezone.now(),
    )


def emit(event: str, case_id: int, payload: dict) -> Callable[[], None]:
    """A callback for ``after_commit`` that sends ``cases.signals.case_event`` (after commit: a rolled-back
    service tells nobody)."""

    def run() -> None:
        case_event.send_robust(sender=Case, event=event, case_id=case_id, payload=jsonable(payload))

    return run
