"""Reads of work orders: who may see which, and the rows pages and the API render (plain dicts,
conventions rule 7).

Who sees a work order: the shop's people who work its case (``cases.queries.access``: agents,
supervisors, legal, managers of the case's shop), and the members of its department who are members of
that shop. Both go through ``reviewdesk.access.restrict`` (the order's scope is its case's shop,
registered in ``workorders.admin``); nothing here filters by shop.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from reviewdesk.access import VIEW, restrict
from reviewdesk.roles import works_cases
from workorders.choices import WorkOrderStatus
from workorders.models import DepartmentMember, ExternalLink, WorkOrder


def external_path(order_id: int, token: str) -> str:
    """The answer link's path: the order in the path, the signed token in the query (``?t=``)."""
    return f"{reverse('workorders:external_answer', kwargs={'pk': order_id})}?{urlencode({'t': token})}"


def orders_for(user, action: str = VIEW, *, token=None) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see: all of their shops' cases for who works cases, else only those of
    their departments (a warehouse clerk sees the warehouse's questions, not the case queue)."""
    rows = restrict(WorkOrder.objects.all(), user, action, token=token)
    if works_cases(user):
        return rows
    return rows.filter(department__in=member_departments(user))


def member_departments(user) -> QuerySet:
    return DepartmentMember.objects.filter(user_id=user.pk).values("department_id")


def _state(order: WorkOrder, now: dt.datetime) -> tuple[str, str]:
    if order.status != WorkOrderStatus.OPEN:
        return order.get_status_display(), "ok" if order.status == WorkOrderStatus.ANSWERED else ""
    if now >= order.due_at:
        from django.utils.translation import gettext as _

        return _("已超时"), "bad"
    if now >= order.warn_at:
        from django.utils.translation import gettext as _

        return _("即将超时"), "warn"
    return order.get_status_display(), ""


def order_rows(orders, *, now: dt.datetime | None = None, with_links: bool = False) -> list[dict]:
    """What a list of orders shows; ``with_links`` adds each open external order's answer link (for
    the people working the case, who pass it on)."""
    from workorders.services import link_token

    now = now or timezone.now()
    links = {}
    if with_links:
        open_ids = [o.pk for o in orders if o.contact_id and o.status == WorkOrderStatus.OPEN]
        for link in ExternalLink.objects.filter(work_order_id__in=open_ids, used_at__isnull=True):
            links[link.work_order_id] = external_path(link.work_order_id, link_token(link))
    rows = []
    for order in orders:
        state, css = _state(order, now)
        rows.append(
            {
                "id": order.pk,
                "case_id": order.case_id,
                "department": order.department.name,
                "request_type": order.request_type.name,
                "question": order.question,
                "contact": order.contact.name if order.contact_id else "",
                "status": order.status,
                "state": state,
                "css": css,
                "blocking": order.blocking,
                "raised_at": order.raised_at,
                "due_at": order.due_at,
                "warn_at": order.warn_at,
                "answer": order.answer,
                "responsibility": order.get_responsibility_display() if order.responsibility else "",
                "answered_at": order.answered_at,
                "answered_by": str(order.answered_by) if order.answered_by_id else "",
                "answered_by_contact": order.answered_by_contact.name if order.answered_by_contact_id else "",
                "attachments": [
                    {"id": a.pk, "name": a.original_name, "of_answer": a.of_answer, "size": a.size}
                    for a in order.attachments.all()
                ],
                "link": links.get(order.pk, ""),
                "url": reverse("workorders:detail", kwargs={"pk": order.pk}),
            }
        )
    return rows


def with_related(rows: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return rows.select_related(
        "department", "request_type", "contact", "answered_by", "answered_by_contact"
    ).prefetch_related("attachments")


LIST_STATES = ("open", "answered", "late", "overdue")


def list_filters(rows: QuerySet[WorkOrder], query) -> tuple[QuerySet[WorkOrder], bool]:
    """The list's filters from a query string (the dashboard's work-order counts link here): department,
    request_type, shop (repeatable; within the orders ``rows`` already allows), platform of the case,
    from / to (raised on those Beijing days, inclusive), state (open / answered / late = answered after
    the due time / overdue = open past the due time) and responsibility ("none" = an answer without one).
    Returns (rows, whether any filter applied); a bad value raises ValidationError with the reason."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from insights.periods import day_start

    filtered = False
    try:
        for name, field in (("department", "department_id"), ("request_type", "request_type_id")):
            if query.get(name):
                rows, filtered = rows.filter(**{field: int(query[name])}), True
        shops = [int(v) for v in query.getlist("shop") if v]
        if shops:
            rows, filtered = rows.filter(case__shop_id__in=shops), True
        if query.get("from"):
            rows = rows.filter(raised_at__gte=day_start(dt.date.fromisoformat(query["from"])))
            filtered = True
        if query.get("to"):
            end = dt.date.fromisoformat(query["to"]) + dt.timedelta(days=1)
            rows, filtered = rows.filter(raised_at__lt=day_start(end)), True
    except ValueError as exc:
        raise ValidationError(_("筛选条件无效，已显示全部工单。")) from exc
    if query.get("platform"):
        rows, filtered = rows.filter(case__platform=query["platform"]), True
    state = query.get("state", "")
    if state:
        if state not in LIST_STATES:
            raise ValidationError(_("筛选条件无效，已显示全部工单。"))
        now = timezone.now()
        rows = {
            "open": rows.filter(status=WorkOrderStatus.OPEN),
            "answered": rows.filter(answered_at__isnull=False),
            "late": rows.filter(answered_at__gt=F("due_at")),
            "overdue": rows.filter(status=WorkOrderStatus.OPEN, due_at__lt=now),
        }[state]
        filtered = True
    if query.get("responsibility"):
        value = query["responsibility"]
        rows = rows.filter(answered_at__isnull=False, responsibility="" if value == "none" else value)
        filtered = True
    return rows, filtered
