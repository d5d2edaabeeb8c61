"""The weekly Top-3 report on the hand-made data set: counts, shares, change, ties, samples, couriers,
the workbook read back, the command."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from insights.exports import weekly_xlsx
from insights.periods import parse_week
from insights.selectors.weekly import rank_top, weekly_top3

D = Decimal
W47 = parse_week("2026-W47")
pytestmark = pytest.mark.django_db


def rows(section):
    return [(r.label, r.count, r.share, r.previous, r.change, r.change_percent) for r in section.rows]


def test_week_boundaries_are_monday_to_monday_in_shanghai():
    assert (W47.monday.isoformat(), W47.sunday.isoformat()) == ("2026-11-16", "2026-11-22")
    assert (
        W47.start.isoformat() == "2026-11-16T00:00:00+08:00"
        and W47.end.isoformat() == "2026-11-23T00:00:00+08:00"
    )
    assert W47.previous().key == "2026-W46" and parse_week("2026-W01").previous().key == "2025-W52"
    assert parse_week("2026-W53").monday.isoformat() == "2026-12-28"  # 2026 has 53 ISO weeks


@pytest.mark.parametrize("bad", ["2026-47", "2026W47", "2025-W53", "2026-W00", ""])
def test_bad_week_is_refused_with_a_message(bad):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        parse_week(bad)
    assert error.value.code == "bad_week"


def test_tie_rule_lists_three_by_name_and_names_the_rest():
    top, tied = rank_top(
        {"a": ("服务态度", 2), "b": ("产品质量", 2), "c": ("买家误解", 2), "d": ("物流", 3), "e": ("其他", 1)}
    )
    assert [t[1] for t in top] == ["物流", "买家误解", "产品质量"] and tied == ["服务态度"]
    assert rank_top({"a": ("甲", 1), "b": ("乙", 1)}) == ([("b", "乙", 1), ("a", "甲", 1)], [])


def test_one_shop_top3_with_counts_shares_change_and_samples(world):
    data = weekly_top3(week=W47, shop_ids=[world.shop_a.pk], scope="淘宝旗舰店")
    assert (data.total, data.previous_total) == (9, 4)
    issues, skus, couriers = data.sections
    assert rows(issues) == [
        (
            "物流延误/包裹破损",
            3,
            D("33.3"),
            1,
            2,
            D("200.0"),
        ),  # incl. Monday 00:30 Shanghai, excl. next Monday 00:10
        ("买家误解", 2, D("22.2"), 0, 2, None),
        ("产品质量", 2, D("22.2"), 3, -1, D("-33.3")),
    ]
    assert issues.tied == ["服务态度"]
    assert issues.rows[0].samples == ["物流很慢", "外包装破损"]
    assert rows(skus) == [
        ("商品A1 · 红色", 4, D("44.4"), 3, 1, D("33.3")),
        ("商品A2 · 蓝色", 3, D("33.3"), 1, 2, D("200.0")),
        ("商品A3 · 默认", 2, D("22.2"), 0, 2, None),
    ]
    assert skus.tied == []
    assert rows(couriers) == [
        ("中通", 4, D("44.4"), 2, 2, D("100.0")),
        ("韵达", 3, D("33.3"), 2, 1, D("50.0")),
        ("顺丰", 2, D("22.2"), 0, 2, None),
    ]
    assert couriers.rows[0].samples == ["说明书看不懂", "开线起球"]
    assert [(c.shop_name, c.courier) for c in data.flagged_couriers] == [("淘宝旗舰店", "韵达")]


def test_all_shops_ties_at_third_place(world):
    data = weekly_top3(week=W47, shop_ids=[world.shop_a.pk, world.shop_b.pk], scope="全部店铺")
    issues, _skus, couriers = data.sections
    assert data.total == 11
    assert rows(issues) == [
        ("物流延误/包裹破损", 4, D("36.4"), 1, 3, D("300.0")),
        ("产品质量", 3, D("27.3"), 3, 0, D("0.0")),
        ("买家误解", 2, D("18.2"), 0, 2, None),
    ]
    assert issues.tied == ["服务态度"]
    assert [(r.label, r.count) for r in couriers.rows] == [("中通", 4), ("韵达", 3), ("京东物流", 2)]
    assert couriers.tied == ["顺丰"]


def test_workbook_reads_back(world):
    data = weekly_top3(week=W47, shop_ids=[world.shop_a.pk], scope="淘宝旗舰店")
    book = load_workbook(io.BytesIO(weekly_xlsx(data)))
    # insights' own sheets first; the sections other apps register (insights.hooks.weekly_sections) follow
    assert book.sheetnames[:5] == ["概览", "问题类型TOP3", "商品规格(SKU)TOP3", "物流公司TOP3", "物流预警"]
    summary = {row[0]: row[1] for row in book["概览"].iter_rows(values_only=True) if row and len(row) > 1}
    assert summary["ISO周"] == "2026-W47" and summary["本周中差评"] == 9 and summary["上周中差评"] == 4
    assert summary["日期(北京时间)"] == "2026-11-16 ~ 2026-11-22"
    issue_rows = list(book["问题类型TOP3"].iter_rows(values_only=True))
    assert issue_rows[0][:7] == ("排名", "名称", "中差评数", "占比(%)", "上周", "变化", "变化(%)")
    assert issue_rows[1][:7] == (1, "物流延误/包裹破损", 3, 33.3, 1, 2, 200.0)
    assert issue_rows[3][:7] == (3, "产品质量", 2, 22.2, 3, -1, -33.3)
    assert issue_rows[4][:2] == ("并列第3", "服务态度")
    courier_rows = list(book["物流预警"].iter_rows(values_only=True))
    assert courier_rows[0] == (
        "店铺",
        "物流公司",
        "2026-08 评价数/中差评",
        "2026-09 评价数/中差评",
        "2026-10 评价数/中差评",
        "建议更换",
    )
    assert ("淘宝旗舰店", "韵达", "10/3", "5/2", "4/1", "是") in courier_rows
    assert ("淘宝旗舰店", "顺丰", "2/1", "0/0", "2/1", None) in courier_rows


def test_command_writes_the_workbook(world, tmp_path):
    out = tmp_path / "report.xlsx"
    stdout = io.StringIO()
    call_command("weekly_report", "--week", "2026-W47", "--shop", "tb-main", "--out", str(out), stdout=stdout)
    assert "中差评 9 条" in stdout.getvalue()
    book = load_workbook(out)
    assert list(book["物流公司TOP3"].iter_rows(values_only=True))[1][:3] == (1, "中通", 4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-47", "--out"], "周次格式"),
        (["--week", "2026-W47", "--shop", "nope", "--out"], "没有代码为“nope”的店铺"),
        (["--week", "2026-W47"], "--out"),
    ],
)
def test_command_refuses_bad_input_and_writes_nothing(world, tmp_path, args, message):
    out = tmp_path / "report.xlsx"
    if args[-1] == "--out":
        args = [*args, str(out)]
    with pytest.raises(CommandError, match=message):
        call_command("weekly_report", *args)
    assert not out.exists()
