"""A bad cell in a policy pack says where it is and what belongs there: the sheet, the Excel row, the
column, the value and the type the column expects — never a Python class (issue 15 §7), and the file
writes nothing. The workbooks are real XLSX files, edited cell by cell from a real export."""

import io

import pytest
from django.urls import reverse
from django.utils import translation

from policies import models as m
from policies.pack import export_pack, import_pack
from tests.policies import admin_support
from tests.policies.admin_support import page
from tests.policies.pack_support import build_pack, every_rule_snapshot, workbook_bytes, workbook_cells

pytestmark = pytest.mark.django_db

manager, manager_client = admin_support.manager, admin_support.manager_client


def _set(cells, sheet: str, row: int, column: str, value) -> None:
    """Set the cell of Excel row ``row`` (the header is row 1) under ``column``."""
    rows = cells[sheet]
    rows[row - 1][rows[0].index(column)] = value


def _bad_pack(shop) -> bytes:
    build_pack(shop)
    cells = workbook_cells(export_pack())
    _set(cells, "客户分层", 2, "年消费不低于(元)", "一千")  # decimal
    _set(cells, "平台规则", 2, "可修改次数", "两次")  # integer
    _set(cells, "SLA时效等级", 2, "首次响应时限(分钟)", 90.5)  # integer, not whole
    _set(cells, "问题类型", 3, "启用", "可能")  # boolean
    _set(cells, "SLA时效等级", 3, "处理角色", "boss")  # choice
    _set(cells, "营业时间", 2, "开始", "早上八点")  # time
    _set(cells, "营业时间", 3, "星期", 9)  # integer choice
    return workbook_bytes(cells)


def test_each_bad_cell_names_sheet_row_column_value_and_expected_type(shop):
    data = _bad_pack(shop)
    before = every_rule_snapshot()

    report = import_pack(data, dry_run=False)

    described = {(e.sheet, e.row, e.column): e.message for e in report.errors}
    assert described[("客户分层", 2, "年消费不低于(元)")] == "“一千”无法识别：这一列应填写数字(例如 12.5)。"
    assert described[("平台规则", 2, "可修改次数")] == "“两次”无法识别：这一列应填写整数(例如 30)。"
    assert (
        described[("SLA时效等级", 2, "首次响应时限(分钟)")] == "“90.5”无法识别：这一列应填写整数(例如 30)。"
    )
    assert described[("问题类型", 3, "启用")] == "“可能”无法识别：这一列应填写是或否(也可填 1/0)。"
    assert described[("SLA时效等级", 3, "处理角色")] == (
        "“boss”不是可选的值：这一列应填写以下之一：客服、客服主管、法务、运营经理、人事。"
    )
    assert described[("营业时间", 2, "开始")] == "“早上八点”无法识别：这一列应填写时间(例如 09:00)。"
    assert described[("营业时间", 3, "星期")] == (
        "“9”不是可选的值：这一列应填写以下之一：周一、周二、周三、周四、周五、周六、周日。"
    )
    assert len(report.errors) == 7
    assert not any("class" in e.message or "Conversion" in e.message for e in report.errors)
    assert not report.written and every_rule_snapshot() == before


def test_the_described_error_reads_as_one_sentence(shop):
    report = import_pack(_bad_pack(shop), dry_run=True)
    first = next(e for e in report.errors if e.sheet == "客户分层")
    assert first.describe() == (
        "工作表“客户分层”第2行“年消费不低于(元)”列：“一千”无法识别：这一列应填写数字(例如 12.5)。"
    )


def test_the_import_page_lists_every_bad_cell_and_offers_no_confirm(manager_client, shop):
    data = _bad_pack(shop)
    before = every_rule_snapshot()
    upload = io.BytesIO(data)
    upload.name = "pack.xlsx"

    body = page(manager_client.post(reverse("policies:pack_import"), {"pack_file": upload}))

    assert "规则包有 7 处错误，未写入任何内容。" in body
    assert "<td>客户分层</td><td>2</td>" in body and "“一千”无法识别：这一列应填写数字(例如 12.5)。" in body
    assert "“boss”不是可选的值" in body
    assert "ConversionSyntax" not in body and "&lt;class" not in body
    assert 'name="token"' not in body
    assert every_rule_snapshot() == before


def test_the_messages_follow_the_language_of_the_request(shop):
    data = _bad_pack(shop)
    with translation.override("en"):
        report = import_pack(data, dry_run=True)
        described = {(e.sheet, e.row, e.column): e.message for e in report.errors}
        role_labels = "Agent"  # the first role's English label
    assert described[("客户分层", 2, "年消费不低于(元)")] == (
        "“一千” is not understood: this column takes a number (e.g. 12.5)."
    )
    assert described[("问题类型", 3, "启用")] == (
        "“可能” is not understood: this column takes yes or no (or 1/0)."
    )
    assert described[("SLA时效等级", 3, "处理角色")].startswith(
        f"“boss” is not one of the choices: this column takes one of: {role_labels}"
    )


def test_a_choice_column_also_takes_the_label(shop):
    build_pack(shop)
    cells = workbook_cells(export_pack())
    _set(cells, "SLA时效等级", 2, "处理角色", "客服主管")
    _set(cells, "营业时间", 2, "星期", "周日")
    tier_name = cells["SLA时效等级"][1][cells["SLA时效等级"][0].index("名称")]
    calendar_row = cells["营业时间"][1]

    report = import_pack(workbook_bytes(cells), dry_run=False)

    assert report.errors == [] and report.written
    assert m.SlaTier.objects.get(name=tier_name).handling_role == "supervisor"
    assert m.OpeningHours.objects.filter(calendar__name=calendar_row[0], weekday=6).count() >= 1
