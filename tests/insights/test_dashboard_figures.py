"""Every dashboard figure on the hand-made data set (tests/insights/dataset.py); answers written out."""

import datetime as dt
from decimal import Decimal

import pytest

from insights.selectors.couriers import courier_table
from insights.selectors.dashboard import Filters, dashboard
from tests.insights.dataset import NOW

D = Decimal
pytestmark = pytest.mark.django_db


def tables_for(world, *shops, start=dt.date(2026, 11, 9), end=dt.date(2026, 11, 22), platform=""):
    filters = Filters(shop_ids=tuple(s.pk for s in shops), start=start, end=end, platform=platform)
    return {table.key: table for table in dashboard(filters, now=NOW)}


def test_daily_and_weekly_counts_by_issue_type_on_the_shanghai_calendar(world):
    tables = tables_for(world, world.shop_a)
    daily, weekly = tables["daily"], tables["weekly"]
    # Columns: issue types by name (code point order), then 中评, 差评, 合计.
    assert daily.headers == [
        "日期",
        "买家误解",
        "产品质量",
        "服务态度",
        "物流延误/包裹破损",
        "中评",
        "差评",
        "合计",
    ]
    rows = {row[0]: row[1:] for row in daily.rows}
    assert len(daily.rows) == 14
    assert rows["2026-11-15"] == [0, 1, 0, 0, 1, 0, 1]  # Sunday 23:00 Shanghai stays in W46
    assert rows["2026-11-16"] == [
        0,
        0,
        0,
        1,
        0,
        1,
        1,
    ]  # 00:30 Shanghai = Sunday 16:30 UTC; converted 1→5 still counts
    assert rows["2026-11-19"] == [0, 2, 0, 0, 0, 2, 2]
    assert rows["2026-11-20"] == [0, 0, 2, 0, 1, 1, 2]
    assert rows["2026-11-22"] == [1, 0, 0, 0, 0, 1, 1]  # 23:50; the 00:10 review of Monday belongs to 11-23
    assert rows["2026-11-12"] == [0, 0, 0, 0, 0, 0, 0]
    assert weekly.rows == [
        ["2026-W46", 0, 3, 0, 1, 1, 3, 4],
        ["2026-W47", 2, 2, 2, 3, 3, 6, 9],
    ]


def test_share_of_each_issue_type(world):
    share = tables_for(world, world.shop_a)["share"]
    assert share.rows == [
        ["产品质量", 5, D("38.5")],
        ["物流延误/包裹破损", 4, D("30.8")],
        ["买家误解", 2, D("15.4")],
        ["服务态度", 2, D("15.4")],
        ["合计", 13, D("100.0")],
    ]


def test_sla_attainment_per_target_and_breaches(world):
    sla = tables_for(world, world.shop_a)["sla"]
    assert sla.rows == [
        [
            "首次响应",
            3,
            2,
            1,
            D("60.0"),
        ],  # met c1 c5 c6; breached c2 (late) c4 (never, due passed); c9 not yet due
        ["买家回复后再响应", 2, 1, 0, D("66.7")],  # three buyer answers, one breach event
        [
            "公开回复",
            1,
            1,
            0,
            D("50.0"),
        ],  # c5 met, c4 open and past due; c6 resolved without one: not counted
        ["解决", 2, 2, 2, D("50.0")],  # met c1 c6; breached c2 (late) c4 (open, past due); c5 c9 running
    ]


def test_median_and_p90_time_to_first_response(world):
    table = tables_for(world, world.shop_a)["response_time"]
    # 30, 60, 120, 180 minutes: median (60+120)/2 = 90; p90 nearest rank ⌈0.9·4⌉ = 4th = 180.
    assert table.rows == [[4, 90.0, 180.0]]


def test_conversion_rate_only_where_the_platform_allows_revision(world):
    assert tables_for(world, world.shop_a)["conversion"].rows == [
        ["淘宝", 4, 1, D("25.0")],
        ["合计", 4, 1, D("25.0")],
    ]
    both = tables_for(world, world.shop_a, world.shop_b)["conversion"]
    assert both.rows == [["抖店", 1, 0, D("0.0")], ["淘宝", 4, 1, D("25.0")], ["合计", 5, 1, D("20.0")]]


def test_compensation_cost_by_option_and_issue_type_and_acceptance_beside_expected(world):
    tables = tables_for(world, world.shop_a)
    assert tables["cost_option"].rows == [
        ["官方道歉(私信 + 评价回复)", 1, D("0.00")],
        ["无理由补发(顺丰包邮，48小时内发货)", 1, D("30.00")],
        ["赔偿运费(订单运费的1.5倍)", 2, D("24.00")],
        ["合计", 4, D("54.00")],
    ]
    assert tables["cost_issue"].rows == [
        ["产品质量", 1, D("30.00")],
        ["服务态度", 1, D("0.00")],
        ["物流延误/包裹破损", 2, D("24.00")],
    ]
    assert tables["acceptance"].rows == [
        ["官方道歉(私信 + 评价回复)", 1, 1, D("100.0"), 90],
        ["无理由补发(顺丰包邮，48小时内发货)", 2, 1, D("50.0"), 80],
        ["赔偿运费(订单运费的1.5倍)", 2, 2, D("100.0"), 75],
    ]


def test_appeals_filed_and_won(world):
    assert tables_for(world, world.shop_a)["appeals"].rows == [[3, 1, 1, 1, D("50.0")]]
    assert tables_for(world, world.shop_a, start=dt.date(2026, 11, 16))["appeals"].rows == [
        [2, 1, 0, 1, D("100.0")]
    ]


def test_open_workload_per_agent(world):
    rows = tables_for(world, world.shop_a)["workload"].rows
    assert [[r[0], r[2], r[3]] for r in rows] == [["李二", 3, 0], ["王一", 2, 1], ["(未分配)", 2, 0]]


def test_platform_filter_and_other_shop(world):
    tables = tables_for(world, world.shop_a, world.shop_b, platform="douyin")
    assert tables["weekly"].rows[-1][-3:] == [0, 2, 2]
    assert tables["share"].rows == [
        ["产品质量", 1, D("50.0")],
        ["物流延误/包裹破损", 1, D("50.0")],
        ["合计", 2, D("100.0")],
    ]


def test_courier_watch_threshold_exactly_20_and_a_month_without_orders(world):
    table = courier_table(shop_ids=[world.shop_a.pk], as_of=dt.date(2026, 11, 22))
    rows = {row[1]: row for row in table.rows}
    assert table.headers[2:5] == ["2026-08 评价数", "2026-08 中差评", "2026-08 中差评率(%)"]
    assert rows["韵达"][2:] == [10, 3, D("30.0"), 5, 2, D("40.0"), 4, 1, D("25.0"), "是"]
    assert rows["中通"][2:] == [
        5,
        1,
        D("20.0"),
        5,
        2,
        D("40.0"),
        5,
        2,
        D("40.0"),
        "",
    ]  # exactly 20 % is not over
    assert rows["顺丰"][2:] == [2, 1, D("50.0"), 0, 0, None, 2, 1, D("50.0"), ""]  # no orders in September
    assert table.rows[0][1] == "韵达"  # flagged first
    assert "分母：该物流公司在该店铺当月的评价数" in table.note and "高于20%" in table.note


def test_courier_threshold_is_editable(world):
    from insights.models import InsightSettings

    settings = InsightSettings.current()
    settings.courier_threshold_percent = D("19.99")
    settings.save()
    rows = {
        row[1]: row for row in courier_table(shop_ids=[world.shop_a.pk], as_of=dt.date(2026, 11, 22)).rows
    }
    assert rows["中通"][-1] == "是" and rows["韵达"][-1] == "是" and rows["顺丰"][-1] == ""
