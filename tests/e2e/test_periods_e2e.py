"""Browser journey (issue #15 §4): HR cannot lock the running month without its confirmation page. HR
opens the periods page, finds no lock button on the running month but a link to its confirmation page,
tries to lock there without ticking the confirmation (the server refuses, nothing changes), reads the
totals, the negative balance with its cause and the open dispute, confirms, and the month is locked."""

import datetime as dt
import os
from decimal import Decimal

import pytest

from incentives.choices import EntryKind, PeriodStatus, Unit
from incentives.models import PayoutLine, Period
from incentives.services.disputes import dispute_open
from incentives.services.ledger import entry_post, reversal_post
from incentives.services.periods import period_ensure, period_lock, posting_period

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _post(user, amount, key, **kwargs):
    entry, _created = entry_post(
        user=user,
        unit=Unit.CNY,
        kind=kwargs.pop("kind", EntryKind.AWARD),
        amount=Decimal(amount),
        key=key,
        **kwargs,
    )
    return entry


def test_hr_locks_the_running_month_only_after_its_confirmation(
    page, live_server, login, make_user, shop, screenshot
):
    wang = make_user("agent", shops=[shop], display_name="王小丽", employee_code="A001")
    li = make_user("agent", shops=[shop], display_name="李明", employee_code="A002")
    hr = make_user("hr", shops=[shop], display_name="周人事", employee_code="H001")
    month = posting_period()
    day = month.starts_on - dt.timedelta(days=1)
    last = period_ensure(year=day.year, month=day.month)
    paid = _post(wang, "80", "e2e:paid", period=last, event="verified_conversion", case_ref=501)
    period_lock(period=last, by=hr)
    reversal, _ = reversal_post(entry=paid, reason="买家改回差评")  # in the running month: 王小丽 −80
    _post(wang, "30", "e2e:sla", event="handled_within_sla", case_ref=502)
    _post(li, "90", "e2e:li", event="verified_conversion", case_ref=503)
    dispute_open(entry=reversal, by=wang, reason="这单不该冲正")

    login(page, hr)
    page.click("nav.mainnav >> text=结算期间")
    row = page.locator(f"#period-{month.code}")
    assert "进行中" in row.inner_text()
    assert row.locator("button", has_text="锁定").count() == 0  # no one-click lock for the running month
    assert (
        f"冲正 #{reversal.pk}：撤销 {last.code}" in row.inner_text()
    )  # the negative total's cause, on the list
    row.locator("a.early-lock").click()
    page.wait_for_url(f"**/incentives/periods/{month.pk}/**")

    # The confirmation page: totals, the negative balance with its cause, the open dispute.
    assert page.locator("#total-payable").inner_text() == "40.00"
    assert page.locator("#total-agents").inner_text() == "2"
    negative = page.locator("#negative-balances .negative")
    assert negative.count() == 1 and "王小丽" in negative.inner_text() and "-50.00" in negative.inner_text()
    assert f"撤销 {last.code} 的分录 #{paid.pk}" in negative.inner_text()
    assert "原奖励在更早的期间已结算" in negative.inner_text()
    assert "这单不该冲正" in page.locator("#open-disputes").inner_text()
    assert "尚未结束" in page.locator("#running-warning").inner_text()

    # Try to lock without ticking the confirmation: the browser would stop an unticked required box, so
    # the box is made optional here to show the server refuses as well.
    page.locator("#id_early_confirmed").evaluate("box => box.removeAttribute('required')")
    page.locator("#lock-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "尚未结束" in page.locator(".messages").inner_text()
    assert Period.objects.get(pk=month.pk).status == PeriodStatus.OPEN
    assert not PayoutLine.objects.filter(period=month).exists()
    screenshot(page, "incentives-period-early-lock-confirmation")

    page.locator("#id_early_confirmed").check()
    page.locator("#lock-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/incentives/periods/")
    assert page.locator(".messages").inner_text() == f"期间 {month.code} 已锁定，结算快照已生成。"
    assert "已锁定" in page.locator(f"#period-{month.code}").inner_text()
    screenshot(page, "incentives-period-locked-early")
    month.refresh_from_db()
    assert (month.status, month.locked_by) == (PeriodStatus.LOCKED, hr)
    assert {line.employee_code: line.total_payable for line in PayoutLine.objects.filter(period=month)} == {
        "A001": Decimal("-50.00"),
        "A002": Decimal("90.00"),
    }


def test_hr_locks_the_running_month_for_one_client(
    page, live_server, login, make_user, shop, other_shop, screenshot
):
    """HR of every shop picks client 甲 on the periods page, opens its confirmation page (甲's shops and
    figures only), confirms, and the month is locked for 甲's shops; 乙's shop keeps posting."""
    from reviewdesk.models import Client, ClientMembership, Shop
    from tests.training.conftest import make_case

    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    Shop.objects.filter(pk=shop.pk).update(client=jia)
    Shop.objects.filter(pk=other_shop.pk).update(client=yi)
    shared = make_user("agent", display_name="两家客服", employee_code="S001")
    for client in (jia, yi):
        ClientMembership.objects.create(client=client, user=shared)
    hr = make_user("hr", shops=[shop, other_shop], display_name="周人事", employee_code="H001")
    month = posting_period()
    _post(shared, "50", "e2e:jia", event="verified_conversion", case_ref=make_case(shop).pk)
    _post(shared, "70", "e2e:yi", event="verified_conversion", case_ref=make_case(other_shop).pk)

    login(page, hr)
    page.click("nav.mainnav >> text=结算期间")
    page.locator("#client-filter select").select_option("brand-jia")
    page.locator("#client-filter button[type=submit]").click()
    page.wait_for_url("**/incentives/periods/?client=brand-jia")
    assert "范围：品牌方 品牌甲" in page.locator("#client-scope").inner_text()
    page.locator(f"#period-{month.code} a.early-lock").click()
    page.wait_for_url(f"**/incentives/periods/{month.pk}/?client=brand-jia**")
    assert page.locator("#total-payable").inner_text() == "50.00"
    assert "范围：店铺 tb-main" in page.locator("#period-state").inner_text()
    screenshot(page, "incentives-period-client-confirmation")

    page.locator("#id_early_confirmed").check()
    page.locator("#lock-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/incentives/periods/?client=brand-jia")
    assert page.locator(".messages").inner_text() == (
        f"期间 {month.code} 已为品牌方 品牌甲 的店铺 tb-main 锁定，结算快照已生成。"
    )
    assert "已锁定" in page.locator(f"#period-{month.code}").inner_text()
    month.refresh_from_db()
    assert month.status == PeriodStatus.OPEN
    assert list(PayoutLine.objects.filter(period=month).values_list("shop__code", "total_payable")) == [
        ("tb-main", Decimal("50.00"))
    ]
    later = _post(shared, "9", "e2e:yi2", event="verified_conversion", case_ref=make_case(other_shop).pk)
    assert later.period == month  # 乙's shop still posts into the month
