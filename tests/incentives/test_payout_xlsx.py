"""Issue #15 §4: the payout workbook reads as a payroll sheet: a totals row equal to the column sums,
fitted column widths, a frozen bold header, money in CNY format, points whole, days with two decimals,
booking times as real date-times; still neutralised against formulas and byte-reproducible."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

from incentives.choices import EntryKind, Unit
from incentives.models import LedgerEntry
from incentives.services.payouts import DETAIL_WIDTHS, export_xlsx
from incentives.services.periods import period_lock

MONEY = '#,##0.00 "CNY"'


@pytest.fixture
def month(agent, other_agent, make_user, shop, post, previous_period):
    post(agent, "50", period=previous_period, event="verified_conversion", case_ref=11)
    post(agent, "25.50", period=previous_period, event="verified_conversion", case_ref=12)
    post(agent, 30, unit=Unit.POINTS, period=previous_period)
    post(agent, -10, unit=Unit.POINTS, kind=EntryKind.REDEMPTION, period=previous_period)
    post(agent, "0.5", unit=Unit.LEAVE_DAYS, period=previous_period)
    post(other_agent, "-120", kind=EntryKind.ADJUSTMENT, period=previous_period, note="扣回多发奖金")
    long_name = make_user("agent", shops=[shop], display_name="=欧阳娜娜娜娜娜娜娜娜娜", employee_code="A003")
    post(long_name, "1234567.89", period=previous_period)
    return previous_period


def _book(code, **kwargs):
    buffer = io.BytesIO()
    export_xlsx(code, buffer, **kwargs)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_the_totals_row_is_the_sum_of_every_numeric_column(month):
    sheet = _book(month.code)["汇总"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    agents, totals = rows[1:-1], rows[-1]

    assert [r[0] for r in agents] == ["A001", "A002", "A003"]
    assert totals[:3] == ["合计", "3 人", None]
    for col in range(3, 11):
        assert Decimal(str(totals[col])) == sum(Decimal(str(r[col])) for r in agents), rows[0][col]
    assert Decimal(str(totals[10])) == sum(
        e.amount for e in LedgerEntry.objects.filter(period=month, account__unit=Unit.CNY)
    )
    assert Decimal(str(totals[10])) == Decimal("1234567.89") + Decimal("75.50") - Decimal("120")
    assert sheet.max_row == 1 + 3 + 1
    assert all(cell.font.bold for cell in sheet[sheet.max_row]) and all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])


def test_an_empty_month_still_has_its_totals_row(previous_period):
    rows = [list(r) for r in _book(previous_period.code)["汇总"].iter_rows(values_only=True)]
    assert rows[1:] == [["合计", "0 人", None, 0, 0, 0, 0, 0, 0, 0, 0]]


def test_the_header_is_frozen_on_both_sheets(month):
    book = _book(month.code)
    assert [book[name].freeze_panes for name in ("汇总", "明细")] == ["A2", "A2"]


def test_number_formats_money_points_days_and_dates(month, agent):
    book = _book(month.code)
    summary = book["汇总"]
    formats = [summary.cell(row=2, column=col).number_format for col in range(4, 12)]
    assert formats == ["0", MONEY, "#,##0", "#,##0", "#,##0", "0.00", MONEY, MONEY]
    assert [summary.cell(row=summary.max_row, column=col).number_format for col in (4, 5, 8, 11)] == [
        "0",
        MONEY,
        "#,##0",
        MONEY,
    ]

    detail = book["明细"]
    by_unit = {}
    for row in detail.iter_rows(min_row=2):
        by_unit[row[6].value] = row[7].number_format
        assert row[4].is_date and row[4].number_format == "yyyy-mm-dd hh:mm:ss"
    assert by_unit == {"奖金(元)": MONEY, "服务价值积分": "#,##0", "带薪假(天)": "0.00"}

    first = detail["A2"].value
    entry = LedgerEntry.objects.get(pk=first)
    local = entry.created_at.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None, microsecond=0)
    assert detail["E2"].value == local
    assert isinstance(detail["E2"].value, dt.datetime)


def _widths(sheet) -> dict[str, float]:
    """Column letter → width; a <col> element may cover a range of equal columns (min..max)."""
    widths = {}
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            widths[openpyxl.utils.get_column_letter(index)] = dimension.width
    return widths


def test_column_widths_fit_the_summary_and_are_fixed_for_the_detail(month):
    book = _book(month.code)
    summary = book["汇总"]
    widths = {col: _widths(summary)[col] for col in "ABCDEFGHIJK"}

    # The long name sets column B: the guard's apostrophe and "=" (1 each), 11 CJK characters (2 each), +2.
    assert widths["B"] == 1 + 1 + 2 * 11 + 2
    assert widths["K"] >= len("1,234,567.89 CNY") + 2  # the money column fits its largest amount
    assert all(6 <= w <= 40 for w in widths.values())
    detail = book["明细"]
    assert [_widths(detail)[openpyxl.utils.get_column_letter(i)] for i in range(1, 17)] == [
        float(w) for w in DETAIL_WIDTHS
    ]


def test_the_formula_guard_still_holds_in_the_summary(month):
    rows = list(_book(month.code)["汇总"].iter_rows(values_only=True))
    assert rows[3][1] == "'=欧阳娜娜娜娜娜娜娜娜娜"


def test_a_locked_month_exports_the_same_bytes_with_the_new_layout(month, hr):
    period_lock(period=month, by=hr)
    first, second = io.BytesIO(), io.BytesIO()
    export_xlsx(month.code, first)
    export_xlsx(month.code, second)
    assert first.getvalue() == second.getvalue()


def test_a_shop_scoped_workbook_totals_only_that_shop(month, other_shop):
    rows = list(_book(month.code, shop_ids={other_shop.pk})["汇总"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["A002", "合计"]
    assert rows[-1][10] == -120


def test_the_command_writes_the_same_layout(month, tmp_path):
    out = tmp_path / "p.xlsx"
    call_command("export_payouts", "--period", month.code, "--out", str(out), stdout=io.StringIO())
    sheet = openpyxl.load_workbook(out)["汇总"]
    assert (sheet.freeze_panes, sheet.cell(row=sheet.max_row, column=1).value) == ("A2", "合计")


def test_a_link_or_formula_in_a_note_stays_plain_text(agent, post, previous_period):
    # XlsxWriter's defaults would make a URL a hyperlink and an "=" text a formula; the writer turns both off.
    post(agent, "5", period=previous_period, note="https://example.com/领奖")
    detail = _book(previous_period.code)["明细"]
    note = detail.cell(row=2, column=15)
    assert (note.value, note.hyperlink, note.data_type) == ("https://example.com/领奖", None, "s")
    assert detail.cell(row=2, column=1).data_type == "n"


def test_the_workbook_carries_fixed_document_times(month):
    buffer = io.BytesIO()
    export_xlsx(month.code, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert (book.properties.created, book.properties.creator) == (dt.datetime(2000, 1, 1), "ReviewDesk")
    import zipfile

    times = {info.date_time for info in zipfile.ZipFile(io.BytesIO(buffer.getvalue())).infolist()}
    assert times == {(1980, 1, 31, 0, 0, 0)}
