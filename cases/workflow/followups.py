"""Follow-ups: resolving a case schedules the follow-up plan's steps as tasks; the owner completes them.

The plan comes from the policy engine (``policies.engine.follow_ups``). A step that asks the buyer
to revise or add to the review is created already skipped (with the reason) when the case's platform
forbids asking (``case.may_request_revision`` as frozen at intake, or the current platform rule).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Case, FollowUpTask
from cases.workflow.core import case_to_act_on, refuse, timeline_only
from cases.workflow.guards import OVERSEEING_ROLES, roles_of
from reviewdesk.i18n_text import as_text, deferred

# The engine's words on a task (why it was skipped, what to do) are stored language-neutral and read in
# each reader's language (reviewdesk.i18n_text); a person's words (a skip reason typed in) as they are.
SKIP_REVISION = gettext_noop("该步骤请买家修改/追加评价，本平台不允许，自动跳过")
STORED_MAX = 1000


def _stored(value) -> str:
    """``value`` for a task's text column: its language-neutral form when that fits, else its text."""
    text = as_text(value)
    return text if len(text) <= STORED_MAX else str(value)[:STORED_MAX]


def followups_schedule(*, case: Case, policy, now: dt.datetime) -> list[FollowUpTask]:
    """Create the plan's tasks for a case resolved ``now`` (call inside the resolving transaction)."""
    from policies.engine import follow_ups

    plan_ref, steps = follow_ups(policy)
    if plan_ref is None:
        return []
    tasks = []
    for step in steps:
        skipped = step.skipped or (step.asks_for_revision and not case.may_request_revision)
        tasks.append(
            FollowUpTask(
                case=case,
                shop_id=case.shop_id,
                step_ref=step.step_id,
                plan_ref=plan_ref.as_dict(),
                name=step.name[:64],
                channel=step.channel,
                template_ref=step.template.as_dict() if step.template else None,
                instructions="" if skipped else _stored(step.reason or ""),
                due_at=now + dt.timedelta(minutes=step.offset_minutes),
                skipped_reason=_stored(step.reason if step.skipped else deferred(SKIP_REVISION))
                if skipped
                else "",
            )
        )
    return FollowUpTask.objects.bulk_create(tasks)


def followups_cancel(*, case: Case, reason: str) -> int:
    """Skip the case's open tasks (e.g. it was reopened): they are not due any more."""
    return FollowUpTask.objects.filter(case=case, done_at__isnull=True, skipped_reason="").update(
        skipped_reason=_stored(reason)
    )


def _open_task(task_id: int, by):
    task = FollowUpTask.objects.filter(pk=task_id).first()
    if task is None:
        raise refuse(E.NOT_FOUND, _("回访任务#%(task_id)s不存在。"), task_id=task_id)
    case = case_to_act_on(by, task.case_id)
    if case.assignee_id != by.pk and not roles_of(by) & OVERSEEING_ROLES:
        raise refuse(E.NOT_ASSIGNEE, _("只有案件处理人(或主管)可以完成回访。"))
    return task, case


def followup_skip(*, task_id: int, by, reason: str, now: dt.datetime | None = None) -> FollowUpTask:
    """Skip an open task with a reason (e.g. the buyer asked not to be contacted again); recorded."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise refuse(E.NOTE_REQUIRED, _("请填写跳过原因。"))
    task, case = _open_task(task_id, by)
    with transaction.atomic():
        skipped = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True, skipped_reason="").update(
            skipped_reason=reason[:200], done_by=by
        )
        if skipped != 1:
            raise refuse(E.TASK_DONE, _("回访任务“%(name)s”已完成或已跳过。"), name=task.name)
        timeline_only(
            case=case,
            by=by,
            action=A.FOLLOW_UP_SKIPPED,
            now=now,
            payload={"task_id": task.pk, "step": task.name, "reason": reason[:200]},
        )
    task.refresh_from_db()
    return task


def followup_complete(*, task_id: int, by, note: str = "", now: dt.datetime | None = None) -> FollowUpTask:
    """Mark an open task done (its case's assignee or a supervisor); recorded in the timeline."""
    now = now or timezone.now()
    task, case = _open_task(task_id, by)
    with transaction.atomic():
        done = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True, skipped_reason="").update(
            done_at=now, done_by=by, note=(note or "").strip()
        )
        if done != 1:
            raise refuse(E.TASK_DONE, _("回访任务“%(name)s”已完成或已跳过。"), name=task.name)
        timeline_only(
            case=case,
            by=by,
            action=A.FOLLOW_UP_DONE,
            now=now,
            payload={"task_id": task.pk, "step": task.name, "note": (note or "").strip()},
        )
    task.refresh_from_db()
    return task
