"""The work-order sweep (a django-q2 schedule, every minute): warn, then escalate.

Each open order carries ``next_check_at``: its warning time, then its due time, then its supervisor
time, then nothing. At each it takes one step, once (``escalation`` records how far it went):

1. warning (``warn_at``): the department's members hear the order is nearly due;
2. due (``due_at``): the department's leads hear it is overdue;
3. supervisor (``supervisor_at``, as much business time again after the due time): the supervisors of
   the case's shop hear it.

Bell lines are written once per (order, step) (the notification's dedupe key), so two clusters, or a
retry, add nothing; the rows are taken with ``SKIP LOCKED`` on PostgreSQL. A sweep with nothing due is
one index probe (``workorder_sweep_due``, partial over ``next_check_at``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.alerts import case_path, role_members
from cases.models import Notification
from cases.notifications.choices import NotificationKind
from reviewdesk.choices import Role
from reviewdesk.language import languages_of
from workorders.choices import Escalation, WorkOrderStatus
from workorders.models import DepartmentMember, WorkOrder

logger = logging.getLogger(__name__)
BATCH_SIZE = 500


@dataclass
class SweepResult:
    warned: int = 0
    to_lead: int = 0
    to_supervisor: int = 0
    notifications: int = 0


def _step(order: WorkOrder) -> tuple[int, dt.datetime | None]:
    """The step the order takes now, and its next check after it."""
    if order.escalation < Escalation.WARNED:
        return Escalation.WARNED, order.due_at
    if order.escalation < Escalation.LEAD:
        return Escalation.LEAD, order.supervisor_at
    return Escalation.SUPERVISOR, None


def due_orders(now: dt.datetime):
    rows = WorkOrder.objects.filter(next_check_at__lte=now).order_by("next_check_at")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def _texts(order: WorkOrder, step: int) -> tuple[str, str]:
    names = {"department": order.department.name, "type": order.request_type.name, "case": order.case_id}
    due = timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M")
    if step == Escalation.WARNED:
        title = _("【工单即将超时】%(department)s · %(type)s · 案件 #%(case)s") % names
    elif step == Escalation.LEAD:
        title = _("【工单已超时】%(department)s · %(type)s · 案件 #%(case)s") % names
    else:
        title = _("【工单超时升级】%(department)s · %(type)s · 案件 #%(case)s") % names
    return title, _("答复截止：%(due)s") % {"due": due}


def _recipients(order: WorkOrder, step: int, members: dict, supervisors: dict) -> set[int]:
    if step == Escalation.WARNED:
        return {user_id for user_id, _lead in members.get(order.department_id, ())}
    if step == Escalation.LEAD:
        return {user_id for user_id, lead in members.get(order.department_id, ()) if lead}
    return supervisors.get((order.case.shop_id, str(Role.SUPERVISOR)), set())


def _notify(orders_steps, now) -> int:
    """The bell lines of a batch: the departments' members and the shops' supervisors in two queries."""
    supervisors = role_members(
        {(o.case.shop_id, str(Role.SUPERVISOR)) for o, step in orders_steps if step == Escalation.SUPERVISOR}
    )
    members: dict[int, list] = {}
    rows = DepartmentMember.objects.filter(department_id__in={o.department_id for o, _s in orders_steps})
    for department_id, user_id, lead in rows.values_list("department_id", "user_id", "is_lead"):
        members.setdefault(department_id, []).append((user_id, lead))
    wanted = [(o, step, _recipients(o, step, members, supervisors)) for o, step in orders_steps]
    languages = languages_of({u for _o, _s, users in wanted for u in users})
    rows = []
    for order, step, users in wanted:
        kind = NotificationKind.SLA_WARNING if step == Escalation.WARNED else NotificationKind.SLA_BREACH
        for user_id in sorted(users):
            with translation.override(languages.get(user_id)):
                title, body = _texts(order, step)
            rows.append(
                Notification(
                    user_id=user_id,
                    shop_id=order.case.shop_id,
                    case_id=order.case_id,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=case_path(order.case_id) if step == Escalation.SUPERVISOR else _order_path(order),
                    dedupe_key=f"workorder:{order.pk}:{step}",
                )
            )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _order_path(order: WorkOrder) -> str:
    from django.urls import reverse

    return reverse("workorders:detail", kwargs={"pk": order.pk})


def _sweep_batch(now: dt.datetime, result: SweepResult) -> int:
    with transaction.atomic():
        orders = list(due_orders(now).select_related("case", "department", "request_type")[:BATCH_SIZE])
        if not orders:
            return 0
        steps = []
        for order in orders:
            step, next_check = _step(order)
            if order.status != WorkOrderStatus.OPEN:  # cannot happen (constraint); never notify for it
                next_check = None
            else:
                steps.append((order, step))
            order.escalation, order.next_check_at = max(order.escalation, step), next_check
            result.warned += step == Escalation.WARNED
            result.to_lead += step == Escalation.LEAD
            result.to_supervisor += step == Escalation.SUPERVISOR
        WorkOrder.objects.bulk_update(orders, ["escalation", "next_check_at"])
        result.notifications += _notify(steps, now)
        return len(orders)


def workorders_sweep(*, now: dt.datetime | None = None, max_batches: int = 100) -> SweepResult:
    """Take every due step of every open order (up to ``max_batches`` × 500 orders per run)."""
    now = now or timezone.now()
    result = SweepResult()
    # The common minute: nothing due. One index probe, no transaction, no locks, no joins.
    if not WorkOrder.objects.filter(next_check_at__lte=now).exists():
        return result
    for _batch in range(max_batches):
        if _sweep_batch(now, result) < BATCH_SIZE:
            break
    return result
