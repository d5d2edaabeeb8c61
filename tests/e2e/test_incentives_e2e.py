"""Browser journey: HR opens the periods page from the main navigation, locks last month (confirming
the dialog), and downloads its payout; the downloaded workbook opens and its totals match the ledger."""

import datetime as dt
import os
from decimal import Decimal

import openpyxl
import pytest

from incentives.choices import EntryKind, PeriodStatus, Unit
from incentives.models import LedgerEntry, PayoutLine, Period
from incentives.services.ledger import entry_post
from incentives.services.periods import period_ensure, posting_period

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hr_locks_a_period_and_downloads_the_payout(
    page, live_server, login, make_user, shop, screenshot, tmp_path
):
    agents = [
        make_user("agent", shops=[shop], display_name=name, employee_code=code)
        for name, code in (("王小丽", "A001"), ("李明", "A002"))
    ]
    hr = make_user("hr", shops=[shop], display_name="周人事", employee_code="H001")
    day = posting_period().starts_on - dt.timedelta(days=1)
    month = period_ensure(year=day.year, month=day.month)
    for n, (agent, amount) in enumerate(
        [(agents[0], "50"), (agents[0], "50"), (agents[1], "50"), (agents[1], "-7.25")]
    ):
        kind = EntryKind.ADJUSTMENT if amount.startswith("-") else EntryKind.AWARD
        entry_post(
            user=agent,
            unit=Unit.CNY,
            kind=kind,
            amount=Decimal(amount),
            key=f"e2e:{n}",
            period=month,
            event="verified_conversion" if kind == EntryKind.AWARD else "",
            case_ref=100 + n,
        )
    entry_post(
        user=agents[0],
        unit=Unit.POINTS,
        kind=EntryKind.AWARD,
        amount=Decimal("30"),
        key="e2e:points",
        period=month,
    )

    login(page, hr)
    page.click("nav.mainnav >> text=结算期间")
    row = page.locator(f"#period-{month.code}")
    assert "开放" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button", has_text="锁定").click()
    page.wait_for_load_state()
    assert page.locator(".messages").inner_text() == f"期间 {month.code} 已锁定，结算快照已生成。"
    assert "已锁定" in page.locator(f"#period-{month.code}").inner_text()
    screenshot(page, "incentives-period-locked")
    assert Period.objects.get(pk=month.pk).status == PeriodStatus.LOCKED

    with page.expect_download() as download_info:
        page.locator(f"#period-{month.code} a", has_text="XLSX").first.click()
    download = download_info.value
    assert download.suggested_filename == f"payouts-{month.code}.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["汇总", "明细"]
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    payable = {row[0]: Decimal(str(row[10])) for row in summary[1:-1]}  # [-1]: the totals row
    assert payable == {"A001": Decimal("100.00"), "A002": Decimal("42.75")}
    assert payable == {
        line.employee_code: line.total_payable for line in PayoutLine.objects.filter(period=month)
    }
    ledger_total = sum(e.amount for e in LedgerEntry.objects.filter(period=month, account__unit=Unit.CNY))
    assert sum(payable.values()) == ledger_total
    detail = list(workbook["明细"].iter_rows(values_only=True))
    assert len(detail) == 1 + LedgerEntry.objects.filter(period=month).count()
