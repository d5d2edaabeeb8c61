"""Writes of prevention (conventions rule 1): recording a task's outcome, and linking a later case to the
tasks of its order. Each is one transaction."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from prevention.choices import PreventionError, TaskOutcome, TaskStatus
from prevention.models import PreventionTask

logger = logging.getLogger(__name__)
NOTE_MAX = 500


def prevention_task_record_outcome(
    *, task: PreventionTask, by, outcome: str, note: str = ""
) -> PreventionTask:
    """Close ``task`` with its outcome (contacted, compensated, parcel arrived …). The caller reached the
    task through ``reviewdesk.access`` with CHANGE. Optimistic: the row changes only while still open at
    the version read, so two agents cannot both close it."""
    if outcome not in TaskOutcome.values:
        raise ValidationError(_("请选择处理结果。"), code=PreventionError.BAD_OUTCOME)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("备注不能超过500个字符。"), code=PreventionError.NOTE_TOO_LONG)
    now = timezone.now()
    with transaction.atomic():
        changed = PreventionTask.objects.filter(
            pk=task.pk, status=TaskStatus.OPEN, version=task.version
        ).update(
            status=TaskStatus.DONE,
            outcome=outcome,
            note=note,
            done_at=now,
            done_by=by,
            version=F("version") + 1,
        )
    if not changed:
        raise ValidationError(_("该预防任务已处理，请刷新页面。"), code=PreventionError.TASK_DONE)
    task.refresh_from_db()
    return task


def prevention_link_cases(*, case_ids) -> int:
    """A bad review arrived anyway: the tasks of its order (same shop and order number) point at the case.
    Two reads per 1,000 cases (an import may open 200,000) and one update per case that has tasks."""
    from cases.models import Case

    linked = 0
    ids = list(case_ids)
    for start in range(0, len(ids), 1000):
        rows = Case.objects.filter(pk__in=ids[start : start + 1000]).exclude(review__order_no="")
        by_key = {
            (shop, order_no): pk
            for pk, shop, order_no in rows.values_list("pk", "shop_id", "review__order_no")
        }
        if not by_key:
            continue
        tasks = PreventionTask.objects.filter(
            case__isnull=True,
            shop_id__in={shop for shop, _no in by_key},
            order__order_no__in={no for _shop, no in by_key},
        ).values_list("pk", "shop_id", "order__order_no")
        updates: dict[int, list[int]] = {}
        for pk, shop, order_no in tasks:
            case_id = by_key.get((shop, order_no))
            if case_id is not None:
                updates.setdefault(case_id, []).append(pk)
        with transaction.atomic():
            for case_id, task_ids in updates.items():
                linked += PreventionTask.objects.filter(pk__in=task_ids, case__isnull=True).update(
                    case_id=case_id
                )
    return linked


def on_cases_opened(*, case_ids, **kwargs) -> None:
    """Receiver of ``cases.signals.cases_opened``."""
    prevention_link_cases(case_ids=case_ids)
