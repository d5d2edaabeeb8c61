"""Work orders in the insights reports (issue #20 "Reports"), plugged in through ``insights.hooks`` so that
insights never imports this app (registered in ``WorkordersConfig.ready``).

Dashboard table, per department and request type, for the work orders raised in the dashboard's range
on the cases of its (already permitted) shops and platform:

- raised: orders raised in the range (cancelled ones included); answered: those with an answer;
- median / p90 time to answer: BUSINESS minutes from raising to answering, of the answered orders, on
  the department's calendar (else the case's shop calendar), as the order's due time was computed
  (``workorders.clock``): an order raised at closing time and answered the next morning waited no night;
  median as usual, p90 by nearest rank (the same definitions as the dashboard's response times);
- answered late: answered after the due time; open overdue: not answered, still open, already due;
- outcomes: the answers' responsibility (``cases.choices.Responsibility``), "not set" when the answer set none.

It reads a constant number of queries whatever the number of departments and orders: the grouped counts,
the answered orders' times, and the calendars they were counted on (the departments' own in one read, the
shops' from the policy loader's cache); none of the latter when no order was answered.
Each count links to the work-order list filtered the same way (``workorders.views.order_list``).

Weekly Top-3 report: the work orders raised on the week's cases of each top issue type, and the
departments' leads as extra in-app recipients of the report.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cases.choices import Responsibility
from insights.selectors.dashboard import Filters, nearest_rank
from insights.tables import Table
from policies.business_time import business_minutes_between
from workorders.choices import WorkOrderStatus
from workorders.clock import department_calendars, shop_calendars
from workorders.models import DepartmentMember, WorkOrder

TABLE_KEY = "workorders"


class LinkedCount(int):
    """A count that is a number in the XLSX and a link to the filtered work-order list on the page
    (``insights.tables.Table.body_html`` escapes cells with ``conditional_escape``, which uses ``__html__``)."""

    url: str

    def __new__(cls, value: int, url: str):
        obj = super().__new__(cls, value)
        obj.url = url
        return obj

    def __html__(self) -> str:
        if not self:
            return "0"
        return format_html('<a href="{}">{}</a>', self.url, int(self))


def _list_url(params: dict) -> str:
    return f"{reverse('workorders:list')}?{urlencode(params, doseq=True)}"


def _orders(filters: Filters):
    # filters.shop_ids are the shops the dashboard's reader may see (insights.views._scope via access).
    orders = WorkOrder.objects.filter(
        case__shop_id__in=filters.shop_ids, raised_at__gte=filters.start_at, raised_at__lt=filters.end_at
    )
    return orders.filter(case__platform=filters.platform) if filters.platform else orders


def _minutes(orders) -> dict[tuple[int, int], list[float]]:
    """(department, request type) → the answered orders' business minutes from raising to answering."""
    rows = list(
        orders.filter(answered_at__isnull=False).values_list(
            "department_id",
            "request_type_id",
            "raised_at",
            "answered_at",
            "department__calendar_id",
            "case__shop_id",
            "case__platform",
        )
    )
    own = department_calendars({row[4] for row in rows})
    shops = shop_calendars({(row[5], row[6]) for row in rows if row[4] not in own})
    by_group: dict[tuple[int, int], list[float]] = defaultdict(list)
    for department_id, type_id, raised, answered, calendar_id, shop_id, platform in rows:
        calendar = own.get(calendar_id) or shops[(shop_id, platform)]
        by_group[(department_id, type_id)].append(float(business_minutes_between(raised, answered, calendar)))
    return by_group


def figures(filters: Filters, *, now: dt.datetime) -> list[dict]:
    """One dict per (department, request type) with orders in the range, sorted by department then type."""
    answered = Q(answered_at__isnull=False)
    aggregates = {
        "raised": Count("pk"),
        "answered": Count("pk", filter=answered),
        "late": Count("pk", filter=answered & Q(answered_at__gt=F("due_at"))),
        "overdue": Count("pk", filter=Q(status=WorkOrderStatus.OPEN, due_at__lt=now)),
        "unset": Count("pk", filter=answered & Q(responsibility="")),
        **{
            f"r_{value}": Count("pk", filter=answered & Q(responsibility=value))
            for value in Responsibility.values
        },
    }
    orders = _orders(filters)
    rows = list(
        orders.values("department_id", "department__name", "request_type_id", "request_type__name")
        .annotate(**aggregates)
        .order_by()
    )
    if rows:
        minutes = _minutes(orders) if any(row["answered"] for row in rows) else {}
        for row in rows:
            values = minutes.get((row["department_id"], row["request_type_id"]), [])
            row["median"] = statistics.median(values) if values else None
            row["p90"] = nearest_rank(values, 0.9)
    # Sorted here: Chinese collation differs between PostgreSQL and SQLite.
    rows.sort(
        key=lambda r: (
            r["department__name"],
            r["department_id"],
            r["request_type__name"],
            r["request_type_id"],
        )
    )
    return rows


def _round(value) -> float | None:
    return None if value is None else round(value, 1)


def dashboard_table(filters: Filters, *, now: dt.datetime) -> list[Table]:
    """The dashboard's work-order table (insights.hooks.dashboard_tables)."""
    outcomes = list(Responsibility.choices)
    table = Table(
        TABLE_KEY,
        _("内部工单答复时效与结果(按部门与请求类型)"),
        [
            _("部门"),
            _("请求类型"),
            _("发起"),
            _("已答复"),
            _("答复用时中位数(分钟)"),
            _("答复用时P90(分钟)"),
            _("超时答复"),
            _("未答复已超时"),
            *(str(label) for _value, label in outcomes),
            _("未定责任"),
        ],
        note=_(
            "统计日期范围内发起的工单；答复用时为工作时间(按部门营业日历，未设置则按店铺营业日历)，从发起到答复；"
            "超时答复 = 答复晚于截止时间；未答复已超时 = 仍待答复且已过截止时间；结果为答复所定的责任方。"
        ),
    )
    base = {"from": filters.start.isoformat(), "to": filters.end.isoformat(), "shop": list(filters.shop_ids)}
    if filters.platform:
        base["platform"] = filters.platform
    for row in figures(filters, now=now):
        scope = {**base, "department": row["department_id"], "request_type": row["request_type_id"]}

        def linked(count: int, **extra) -> LinkedCount:
            return LinkedCount(count, _list_url({**scope, **extra}))  # noqa: B023 - called at once

        table.rows.append(
            [
                row["department__name"],
                row["request_type__name"],
                linked(row["raised"]),
                linked(row["answered"], state="answered"),
                _round(row["median"]),
                _round(row["p90"]),
                linked(row["late"], state="late"),
                linked(row["overdue"], state="overdue"),
                *(linked(row[f"r_{value}"], responsibility=value) for value, _label in outcomes),
                linked(row["unset"], state="answered", responsibility="none"),
            ]
        )
    return [table]


def weekly_table(*, week, shop_ids: tuple[int, ...], top_issue_keys: list[str]) -> list[Table]:
    """The work orders raised on the week's cases (opened that week) of each top issue type
    (insights.hooks.weekly_sections): one query whatever the number of issues; nothing when there are none."""
    if not top_issue_keys:
        return []
    ids = [int(k) for k in top_issue_keys if k]
    issue = Q(case__issue_type_id__in=ids)
    if "" in top_issue_keys:
        issue |= Q(case__issue_type__isnull=True)
    orders = (
        WorkOrder.objects.filter(
            issue, case__shop_id__in=shop_ids, case__opened_at__gte=week.start, case__opened_at__lt=week.end
        )
        .select_related("department", "request_type", "case__issue_type")
        .order_by("case__issue_type__name", "raised_at", "pk")
    )
    table = Table(
        "weekly_workorders",
        _("TOP3问题类型的内部工单"),
        [_("问题类型"), _("案件"), _("部门"), _("请求类型"), _("状态"), _("答复"), _("责任方")],
        note=_("本周新建的、属于TOP3问题类型的案件上发起的内部工单。"),
    )
    for order in orders:
        table.rows.append(
            [
                order.case.issue_type.name if order.case.issue_type_id else "—",
                f"#{order.case_id}",
                order.department.name,
                order.request_type.name,
                str(order.get_status_display()),
                order.answer,
                str(order.get_responsibility_display()) if order.responsibility else "",
            ]
        )
    return [table] if table.rows else []  # no sheet and no section for a week without orders


def weekly_lead_ids(*, shop_id: int | None, shop_ids: tuple[int, ...] | None = None) -> set[int]:
    """The leads of the active departments that apply to the report's shops receive it in the app
    (a bell notice linked to their page: ``workorders.weekly.weekly_lead_notices``) — only those who reach all of them (reviewdesk.access.members_of):
    a shop's report for its members; a client's report (``shop_ids``: the client's shops) and the
    all-shops report for who reaches each of those shops, leads of the global departments only (a shop's
    own department answers for that shop alone)."""
    from reviewdesk.access import members_of
    from reviewdesk.models import Shop

    leads = DepartmentMember.objects.filter(is_lead=True, department__active=True, user__is_active=True)
    if shop_id is not None:
        leads = leads.filter(Q(department__shop__isnull=True) | Q(department__shop_id=shop_id))
        return set(leads.filter(user_id__in=members_of([shop_id])).values_list("user_id", flat=True))
    if shop_ids is not None:
        found = set(leads.filter(department__shop__isnull=True).values_list("user_id", flat=True))
        every_shop = list(shop_ids)
    else:
        found = set(leads.values_list("user_id", flat=True))
        every_shop = list(Shop.objects.values_list("pk", flat=True))
    for every in every_shop:  # a weekly job: one query per shop is fine
        if not found:
            break
        found &= set(members_of([every]).filter(pk__in=found).values_list("pk", flat=True))
    return found
