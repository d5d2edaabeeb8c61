from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.choices import EntryKind, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry, Redemption, RewardItem
from incentives.services.ledger import balance_for
from incentives.services.redemptions import (
    redemption_approve,
    redemption_cancel,
    redemption_reject,
    redemption_request,
)


@pytest.fixture
def course(db):
    return RewardItem.objects.get(name="话术进阶线上课程")  # seeded, 200 points


def test_request_then_approve_debits_the_points_once(agent, manager, post, course):
    post(agent, 250, unit=Unit.POINTS)
    redemption = redemption_request(agent=agent, item=course)

    approved = redemption_approve(redemption=redemption, by=manager)

    assert (approved.status, approved.decided_by, approved.entry.kind, approved.entry.amount) == (
        RedemptionStatus.APPROVED,
        manager,
        EntryKind.REDEMPTION,
        Decimal("-200.00"),
    )
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("50.00")
    with pytest.raises(ValidationError) as exc:
        redemption_approve(redemption=redemption, by=manager)
    assert exc.value.code == IncentiveError.BAD_TRANSITION
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count() == 1


def test_request_without_enough_points_is_refused(agent, course, post):
    post(agent, 199, unit=Unit.POINTS)
    with pytest.raises(ValidationError) as exc:
        redemption_request(agent=agent, item=course)
    assert exc.value.code == IncentiveError.INSUFFICIENT_POINTS
    assert Redemption.objects.count() == 0


def test_approval_is_refused_when_the_points_were_spent_meanwhile(agent, manager, post, course):
    post(agent, 200, unit=Unit.POINTS)
    first = redemption_request(agent=agent, item=course)
    second = redemption_request(agent=agent, item=course)
    redemption_approve(redemption=first, by=manager)

    with pytest.raises(ValidationError) as exc:
        redemption_approve(redemption=second, by=manager)

    assert exc.value.code == IncentiveError.INSUFFICIENT_POINTS
    assert Redemption.objects.get(pk=second.pk).status == RedemptionStatus.REQUESTED
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("0.00")


def test_reject_and_cancel_post_nothing(agent, other_agent, manager, post, course):
    post(agent, 400, unit=Unit.POINTS)
    rejected = redemption_reject(
        redemption=redemption_request(agent=agent, item=course), by=manager, note="本月名额已满"
    )
    mine = redemption_request(agent=agent, item=course)
    with pytest.raises(ValidationError) as exc:
        redemption_cancel(redemption=mine, by=other_agent)
    assert exc.value.code == IncentiveError.NOT_OWNER
    cancelled = redemption_cancel(redemption=mine, by=agent)

    assert (rejected.status, cancelled.status) == (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED)
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("400.00")


def test_agents_cannot_approve(agent, post, course):
    post(agent, 200, unit=Unit.POINTS)
    redemption = redemption_request(agent=agent, item=course)
    with pytest.raises(ValidationError) as exc:
        redemption_approve(redemption=redemption, by=agent)
    assert exc.value.code == IncentiveError.FORBIDDEN
    assert Redemption.objects.get().status == RedemptionStatus.REQUESTED
