"""The incentives pages: an agent's own statement (never anyone else's), disputes, redemptions, HR's
period list with the lock and payout downloads, the manager's queue, and the admin export action."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from incentives.choices import DisputeStatus, EntryKind, PeriodStatus, RedemptionStatus, Unit
from incentives.models import Dispute, LedgerEntry, PayoutLine, Period, Redemption, RewardItem
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.ledger import balance_for
from incentives.services.redemptions import redemption_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(agent, other_agent, post, previous_period, current_period):
    return {
        "mine": post(
            agent, "50", period=previous_period, event="verified_conversion", case_ref=71, note="我的转化"
        ),
        "mine_now": post(agent, 30, unit=Unit.POINTS, event="handled_within_sla", case_ref=72),
        "theirs": post(
            other_agent,
            "50",
            period=previous_period,
            event="verified_conversion",
            case_ref=73,
            note="别人的转化",
        ),
    }


def test_pages_need_a_login(client):
    for name in ("incentives:statement", "incentives:periods", "incentives:manage"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agent_sees_own_entries_balance_and_statement_and_never_anyone_elses(
    client, agent, entries, previous_period
):
    client.force_login(agent)

    response = client.get(reverse("incentives:statement"), {"period": previous_period.code})

    html = response.content.decode()
    assert response.status_code == 200
    assert "我的转化" in html and "别人的转化" not in html
    assert [e["id"] for e in response.context["entries"]] == [entries["mine"].pk]
    assert response.context["summary"].total_payable == Decimal("50.00")
    assert response.context["balances"] == {
        "cny": Decimal("50.00"),
        "points": Decimal("30.00"),
        "leave_days": Decimal("0.00"),
    }
    current = client.get(reverse("incentives:statement"))
    assert [e["id"] for e in current.context["entries"]] == [entries["mine_now"].pk]


def test_statement_ignores_any_user_parameter(client, agent, other_agent, entries, previous_period):
    client.force_login(agent)
    response = client.get(
        reverse("incentives:statement"),
        {"period": previous_period.code, "user": other_agent.pk, "agent": other_agent.pk},
    )
    assert "别人的转化" not in response.content.decode()


def test_statement_query_count_does_not_grow_with_entries(
    client, agent, post, previous_period, django_assert_max_num_queries
):
    for case in range(30):
        post(agent, "50", period=previous_period, event="verified_conversion", case_ref=100 + case)
    client.force_login(agent)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("incentives:statement"), {"period": previous_period.code})
    assert len(response.context["entries"]) == 30


def test_bad_period_code_shows_a_message_and_the_current_month(client, agent, entries, current_period):
    client.force_login(agent)
    response = client.get(reverse("incentives:statement"), {"period": "2026-13"}, follow=True)
    assert response.context["span"] == current_period.code
    assert "期间格式不正确" in response.content.decode()


def test_agent_disputes_own_entry_through_the_page(client, agent, entries):
    client.force_login(agent)
    url = reverse("incentives:dispute", args=[entries["mine"].pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"reason": "少算了一单"})

    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.entry, dispute.raised_by, dispute.reason, dispute.status) == (
        entries["mine"],
        agent,
        "少算了一单",
        DisputeStatus.OPEN,
    )


def test_someone_elses_entry_is_not_found_and_nothing_is_disputed(client, agent, entries):
    client.force_login(agent)
    url = reverse("incentives:dispute", args=[entries["theirs"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "试试"}).status_code == 404
    assert not Dispute.objects.exists()


def test_empty_dispute_reason_is_refused_and_nothing_changes(client, agent, entries):
    client.force_login(agent)
    response = client.post(reverse("incentives:dispute", args=[entries["mine"].pk]), {"reason": ""})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert not Dispute.objects.exists()


def test_manager_resolves_a_dispute_with_an_adjustment_in_the_next_open_period(
    client, agent, manager, entries, current_period
):
    dispute = dispute_open(entry=entries["mine"], by=agent, reason="少算")
    client.force_login(manager)
    page = client.get(reverse("incentives:manage"))
    assert [d["id"] for d in page.context["disputes"]] == [dispute.pk]

    client.post(reverse("incentives:resolve", args=[dispute.pk]), {"amount": "25", "note": "补发"})

    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED
    adjustment = dispute.adjustment
    assert (adjustment.kind, adjustment.amount, adjustment.period, adjustment.created_by) == (
        EntryKind.ADJUSTMENT,
        Decimal("25.00"),
        current_period,
        manager,
    )


def test_bad_adjustment_amount_is_refused_and_nothing_changes(client, agent, manager, entries):
    dispute = dispute_open(entry=entries["mine"], by=agent, reason="少算")
    client.force_login(manager)
    count = LedgerEntry.objects.count()
    response = client.post(reverse("incentives:resolve", args=[dispute.pk]), {"amount": "abc"}, follow=True)
    assert "输入一个数字" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN and LedgerEntry.objects.count() == count


def test_agents_cannot_open_the_manager_or_hr_pages_or_download(client, agent, entries, previous_period):
    client.force_login(agent)
    assert client.get(reverse("incentives:manage")).status_code == 403
    assert client.get(reverse("incentives:periods")).status_code == 403
    assert (
        client.get(reverse("incentives:payout_download", args=[previous_period.code, "xlsx"])).status_code
        == 403
    )
    assert client.post(reverse("incentives:lock", args=[previous_period.pk])).status_code == 403
    previous_period.refresh_from_db()
    assert previous_period.status == PeriodStatus.OPEN


def test_redemption_request_and_approval_through_the_pages(client, agent, manager, post):
    post(agent, 300, unit=Unit.POINTS)
    item = RewardItem.objects.get(name="话术进阶线上课程")
    client.force_login(agent)
    client.post(reverse("incentives:redeem"), {"item": item.pk, "note": "想学"})
    redemption = Redemption.objects.get()
    assert (
        redemption.status == RedemptionStatus.REQUESTED and balance_for(user=agent, unit=Unit.POINTS) == 300
    )

    client.force_login(manager)
    client.post(reverse("incentives:decide", args=[redemption.pk]), {"decision": "approve"})

    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.APPROVED
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("100.00")


def test_redemption_beyond_the_balance_is_refused_with_a_message(client, agent, post):
    post(agent, 50, unit=Unit.POINTS)
    client.force_login(agent)
    item = RewardItem.objects.get(name="晋升答辩机会")
    response = client.post(reverse("incentives:redeem"), {"item": item.pk}, follow=True)
    assert "积分不足" in response.content.decode()
    assert not Redemption.objects.exists()


def test_agent_cancels_only_own_redemption(client, agent, other_agent, post):
    post(agent, 300, unit=Unit.POINTS)
    redemption = redemption_request(agent=agent, item=RewardItem.objects.get(name="定制保温杯"))
    client.force_login(other_agent)
    assert client.post(reverse("incentives:redemption_cancel", args=[redemption.pk])).status_code == 404
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.REQUESTED
    client.force_login(agent)
    client.post(reverse("incentives:redemption_cancel", args=[redemption.pk]))
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED


def test_hr_locks_a_period_from_the_page(client, hr, entries, previous_period):
    client.force_login(hr)
    page = client.get(reverse("incentives:periods"))
    assert previous_period.code in [p["code"] for p in page.context["periods"]]

    response = client.post(reverse("incentives:lock", args=[previous_period.pk]), follow=True)

    previous_period.refresh_from_db()
    assert previous_period.status == PeriodStatus.LOCKED and previous_period.locked_by == hr
    assert "已锁定" in response.content.decode()
    assert PayoutLine.objects.filter(period=previous_period).count() == 2


def test_four_eyes_on_the_page_the_adjuster_cannot_lock_and_nothing_changes(
    client, agent, hr_manager, entries, current_period
):
    dispute = dispute_open(entry=entries["mine_now"], by=agent, reason="?")
    dispute_resolve(dispute=dispute, by=hr_manager, amount=Decimal("5"))
    client.force_login(hr_manager)

    response = client.post(reverse("incentives:lock", args=[current_period.pk]), follow=True)

    assert "四眼原则" in response.content.decode()
    current_period.refresh_from_db()
    assert current_period.status == PeriodStatus.OPEN
    assert not PayoutLine.objects.exists()


def test_hr_downloads_xlsx_and_csv_with_bom(client, hr, entries, previous_period):
    client.force_login(hr)
    response = client.get(reverse("incentives:payout_download", args=[previous_period.code, "xlsx"]))
    assert response.status_code == 200 and "payouts-" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    assert sum(Decimal(str(row[10])) for row in summary[1:-1]) == Decimal("100.00")  # [-1]: totals row

    csv_response = client.get(
        reverse("incentives:payout_download", args=[previous_period.code, "csv"]), {"sheet": "summary"}
    )
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    assert csv_response.content.decode("utf-8-sig").splitlines()[0].startswith("工号,姓名")


def test_hr_sees_only_the_agents_of_their_shops_in_the_download(
    client, make_user, shop, agent, entries, previous_period
):
    hr_one_shop = make_user("hr", shops=[shop], employee_code="H009")
    client.force_login(hr_one_shop)
    response = client.get(reverse("incentives:payout_download", args=[previous_period.code, "xlsx"]))
    summary = list(openpyxl.load_workbook(io.BytesIO(response.content))["汇总"].iter_rows(values_only=True))
    assert [row[0] for row in summary[1:-1]] == ["A001"]  # [-1]: the totals row


def test_bad_period_in_the_download_is_refused_with_a_message(client, hr, entries):
    client.force_login(hr)
    response = client.get(reverse("incentives:payout_download", args=["2026-Q5", "xlsx"]), follow=True)
    assert "期间格式不正确" in response.content.decode()


def test_admin_export_action_returns_the_workbook(
    client, make_user, entries, previous_period, shop, other_shop
):
    hr = make_user(
        "hr", shops=[shop, other_shop], is_staff=True, employee_code="H010"
    )  # the export is of their shops' people
    client.force_login(hr)
    response = client.post(
        reverse("admin:incentives_period_changelist"),
        {"action": "export_xlsx", "_selected_action": [previous_period.pk]},
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "明细"]
    assert (
        len(list(workbook["明细"].iter_rows(values_only=True)))
        == 1 + LedgerEntry.objects.filter(period=previous_period).count()
    )


def test_admin_lock_action_respects_four_eyes(
    client, make_user, agent, entries, previous_period, shop, other_shop
):
    # An HR of every shop locks the whole period (an HR of no shop locks nothing: tests/incentives/test_period_scope.py).
    # A month that has ended: the running one is locked only from its confirmation page (test_period_lock_confirm.py).
    hr = make_user("hr", shops=[shop, other_shop], is_staff=True, employee_code="H011")
    client.force_login(hr)
    client.post(
        reverse("admin:incentives_period_changelist"),
        {"action": "lock_periods", "_selected_action": [previous_period.pk]},
    )
    assert Period.objects.get(pk=previous_period.pk).status == PeriodStatus.LOCKED


def test_main_navigation_links_follow_the_role(client, agent, hr, manager):
    client.force_login(agent)
    links = dict(client.get(reverse("home")).context["nav_links"])
    assert links.get("我的激励") == reverse("incentives:statement")
    assert "结算期间" not in links and "激励审批" not in links
    client.force_login(hr)
    hr_links = dict(client.get(reverse("home")).context["nav_links"])
    assert hr_links.get("结算期间") == reverse("incentives:periods")
    assert "我的激励" not in hr_links  # HR locks and exports the money; it earns none of it
    client.force_login(manager)
    assert dict(client.get(reverse("home")).context["nav_links"]).get("激励审批") == reverse(
        "incentives:manage"
    )
