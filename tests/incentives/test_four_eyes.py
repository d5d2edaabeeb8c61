"""Four eyes wherever money moves (issue #14, F6, F13, F14): nobody decides their own redemption, dispute
adjustments are capped and need a second approver above a threshold, nobody enters or QA-scores their
own training results. Every refusal changes nothing (balances, row counts)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incentives.choices import DisputeStatus, EntryKind, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import AdjustmentLimit, LedgerEntry, Redemption, RewardItem
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.ledger import balance_for
from incentives.services.redemptions import redemption_approve, redemption_reject, redemption_request


@pytest.fixture
def course(db):
    return RewardItem.objects.get(name="话术进阶线上课程")  # seeded, 200 points


@pytest.fixture
def other_manager(make_user, shop, other_shop):
    return make_user("manager", shops=[shop, other_shop], employee_code="M002")


def _redemption_state(redemption):
    redemption.refresh_from_db()
    return redemption.status, redemption.decided_by_id, redemption.entry_id


# --- F6: redemptions ------------------------------------------------------------------------------


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_f6_a_manager_cannot_decide_his_own_redemption(manager, post, course, decide):
    post(manager, 500, unit=Unit.POINTS)
    redemption = redemption_request(agent=manager, item=course)

    with pytest.raises(ValidationError) as exc:
        if decide == "approve":
            redemption_approve(redemption=redemption, by=manager)
        else:
            redemption_reject(redemption=redemption, by=manager)

    assert exc.value.code == IncentiveError.FOUR_EYES
    assert exc.value.messages == ["不能审批自己的积分兑换申请(四眼原则)，须由另一位主管处理。"]
    assert _redemption_state(redemption) == (RedemptionStatus.REQUESTED, None, None)
    assert balance_for(user=manager, unit=Unit.POINTS) == Decimal("500.00")
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count() == 0


def test_f6_another_manager_approves_it(manager, other_manager, post, course):
    post(manager, 500, unit=Unit.POINTS)
    redemption = redemption_request(agent=manager, item=course)

    approved = redemption_approve(redemption=redemption, by=other_manager)

    assert (approved.status, approved.decided_by) == (RedemptionStatus.APPROVED, other_manager)
    assert balance_for(user=manager, unit=Unit.POINTS) == Decimal("300.00")


def test_f6_the_web_queue_refuses_it_too_and_offers_no_buttons(client, manager, post, course):
    post(manager, 500, unit=Unit.POINTS)
    redemption = redemption_request(agent=manager, item=course)
    client.force_login(manager)

    page = client.get(reverse("incentives:manage")).content.decode()
    response = client.post(
        reverse("incentives:decide", args=[redemption.pk]), {"decision": "approve"}, follow=True
    )

    assert "自己的兑换申请须由他人审批" in page
    assert reverse("incentives:decide", args=[redemption.pk]) not in page
    assert "不能审批自己的积分兑换申请(四眼原则)，须由另一位主管处理。" in response.content.decode()
    assert _redemption_state(redemption) == (RedemptionStatus.REQUESTED, None, None)
    assert Redemption.objects.count() == 1 and balance_for(user=manager, unit=Unit.POINTS) == Decimal(
        "500.00"
    )


# --- F13: dispute adjustments ---------------------------------------------------------------------


def _cny_balance(user):
    return balance_for(user=user, unit=Unit.CNY)


def test_f13_an_adjustment_beyond_the_cap_is_refused_and_changes_nothing(agent, manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    entries = LedgerEntry.objects.count()

    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=manager, amount=Decimal("9999999999.99"))

    assert exc.value.code == IncentiveError.ADJUSTMENT_CAP
    assert exc.value.messages == ["调整 9999999999.99 超过单笔上限 2000.00(奖金(元))，未记账。"]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.proposed_amount, dispute.adjustment_id) == (
        DisputeStatus.OPEN,
        None,
        None,
    )
    assert LedgerEntry.objects.count() == entries and _cny_balance(agent) == Decimal("50.00")


def test_f13_the_cap_is_data_a_lower_cap_refuses_a_deduction_too(agent, manager, post):
    AdjustmentLimit.objects.filter(unit=Unit.CNY).update(
        cap=Decimal("30.00"), second_approval_above=Decimal("10.00")
    )
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="多算")
    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=manager, amount=Decimal("-30.01"))
    assert exc.value.code == IncentiveError.ADJUSTMENT_CAP
    assert _cny_balance(agent) == Decimal("50.00")


def test_f13_the_web_form_refuses_the_huge_adjustment_with_the_message(client, agent, manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    client.force_login(manager)
    response = client.post(
        reverse("incentives:resolve", args=[dispute.pk]), {"amount": "9999999999.99"}, follow=True
    )
    assert "超过单笔上限 2000.00" in response.content.decode()
    assert LedgerEntry.objects.count() == 1 and _cny_balance(agent) == Decimal("50.00")


def test_f13_below_the_threshold_one_approver_posts_it(agent, manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    resolved = dispute_resolve(dispute=dispute, by=manager, amount=Decimal("500.00"))
    assert (resolved.status, resolved.adjustment.amount) == (DisputeStatus.RESOLVED, Decimal("500.00"))


def test_f13_above_the_threshold_the_first_approval_posts_nothing(agent, manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")

    proposed = dispute_resolve(dispute=dispute, by=manager, amount=Decimal("1500.00"), note="补发")

    assert (proposed.status, proposed.proposed_amount, proposed.proposed_by, proposed.adjustment_id) == (
        DisputeStatus.AWAITING_SECOND,
        Decimal("1500.00"),
        manager,
        None,
    )
    assert LedgerEntry.objects.count() == 1 and _cny_balance(agent) == Decimal("50.00")
    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=manager, amount=Decimal("1500.00"))
    assert exc.value.code == IncentiveError.FOUR_EYES
    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=agent, amount=Decimal("1500.00"))
    assert exc.value.code in (IncentiveError.FORBIDDEN, IncentiveError.FOUR_EYES)
    assert LedgerEntry.objects.count() == 1 and _cny_balance(agent) == Decimal("50.00")
    with pytest.raises(ValidationError) as exc:  # one open dispute per entry, awaiting counts as open
        dispute_open(entry=dispute.entry, by=agent, reason="再申诉一次")
    assert exc.value.code == IncentiveError.DISPUTE_ALREADY_OPEN


def test_f13_a_second_approver_confirms_the_same_amount_and_it_posts(agent, manager, other_manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    dispute_resolve(dispute=dispute, by=manager, amount=Decimal("1500.00"), note="补发")

    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=other_manager, amount=Decimal("1900.00"))
    assert exc.value.code == IncentiveError.SECOND_APPROVAL_MISMATCH
    assert LedgerEntry.objects.count() == 1

    resolved = dispute_resolve(dispute=dispute, by=other_manager, amount=Decimal("1500.00"))

    assert (resolved.status, resolved.resolved_by, resolved.proposed_by) == (
        DisputeStatus.RESOLVED,
        other_manager,
        manager,
    )
    assert (resolved.adjustment.amount, resolved.adjustment.created_by) == (Decimal("1500.00"), other_manager)
    assert _cny_balance(agent) == Decimal("1550.00")


def test_f13_a_second_approver_may_reject_with_zero(agent, manager, other_manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    dispute_resolve(dispute=dispute, by=manager, amount=Decimal("1500.00"))
    rejected = dispute_resolve(dispute=dispute, by=other_manager, amount=0, note="证据不足")
    assert (rejected.status, rejected.adjustment_id) == (DisputeStatus.REJECTED, None)
    assert _cny_balance(agent) == Decimal("50.00")


def test_f13_the_proposer_sees_no_form_and_another_manager_confirms_on_the_page(
    client, agent, manager, other_manager, post
):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="少算")
    client.force_login(manager)
    response = client.post(
        reverse("incentives:resolve", args=[dispute.pk]), {"amount": "1500", "note": "补发"}, follow=True
    )
    assert "须由另一位审批人确认后才记账" in response.content.decode()
    assert (
        reverse("incentives:resolve", args=[dispute.pk])
        not in client.get(reverse("incentives:manage")).content.decode()
    )

    client.force_login(other_manager)
    page = client.get(reverse("incentives:manage")).content.decode()
    assert reverse("incentives:resolve", args=[dispute.pk]) in page and "1500.00" in page
    client.post(reverse("incentives:resolve", args=[dispute.pk]), {"amount": "1500.00"})

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by) == (DisputeStatus.RESOLVED, other_manager)
    assert _cny_balance(agent) == Decimal("1550.00")


def _limit_form(cap, threshold):
    return {"unit": Unit.CNY, "cap": cap, "second_approval_above": threshold}


def test_f13_a_shop_manager_cannot_raise_the_cap_in_the_admin_the_policy_owner_can(
    client, manager, make_user, shop
):
    limit = AdjustmentLimit.objects.get(unit=Unit.CNY)
    url = reverse("admin:incentives_adjustmentlimit_change", args=[limit.pk])
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    client.post(url, _limit_form("99999999.00", "99999999.00"))
    limit.refresh_from_db()
    assert (limit.cap, limit.second_approval_above) == (Decimal("2000.00"), Decimal("500.00"))

    owner = make_user("policy_owner", shops=[shop], is_staff=True)
    client.force_login(owner)
    response = client.post(url, _limit_form("3000.00", "800.00"))
    limit.refresh_from_db()
    assert response.status_code == 302 and (limit.cap, limit.second_approval_above) == (
        Decimal("3000.00"),
        Decimal("800.00"),
    )
    response = client.post(url, _limit_form("100.00", "800.00"))  # the threshold above the cap: refused
    assert response.status_code == 200 and "复核金额不能高于单笔调整上限。" in response.content.decode()
    limit.refresh_from_db()
    assert limit.cap == Decimal("3000.00")
