"""Resolving, closing and reopening a case (see cases.workflow.services for the contract)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cases.choices import CaseStatus
from cases.choices import WorkflowAction as A
from cases.models import Case
from cases.workflow.compose import policy_for
from cases.workflow.core import begin, commit, emit
from cases.workflow.followups import followups_cancel, followups_schedule
from reviewdesk.i18n_text import deferred, from_text


def within_sla(case: Case, now: dt.datetime) -> bool:
    """No clock was missed: no recorded breach, first response and resolution in time."""
    if case.sla_breached_at is not None:
        return False
    if case.first_response_due_at and (case.first_responded_at or now) > case.first_response_due_at:
        return False
    return not (case.resolution_due_at and now > case.resolution_due_at)


def resolved_payload(case: Case, now: dt.datetime) -> dict:
    return {
        "agent_id": case.assignee_id,
        "within_sla": within_sla(case, now),
        "shop_id": case.shop_id,
        "platform": case.platform,
        "customer_tier": case.customer_tier,
        "resolved_at": now,
    }


def case_resolve(*, case_id: int, by, version: int, note: str = "", now: dt.datetime | None = None) -> Case:
    """Resolve: the resolution clock is met, follow-ups are scheduled, incentives hear "resolved"."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.RESOLVE, data={"note": note})
        payload = resolved_payload(case, now)
        tasks = followups_schedule(case=case, policy=policy_for(case), now=now)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.RESOLVE,
            to_state=row.to_state,
            now=now,
            changes={"resolved_at": now, "next_response_due_at": None, "next_response_warn_at": None},
            payload={
                "note": (note or "").strip(),
                "within_sla": payload["within_sla"],
                "follow_ups": [
                    {"id": t.pk, "name": t.name, "due_at": t.due_at, "skipped": from_text(t.skipped_reason)}
                    for t in tasks
                ],
            },
            after_commit=[emit("resolved", case.pk, payload)] if case.assignee_id else [],
        )
    return case


def case_close(*, case_id: int, by, version: int, note: str = "", now: dt.datetime | None = None) -> Case:
    """Close: a resolved case by its agent, any open one by a supervisor/manager (with a reason)."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.CLOSE, data={"note": note})
        changes = {"next_response_due_at": None, "next_response_warn_at": None}
        commit(
            case=case,
            by=by,
            version=version,
            action=A.CLOSE,
            to_state=row.to_state,
            now=now,
            changes=changes,
            payload={"note": (note or "").strip(), "was_resolved": case.status == CaseStatus.RESOLVED},
        )
    return case


def case_reopen(*, case_id: int, by, version: int, note: str = "", now: dt.datetime | None = None) -> Case:
    """Reopen (with a reason): back in progress, the resolution time cleared, open follow-ups skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.REOPEN, data={"note": note})
        cancelled = followups_cancel(case=case, reason=deferred(gettext_noop("案件已重新打开")))
        commit(
            case=case,
            by=by,
            version=version,
            action=A.REOPEN,
            to_state=row.to_state,
            now=now,
            changes={"resolved_at": None, "sla_next_check_at": now},  # the sweep looks at it again at once
            payload={"note": (note or "").strip(), "follow_ups_cancelled": cancelled},
        )
    return case
