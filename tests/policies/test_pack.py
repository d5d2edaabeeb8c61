"""The whole policy pack: one XLSX workbook out, the same workbook back in, all or nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from policies import models as m
from policies.pack import export_pack, import_pack
from tests.policies.pack_support import (
    build_pack,
    delete_every_rule,
    every_rule_snapshot,
    workbook_bytes,
    workbook_cells,
)

pytestmark = pytest.mark.django_db

SHEETS = [
    "问题类型",
    "客户分层",
    "营业日历",
    "营业时间",
    "节假日、调休",
    "平台规则",
    "分类规则",
    "恶意信号",
    "SLA时效等级",
    "补偿规则",
    "补偿方案",
    "合规规则",
    "回复模板",
    "回访计划",
    "回访步骤",
    "申诉清单",
    "联系限制",
    "大促时段",
    "大促时效承诺",
]


def test_export_writes_one_sheet_per_model_with_chinese_headers(shop):
    build_pack(shop)
    cells = workbook_cells(export_pack())
    assert list(cells) == SHEETS
    assert cells["SLA时效等级"][0] == [
        "店铺",
        "品牌方",
        "启用",
        "问题类型",
        "名称",
        "英文名称",
        "首次响应时限(分钟)",
        "买家回复后再响应时限(分钟)",
        "私下沟通未果时公开回复时限(分钟)",
        "解决时限(分钟)",
        "处理角色",
        "超时升级给",
        "预警百分比",
        "营业日历",
    ]
    assert [
        None,
        None,
        True,
        "物流延误",  # the issue type's name and the roles' labels, not their codes
        "物流2小时",
        None,
        120,
        180,
        1440,
        2880,
        "客服",
        "客服主管",
        80,
        "默认营业日历",
    ] in cells["SLA时效等级"]
    assert len(cells["补偿规则"]) == 1 + 5
    assert ["tb-main", None, True, "淘宝", 2, 60] == [cells["联系限制"][2][i] for i in (0, 1, 2, 3, 4, 5)]


def test_round_trip_export_import_into_empty_database_export_gives_the_same_cells(shop):
    build_pack(shop)
    first = export_pack()
    delete_every_rule()

    report = import_pack(first, dry_run=False)

    assert report.errors == []
    assert report.written
    assert report.totals["new"] == report.totals["rows"] == 50
    assert workbook_cells(export_pack()) == workbook_cells(first)


def test_importing_the_same_pack_again_changes_nothing(shop):
    build_pack(shop)
    data = export_pack()
    before = every_rule_snapshot()
    report = import_pack(data, dry_run=False)
    assert report.errors == []
    assert report.totals["unchanged"] == report.totals["rows"]
    assert every_rule_snapshot() == before


def test_dry_run_reports_what_would_change_and_writes_nothing(shop):
    build_pack(shop)
    data = export_pack()
    delete_every_rule()
    report = import_pack(data, dry_run=True)
    assert report.errors == [] and not report.written
    assert report.totals["new"] == 50
    assert m.IssueType.objects.count() == 0 and m.SlaTier.objects.count() == 0


def test_bad_workbook_lists_every_row_error_and_writes_nothing(shop):
    build_pack(shop)
    cells = workbook_cells(export_pack())
    cells["问题类型"].append(["refund", "退款纠纷", None, False, False, True, 50, True])  # valid on its own
    sla = cells["SLA时效等级"]
    sla[1][sla[0].index("预警百分比")] = 0
    sla[2][sla[0].index("处理角色")] = None
    rules = cells["分类规则"]
    rules[1][rules[0].index("归入问题类型")] = "nosuchtype"
    bands = cells["补偿规则"]
    bands.append([None, None, True, "中高额重叠", "quality", None, 250, 500, 50, None])
    before = every_rule_snapshot()

    report = import_pack(workbook_bytes(cells), dry_run=False)

    described = [(e.sheet, e.row, e.column, e.message) for e in report.errors]
    assert ("SLA时效等级", 2, "预警百分比", "预警百分比必须在1到99之间。") in described
    assert ("SLA时效等级", 3, "处理角色", "每个时效等级都必须指定处理角色。") in described
    assert ("分类规则", 2, "归入问题类型", "找不到问题类型“nosuchtype”。") in described
    assert [e for e in described if e[0] == "补偿规则" and e[1] == 7 and "金额区间重叠" in e[3]]
    assert report.errors[0].describe().startswith("工作表“")
    assert not report.written
    assert every_rule_snapshot() == before
    assert not m.IssueType.objects.filter(code="refund").exists()


def test_unknown_sheet_and_column_are_reported(shop):
    build_pack(shop)
    cells = workbook_cells(export_pack())
    cells["问题类型"][0].append("备注")
    cells["问题类型"][1].append("x")
    cells["旧版规则"] = [["名称"], ["x"]]
    report = import_pack(workbook_bytes(cells), dry_run=True)
    described = [(e.sheet, e.row, e.column) for e in report.errors]
    assert ("问题类型", 1, "备注") in described
    assert ("旧版规则", None, "") in described


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese():
    report = import_pack(b"order_no,rating\n1,2\n", dry_run=True)
    assert [e.message for e in report.errors] == ["无法读取文件：请上传由“导出规则包”生成的 .xlsx 工作簿。"]


def test_policy_pack_command_exports_and_imports(shop, tmp_path):
    build_pack(shop)
    out = tmp_path / "pack.xlsx"
    stdout = io.StringIO()
    call_command("policy_pack", "export", "--out", str(out), stdout=stdout)
    assert "已导出规则包" in stdout.getvalue()
    delete_every_rule()

    call_command("policy_pack", "import", str(out), "--dry-run", stdout=stdout)
    assert m.IssueType.objects.count() == 0
    assert "试导入通过" in stdout.getvalue()

    call_command("policy_pack", "import", str(out), stdout=stdout)
    assert m.IssueType.objects.count() == 4
    assert "已导入规则包" in stdout.getvalue()


def test_policy_pack_command_prints_row_errors_in_chinese_and_fails(shop, tmp_path):
    build_pack(shop)
    cells = workbook_cells(export_pack())
    sla = cells["SLA时效等级"]
    sla[1][sla[0].index("预警百分比")] = 100
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(cells))
    before = every_rule_snapshot()
    with pytest.raises(CommandError) as failure:
        call_command("policy_pack", "import", str(bad), stdout=io.StringIO())
    assert "工作表“SLA时效等级”第2行“预警百分比”列：预警百分比必须在1到99之间。" in str(failure.value)
    assert every_rule_snapshot() == before
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("policy_pack", "import", str(tmp_path / "missing.xlsx"))


def test_round_trip_of_the_seeded_default_pack(shop):
    call_command("seed_policies", verbosity=0)
    first = export_pack()
    delete_every_rule()
    report = import_pack(first, dry_run=False)
    assert report.errors == []
    assert workbook_cells(export_pack()) == workbook_cells(first)
