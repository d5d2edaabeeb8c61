"""Four eyes wherever money moves (issue #14, F6, F13, F14): nobody decides their own redemption, dispute
adjustments are capped and need a second approver above a threshold, nobody enters or QA-scores their
own training results. Every refusal changes nothing (balances, row counts)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incentives.choices import EntryKind, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry, Redemption, RewardItem
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
    response = client.post(reverse("incentives:decide", args=[redemption.pk]), {"decision": "approve"}, follow=True)

    assert "自己的兑换申请须由他人审批" in page
    assert reverse("incentives:decide", args=[redemption.pk]) not in page
    assert "不能审批自己的积分兑换申请(四眼原则)，须由另一位主管处理。" in response.content.decode()
    assert _redemption_state(redemption) == (RedemptionStatus.REQUESTED, None, None)
    assert Redemption.objects.count() == 1 and balance_for(user=manager, unit=Unit.POINTS) == Decimal("500.00")
