"""Work orders in the insights reports (issue #20 "Reports"): the dashboard's per-department table
(figures exact on a hand-made set, another shop's and an earlier order never counted, a constant number
of queries whatever the number of departments, counts linking to the filtered list, the XLSX), and the
weekly Top-3 report's work orders and its extra recipients (the departments' leads)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.choices import Responsibility
from cases.models import Notification
from insights.exports import tables_xlsx, weekly_xlsx
from insights.hooks import dashboard_tables, weekly_sections, weekly_sent
from insights.periods import day_start, local_today, week_of
from insights.selectors.dashboard import Filters, dashboard
from insights.selectors.weekly import weekly_top3
from insights.services.reports import weekly_report_notify, weekly_report_run, weekly_report_store
from insights.services.rollup import rollup_rebuild
from tests.workorders.support import member, open_case, raise_order
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder
from workorders.reports import dashboard_table, weekly_table
from workorders.weekly import weekly_report_sent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

TYPES = [
    ("warehouse", "verify_stock"),
    ("logistics", "trace_parcel"),
    ("finance", "approve_refund"),
    ("supplier", "confirm_defect"),
    ("qc", "confirm_batch"),
]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


def _set(order, *, raised, due_after, answered_after=None, responsibility=""):
    """Pin an order's clock: raised at ``raised``, due ``due_after`` minutes later, answered after
    ``answered_after`` minutes (None = still open)."""
    fields = {
        "raised_at": raised,
        "warn_at": raised + dt.timedelta(minutes=due_after / 2),
        "due_at": raised + dt.timedelta(minutes=due_after),
        "supervisor_at": raised + dt.timedelta(minutes=due_after * 2),
    }
    if answered_after is not None:
        fields.update(
            status=WorkOrderStatus.ANSWERED,
            answer="已核实",
            answered_at=raised + dt.timedelta(minutes=answered_after),
            responsibility=responsibility,
            next_check_at=None,
        )
    WorkOrder.objects.filter(pk=order.pk).update(**fields)


def _filters(shop) -> Filters:
    today = local_today()
    return Filters(shop_ids=(shop.pk,), start=today - dt.timedelta(days=6), end=today)


@pytest.fixture
def hand_made(shop, other_shop, agent, make_user):
    """warehouse: answered in 30 min (due 120, warehouse's fault), in 200 min (late, supplier's), one open
    past due; logistics: answered in 60 min with no responsibility; plus another shop's order and one raised
    before the range, which must not count."""
    # Yesterday 10:00: every answer within the shop calendar's hours (08:00–24:00), so business = wall time.
    raised = day_start(local_today() - dt.timedelta(days=1)) + dt.timedelta(hours=10)
    case = open_case(shop, agent)
    _set(
        raise_order(case, agent),
        raised=raised,
        due_after=120,
        answered_after=30,
        responsibility=Responsibility.WAREHOUSE,
    )
    _set(
        raise_order(case, agent),
        raised=raised,
        due_after=120,
        answered_after=200,
        responsibility=Responsibility.SUPPLIER,
    )
    _set(raise_order(case, agent), raised=raised, due_after=120)
    _set(
        raise_order(case, agent, "logistics", "trace_parcel"), raised=raised, due_after=240, answered_after=60
    )
    early = day_start(_filters(shop).start) - dt.timedelta(minutes=1)
    _set(raise_order(case, agent), raised=early, due_after=120, answered_after=5)
    stranger = make_user("agent", shops=[other_shop])
    _set(
        raise_order(open_case(other_shop, stranger), stranger), raised=raised, due_after=120, answered_after=1
    )
    return case


def _by_type(table):
    return {(row[0], row[1]): row for row in table.rows}


def test_the_table_counts_exactly_the_ranges_orders_of_the_shops(shop, hand_made):
    (table,) = dashboard_table(_filters(shop), now=timezone.now())
    headers = table.headers
    rows = _by_type(table)
    assert set(rows) == {("仓库", "核实库存"), ("物流", "追踪包裹")}
    warehouse = dict(zip(headers, rows[("仓库", "核实库存")], strict=True))
    assert warehouse["发起"] == 3 and warehouse["已答复"] == 2  # the early and the other shop's left out
    assert warehouse["答复用时中位数(分钟)"] == 115.0 and warehouse["答复用时P90(分钟)"] == 200.0
    assert warehouse["超时答复"] == 1 and warehouse["未答复已超时"] == 1
    assert warehouse["仓库"] == 1 and warehouse["供应商"] == 1 and warehouse["快递"] == 0
    assert warehouse["未定责任"] == 0
    logistics = dict(zip(headers, rows[("物流", "追踪包裹")], strict=True))
    assert logistics["发起"] == 1 and logistics["已答复"] == 1 and logistics["未定责任"] == 1
    assert logistics["答复用时中位数(分钟)"] == 60.0 and logistics["超时答复"] == 0
    assert "工作时间" in table.note


def test_another_shops_dashboard_sees_only_its_own_order(other_shop, hand_made):
    (table,) = dashboard_table(_filters(other_shop), now=timezone.now())
    (row,) = table.rows
    assert row[:4] == ["仓库", "核实库存", 1, 1]


def test_the_dashboard_and_its_xlsx_carry_the_table_through_the_registry(shop, hand_made):
    assert dashboard_table in dashboard_tables.all()
    ours = [table for table in dashboard(_filters(shop)) if table.key == "workorders"]
    assert len(ours) == 1
    book = load_workbook(io.BytesIO(tables_xlsx(ours)))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    warehouse = next(r for r in values if r[:2] == ["仓库", "核实库存"])
    assert warehouse[2:4] == [3, 2] and isinstance(warehouse[2], int)


def test_each_count_links_to_the_list_filtered_the_same_way(client, shop, agent, hand_made):
    (table,) = dashboard_table(_filters(shop), now=timezone.now())
    late = _by_type(table)[("仓库", "核实库存")][6]
    assert 'href="/' in late.__html__() and "state=late" in late.url
    client.force_login(agent)
    page = client.get(late.url)
    assert page.status_code == 200
    listed = [o["id"] for o in page.context["open_orders"] + page.context["done_orders"]]
    (order,) = WorkOrder.objects.filter(
        case__shop=shop,
        answered_at__gt=timezone.now() - dt.timedelta(days=2),
        responsibility=Responsibility.SUPPLIER,
    )
    assert listed == [order.pk] and page.context["filtered"] is True
    everything = client.get(reverse("workorders:list"))
    assert len(everything.context["open_orders"] + everything.context["done_orders"]) == 5


def test_a_bad_list_filter_says_so_and_shows_everything(client, shop, agent, hand_made):
    client.force_login(agent)
    page = client.get(reverse("workorders:list"), {"from": "not-a-date", "state": "late"})
    assert page.status_code == 200 and page.context["filtered"] is False
    assert "筛选条件无效" in page.content.decode()
    assert len(page.context["open_orders"] + page.context["done_orders"]) == 5


def _queries(filters) -> int:
    with CaptureQueriesContext(connection) as captured:
        dashboard_table(filters, now=timezone.now())
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_departments(shop, agent):
    case = open_case(shop, agent)
    raised = timezone.now() - dt.timedelta(hours=5)
    for department, kind in TYPES[:2]:
        _set(raise_order(case, agent, department, kind), raised=raised, due_after=60, answered_after=10)
    few = _queries(_filters(shop))
    for department, kind in TYPES[2:]:
        _set(raise_order(case, agent, department, kind), raised=raised, due_after=60, answered_after=10)
    (table,) = dashboard_table(_filters(shop), now=timezone.now())
    assert len(table.rows) == 5
    # The counts, the answered orders' times, the shops and the policy stamp (the calendars' cache).
    assert few == _queries(_filters(shop)) == 4


def test_the_weekly_report_lists_the_work_orders_behind_its_top_issues(
    client, shop, other_shop, agent, make_user
):
    case = open_case(shop, agent)
    order = raise_order(case, agent, question="请核实这批货的做工")
    stranger = make_user("agent", shops=[other_shop])
    raise_order(open_case(other_shop, stranger), stranger)
    week = week_of(local_today(case.opened_at))
    rollup_rebuild(shop_id=shop.pk, days=[week.monday + dt.timedelta(days=i) for i in range(7)])
    assert weekly_table in weekly_sections.all()

    data = weekly_top3(week=week, shop_ids=[shop.pk], scope=shop.name)

    assert [r.key for r in data.sections[0].rows] == [str(case.issue_type_id or "")]
    (table,) = [t for t in data.extra if t.key == "weekly_workorders"]  # other apps add their sections
    assert table.rows == [
        [
            case.issue_type.name if case.issue_type_id else "—",
            f"#{case.pk}",
            "仓库",
            "核实库存",
            "待答复",
            "",
            "",
        ]
    ]
    assert order.case_id == case.pk
    book = load_workbook(io.BytesIO(weekly_xlsx(data)))
    assert table.title[:28] in book.sheetnames
    # An issue that is not in the top gets no rows (the builder filters by the top issues' keys).
    assert weekly_table(week=week, shop_ids=(shop.pk,), top_issue_keys=["999999"]) == []
    top_key = data.sections[0].rows[0].key
    assert weekly_table(week=week.previous(), shop_ids=(shop.pk,), top_issue_keys=[top_key]) == []

    manager = make_user("manager", shops=[shop])
    client.force_login(manager)
    page = client.get(reverse("insights:weekly"), {"week": week.key, "shop": shop.code})
    assert page.status_code == 200
    assert 'id="table-weekly_workorders"' in page.content.decode() and f"#{case.pk}" in page.content.decode()


def test_the_departments_leads_receive_the_weekly_reports_of_the_shops_they_reach(
    shop, other_shop, make_user, client
):
    """Leads hear of the report in the bell, linked to their own page (workorders:weekly) — the insights
    workbook would answer them 403 — and they can open it."""
    lead = member(make_user, "warehouse", shops=[shop], lead=True)
    elsewhere = member(make_user, "qc", shops=[other_shop], lead=True)
    everywhere = member(make_user, "finance", shops=[shop, other_shop], lead=True)
    clerk = member(make_user, "logistics", shops=[shop, other_shop])
    week = week_of(local_today() - dt.timedelta(days=7))
    assert weekly_report_sent in weekly_sent.all()

    for scope in (shop, None):
        report = weekly_report_store(week=week, shop=scope)
        weekly_report_notify(report=report, recipients=[])
        weekly_report_sent(report=report)
        weekly_report_sent(report=report)  # the weekly run repeated: no second notice

    def received(key):
        return sorted(Notification.objects.filter(dedupe_key=key).values_list("user_id", flat=True))

    assert received(f"weekly_lead:{week.key}:{shop.pk}") == sorted([lead.pk, everywhere.pk])
    assert received(f"weekly_lead:{week.key}:all") == [everywhere.pk]
    assert not Notification.objects.filter(user__in=[elsewhere, clerk]).exists()
    assert not Notification.objects.filter(dedupe_key__startswith="weekly_report:").exists()
    notice = Notification.objects.get(user=lead)
    path = notice.url[notice.url.index("/workorders/") :]
    assert path == f"{reverse('workorders:weekly')}?week={week.key}&shop={shop.pk}"
    client.force_login(lead)
    assert client.get(path).status_code == 200
    assert client.get(reverse("insights:report_download", kwargs={"pk": report.pk})).status_code == 403


def test_the_weekly_run_tells_the_registered_listeners_of_every_report_it_sent(shop, make_user):
    lead = member(make_user, "warehouse", shops=[shop], lead=True)
    member(make_user, "finance", shops=[shop], lead=True)

    reports = weekly_report_run()

    assert [r.shop_id for r in reports] == [None]
    assert Notification.objects.filter(dedupe_key__startswith="weekly_lead:", user=lead).count() == 1
