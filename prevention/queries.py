"""Reads of prevention: which tasks, orders and flags a user may reach (``reviewdesk.access``, one path),
the rows templates render (whitelisted dicts, conventions rule 7) and the measured effect."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from prevention.choices import PREVENTED_OUTCOMES, LateReason, RiskReason, TaskOutcome, TaskStatus
from prevention.models import Order, PreventionTask, RiskFlag
from reviewdesk.access import VIEW, restrict
from reviewdesk.pii import mask_nick
from reviewdesk.roles import hides_buyer_data, reads_cases

NEGATIVE_RATING = 2


def may_read(user) -> bool:
    """Who reads the prevention queue: who works cases and the client viewer (read-only, nicks masked)."""
    return reads_cases(user)


def tasks_for(user, action: str = VIEW):
    return restrict(PreventionTask.objects.all(), user, action)


def task_rows(tasks, user, *, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    masked = hides_buyer_data(user)
    rows = []
    for task in tasks.select_related("order", "shop"):
        order = task.order
        rows.append(
            {
                "id": task.pk,
                "shop": task.shop.name,
                "order_no": order.order_no,
                "buyer": mask_nick(order.buyer_nick) if masked else order.buyer_nick,
                "courier": order.courier,
                "tracking_no": order.tracking_no,
                "station": order.station,
                "last_movement_at": order.last_movement_at,
                "ship_by": order.ship_by,
                "shipped_at": order.shipped_at,
                "reason": LateReason(task.reason).label,
                "reason_code": task.reason,
                "status": task.status,
                "state": TaskStatus(task.status).label,
                "due_at": task.due_at,
                "overdue": task.status == TaskStatus.OPEN and task.due_at < now,
                "opened_at": task.opened_at,
                "offer_text": task.offer_text,
                "offer_amount": task.offer_amount,
                "offer_refused": task.offer_refused,
                "campaign": campaign_note(task),
                "campaign_name": task.campaign_name,
                "outcome": TaskOutcome(task.outcome).label if task.outcome else "",
                "note": task.note,
                "done_at": task.done_at,
                "case_id": task.case_id,
                "version": task.version,
            }
        )
    return rows


def campaign_note(task: PreventionTask) -> str:
    """ "大促期间开启(双11)：处理时限按大促排班日历“双11全天排班”计时" — which peak season timed the task
    (``prevention.sweep``), in the reader's language; empty outside one."""
    if not task.campaign_name:
        return ""
    if task.campaign_calendar:
        return _("大促期间开启(%(name)s)：处理时限按大促排班日历“%(calendar)s”计时。") % {
            "name": task.campaign_name,
            "calendar": task.campaign_calendar,
        }
    return _("大促期间开启(%(name)s)：大促未设排班日历，处理时限按店铺日历计时。") % {
        "name": task.campaign_name
    }


def trace_rows(task: PreventionTask) -> list[dict]:
    return [
        {"at": at, "station": station, "description": description}
        for at, station, description in task.order.traces.order_by("-at", "-pk").values_list(
            "at", "station", "description"
        )[:50]
    ]


def risk_rows(user, *, limit: int = 200) -> list[dict]:
    masked = hides_buyer_data(user)
    flags = (
        restrict(RiskFlag.objects.all(), user, VIEW).select_related("order", "shop").order_by("-created_at")
    )
    rows = []
    for flag in flags[:limit]:
        order = flag.order
        reasons = []
        for reason in flag.reasons or ():
            try:
                label = RiskReason(reason.get("code")).label
            except ValueError:
                continue
            reasons.append(
                _("%(reason)s：%(count)d") % {"reason": label, "count": int(reason.get("count") or 0)}
            )
        rows.append(
            {
                "id": flag.pk,
                "shop": flag.shop.name,
                "order_no": order.order_no,
                "buyer": mask_nick(order.buyer_nick) if masked else order.buyer_nick,
                "item_title": order.item_title,
                "status": order.get_status_display(),
                "reasons": reasons,
                "suggestion": flag.suggestion,
                "flagged_at": flag.created_at,
            }
        )
    return rows


def effect_figures(shop_ids, *, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Per shop, of the orders that were late in [start, end) (a task opened then): how many, the tasks
    and the handled ones, and the negative-review rate of the prevented ones (an outcome that reached the
    buyer first: contacted or compensated) against the others. Two queries whatever the number of orders."""
    tasks = PreventionTask.objects.filter(shop_id__in=shop_ids, opened_at__gte=start, opened_at__lt=end)
    per_order = tasks.values("order_id", "shop_id", "shop__name").annotate(
        tasks=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        prevented=Count("pk", filter=Q(outcome__in=PREVENTED_OUTCOMES)),
    )
    from cases.models import Review

    negative_review = Review.objects.filter(
        shop_id=OuterRef("shop_id"), order_no=OuterRef("order_no"), rating__lte=NEGATIVE_RATING
    )
    negative = set(
        Order.objects.filter(pk__in=tasks.values("order_id"))
        .filter(Exists(negative_review))
        .values_list("pk", flat=True)
    )
    shops: dict[int, dict] = {}
    for row in per_order:
        figures = shops.setdefault(
            row["shop_id"],
            {
                "shop": row["shop__name"],
                "late_orders": 0,
                "tasks": 0,
                "done": 0,
                "prevented": 0,
                "prevented_negative": 0,
                "unprevented": 0,
                "unprevented_negative": 0,
            },
        )
        figures["late_orders"] += 1
        figures["tasks"] += row["tasks"]
        figures["done"] += row["done"]
        group = "prevented" if row["prevented"] else "unprevented"
        figures[group] += 1
        figures[f"{group}_negative"] += row["order_id"] in negative
    return [shops[key] for key in sorted(shops, key=lambda k: shops[k]["shop"])]


def rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"
