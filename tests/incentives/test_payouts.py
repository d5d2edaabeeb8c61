import hashlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from incentives.choices import EntryKind, Unit
from incentives.models import LedgerEntry
from incentives.services.ledger import reversal_post
from incentives.services.payouts import export_csv, export_xlsx, safe_text
from incentives.services.periods import period_lock


@pytest.fixture
def ledger(agent, other_agent, hr, post, previous_period):
    """A small month: conversions, a reversal, points earned and redeemed, leave, an adjustment."""
    post(agent, "50", period=previous_period, event="verified_conversion", case_ref=11, note="订单 A-1")
    conversion = post(agent, "50", period=previous_period, event="verified_conversion", case_ref=12)
    reversal_post(entry=conversion, reason="买家改回差评")
    post(agent, 30, unit=Unit.POINTS, period=previous_period, event="handled_within_sla", case_ref=11)
    post(agent, -20, unit=Unit.POINTS, kind=EntryKind.REDEMPTION, period=previous_period)
    post(agent, "1.0", unit=Unit.LEAVE_DAYS, period=previous_period, event="quarter_top")
    post(other_agent, "50", period=previous_period, event="verified_conversion", case_ref=13)
    post(
        other_agent,
        "-7.25",
        kind=EntryKind.ADJUSTMENT,
        period=previous_period,
        note='=HYPERLINK("http://x","点我")',
    )
    return previous_period


def _xlsx(span_code):
    buffer = io.BytesIO()
    export_xlsx(span_code, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def _sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_safe_text_neutralises_formula_starts():
    assert [safe_text(v) for v in ["=1+1", "+86", "-x", "@SUM(A1)", "\tx", "\rx", "正常", ""]] == [
        "'=1+1",
        "'+86",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "正常",
        "",
    ]


def test_xlsx_summary_totals_equal_the_ledger_sums(ledger, agent, other_agent):
    workbook = _xlsx(ledger.code)
    summary = _sheet_rows(workbook["汇总"])

    assert summary[0] == [
        "工号",
        "姓名",
        "店铺",
        "转化数",
        "奖金(元)",
        "获得积分",
        "兑换积分",
        "积分余额",
        "带薪假(天)",
        "调整(元)",
        "应发合计(元)",
    ]
    # The reversal of case 12 is in the current period, so this month still counts two conversions.
    assert summary[1:-1] == [
        ["A001", "王小丽", "tb-main", 2, 100, 30, 20, 10, 1, 0, 100],
        ["A002", "李明", "dy-main", 1, 50, 0, 0, 0, 0, -7.25, 42.75],
    ]
    assert summary[-1] == ["合计", "2 人", None, 3, 150, 30, 20, 10, 1, -7.25, 142.75]
    for row, user in zip(summary[1:-1], (agent, other_agent), strict=True):
        cny = LedgerEntry.objects.filter(period=ledger, account__user=user, account__unit=Unit.CNY)
        assert Decimal(str(row[10])) == sum(e.amount for e in cny)


def test_xlsx_numbers_are_native_cells_with_two_decimals(ledger):
    workbook = _xlsx(ledger.code)
    cell = workbook["汇总"]["E2"]
    assert (cell.data_type, cell.number_format, cell.value) == ("n", '#,##0.00 "CNY"', 100)
    amount = workbook["明细"]["H2"]
    assert (amount.data_type, amount.number_format) == ("n", '#,##0.00 "CNY"')
    conversions, entry_id = workbook["汇总"]["D2"], workbook["明细"]["A2"]
    assert (conversions.data_type, conversions.number_format, entry_id.data_type, entry_id.number_format) == (
        "n",
        "0",
        "n",
        "0",
    )


def test_xlsx_detail_has_every_entry_with_its_cause_and_no_formula(ledger):
    detail = _sheet_rows(_xlsx(ledger.code)["明细"])
    entries = LedgerEntry.objects.filter(period=ledger)

    # The columns HR's payroll import reads, in this order.
    assert (
        detail[0]
        == "分录ID 工号 姓名 期间 记账时间 类型 单位 金额 规则(版本) 案件ID 店铺 订单编号 买家 事件 说明 冲正原分录".split()
    )
    assert sorted(row[0] for row in detail[1:]) == sorted(entries.values_list("pk", flat=True))
    assert sum(Decimal(str(row[7])) for row in detail[1:]) == sum(e.amount for e in entries)
    adjustment = next(row for row in detail[1:] if row[5] == "调整")
    assert adjustment[14] == '\'=HYPERLINK("http://x","点我")'
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))) for row in detail for v in row)


def test_formula_like_names_are_neutralised_in_the_summary(make_user, shop, post, previous_period):
    user = make_user("agent", shops=[shop], display_name="=cmd|' /C calc'!A0", employee_code="Z9")
    post(user, "50", period=previous_period, note="@SUM(1)")

    workbook = _xlsx(previous_period.code)

    assert workbook["汇总"]["B2"].value == "'=cmd|' /C calc'!A0"
    assert workbook["明细"]["C2"].value == "'=cmd|' /C calc'!A0"
    assert workbook["明细"]["O2"].value == "'@SUM(1)"


def test_locked_period_exports_the_same_content_every_time(ledger, hr, agent, post):
    period_lock(period=ledger, by=hr)
    first = io.BytesIO()
    export_xlsx(ledger.code, first)
    agent.display_name = "改名了"
    agent.save()
    post(agent, "99")  # the current period moves on; the locked one does not
    second = io.BytesIO()
    export_xlsx(ledger.code, second)

    assert first.getvalue() == second.getvalue()  # byte for byte

    def content(data):
        book = openpyxl.load_workbook(io.BytesIO(data.getvalue()))
        return {name: _sheet_rows(book[name]) for name in book.sheetnames}

    assert content(first)["汇总"] == content(second)["汇总"]
    assert content(first)["汇总"][1][1] == "王小丽"
    assert content(first)["明细"] == content(second)["明细"]
    assert content(first)["明细"][1][2] == "王小丽"


def test_csv_is_utf8_with_bom_and_neutralised(ledger):
    buffer = io.BytesIO()
    export_csv(ledger.code, buffer)
    data = buffer.getvalue()

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert (
        text.splitlines()[0]
        == "分录ID,工号,姓名,期间,记账时间,类型,单位,金额,规则(版本),案件ID,店铺,订单编号,买家,事件,说明,冲正原分录"
    )
    assert '"\'=HYPERLINK(""http://x"",""点我"")"' in text
    assert len(text.splitlines()) == 1 + LedgerEntry.objects.filter(period=ledger).count()


def test_csv_summary_sheet(ledger):
    buffer = io.BytesIO()
    export_csv(ledger.code, buffer, sheet="summary")
    lines = buffer.getvalue().decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        "A001,王小丽,tb-main,2,100.00,30.00,20.00,10.00,1.00,0.00,100.00",
        "A002,李明,dy-main,1,50.00,0.00,0.00,0.00,0.00,-7.25,42.75",
    ]


def test_quarter_export_covers_its_three_months(agent, post, previous_period, current_period):
    post(agent, "50", period=previous_period)
    post(agent, "20", period=current_period)
    quarter = previous_period.quarter_code
    summary = _sheet_rows(_xlsx(quarter)["汇总"])
    expected = sum(
        Decimal(v) for v, p in (("50", previous_period), ("20", current_period)) if p.quarter_code == quarter
    )
    assert Decimal(str(summary[1][10])) == expected


def test_command_writes_xlsx_and_csv(ledger, tmp_path):
    call_command("export_payouts", "--period", ledger.code, "--out", str(tmp_path / "p.xlsx"))
    call_command(
        "export_payouts", "--period", ledger.code, "--out", str(tmp_path / "p.csv"), "--format", "csv"
    )

    assert openpyxl.load_workbook(tmp_path / "p.xlsx").sheetnames == ["汇总", "明细"]
    assert (tmp_path / "p.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_command_refuses_a_bad_period(db, tmp_path):
    with pytest.raises(CommandError, match="期间格式不正确"):
        call_command("export_payouts", "--period", "2026-13", "--out", str(tmp_path / "p.xlsx"))


def test_locked_export_bytes_hash_is_stable_for_csv(ledger, hr):
    period_lock(period=ledger, by=hr)
    digests = set()
    for _ in range(2):
        buffer = io.BytesIO()
        export_csv(ledger.code, buffer)
        digests.add(hashlib.sha256(buffer.getvalue()).hexdigest())
    assert len(digests) == 1


def test_every_summary_total_read_back_from_the_xlsx_equals_the_ledger(ledger, agent, other_agent, post):
    """Each column recomputed independently from the entries (and the points balance from all entries
    up to the month): conversions, bonus, points earned/redeemed/balance, leave, adjustments, payable."""
    post(agent, 5, unit=Unit.POINTS, kind=EntryKind.ADJUSTMENT, period=ledger)
    summary = _sheet_rows(_xlsx(ledger.code)["汇总"])[:-1]  # without the totals row
    by_code = {row[0]: row for row in summary[1:]}

    for user in (agent, other_agent):
        entries = LedgerEntry.objects.filter(period=ledger, account__user=user)

        def total(unit, *kinds, source=entries):
            picked = [e.amount for e in source if e.account.unit == unit and (not kinds or e.kind in kinds)]
            return sum(picked, Decimal("0"))

        cases = {
            e.case_ref for e in entries if e.event == "verified_conversion" and e.kind == EntryKind.AWARD
        }
        reversed_cases = {
            e.case_ref for e in entries if e.event == "verified_conversion" and e.kind == EntryKind.REVERSAL
        }
        up_to = LedgerEntry.objects.filter(account__user=user, period__starts_on__lte=ledger.starts_on)
        expected = [
            len(cases) - len(reversed_cases),
            total(Unit.CNY, EntryKind.AWARD, EntryKind.REVERSAL),
            total(Unit.POINTS, EntryKind.AWARD, EntryKind.REVERSAL, EntryKind.ADJUSTMENT),
            -total(Unit.POINTS, EntryKind.REDEMPTION),
            total(Unit.POINTS, source=up_to),
            total(Unit.LEAVE_DAYS),
            total(Unit.CNY, EntryKind.ADJUSTMENT),
            total(Unit.CNY),
        ]
        row = by_code[user.employee_code]
        assert [Decimal(str(v)) for v in row[3:]] == expected, user.employee_code
    assert sum(Decimal(str(row[10])) for row in summary[1:]) == total(
        Unit.CNY, source=LedgerEntry.objects.filter(period=ledger)
    )
    detail = _sheet_rows(_xlsx(ledger.code)["明细"])
    assert sum(Decimal(str(row[7])) for row in detail[1:]) == sum(
        e.amount for e in LedgerEntry.objects.filter(period=ledger)
    )


def test_formula_like_buyer_and_case_text_is_neutralised_in_the_detail_sheet(
    agent, post, previous_period, shop
):
    from tests.training.conftest import make_case

    case = make_case(shop, assignee=agent)
    review = case.review
    review.buyer_nick, review.order_no, review.item_title = (
        '=HYPERLINK("http://evil","领奖")',
        "-2+3",
        "@SUM(A1:A9)",
    )
    review.save(update_fields=["buyer_nick", "order_no", "item_title"])
    post(agent, "50", period=previous_period, event="verified_conversion", case_ref=case.pk, note="\t=1+1")
    post(agent, "10", period=previous_period, event="verified_conversion", case_ref=None, note="\r+cmd")

    detail = _sheet_rows(_xlsx(previous_period.code)["明细"])
    row = next(r for r in detail[1:] if r[9] == case.pk)

    assert row[10:13] == [shop.code, "'-2+3", '\'=HYPERLINK("http://evil","领奖")']
    assert "@SUM(A1:A9)" not in str(row)  # the item title (free text) is not exported at all
    assert row[14] == "'\t=1+1"
    # XlsxWriter stores a CR as the escape _x000D_ (Excel and WPS show a CR; openpyxl reads the escape
    # as it is); what matters is the leading apostrophe.
    assert any(r[14] == "'_x000D_+cmd" for r in detail[1:])
    for r in detail[1:]:
        for value in r:
            assert not (isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))), value
    buffer = io.BytesIO()
    export_csv(previous_period.code, buffer)
    text = buffer.getvalue().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and ",-2+3" not in text
