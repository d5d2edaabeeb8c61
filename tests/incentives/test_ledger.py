from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.choices import EntryKind, Unit
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry
from incentives.services.ledger import balance_for, entry_post, reversal_post


def test_award_posts_one_entry_into_the_open_period_and_the_balance_is_the_sum(agent, post, current_period):
    post(agent, "50.00", case_ref=7, event="verified_conversion")
    post(agent, "12.50")

    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("62.50")
    assert list(LedgerEntry.objects.values_list("period__code", "amount")) == [
        (current_period.code, Decimal("50.00")),
        (current_period.code, Decimal("12.50")),
    ]


def test_same_key_same_amount_returns_the_first_entry(agent):
    first, created = entry_post(
        user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50"), key="k1"
    )
    again, created_again = entry_post(
        user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50.00"), key="k1"
    )

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "change", [{"amount": Decimal("60")}, {"unit": Unit.POINTS}, {"kind": EntryKind.ADJUSTMENT}]
)
def test_same_key_with_a_different_posting_is_an_error_and_posts_nothing(agent, change):
    entry_post(user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50"), key="k1")
    args = {
        "user": agent,
        "unit": Unit.CNY,
        "kind": EntryKind.AWARD,
        "amount": Decimal("50"),
        "key": "k1",
    } | change

    with pytest.raises(ValidationError) as exc:
        entry_post(**args)

    assert exc.value.code == IncentiveError.KEY_CONFLICT
    assert list(LedgerEntry.objects.values_list("amount", flat=True)) == [Decimal("50.00")]


def test_same_key_for_another_agent_is_an_error(agent, other_agent):
    entry_post(user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50"), key="k1")

    with pytest.raises(ValidationError) as exc:
        entry_post(user=other_agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50"), key="k1")

    assert exc.value.code == IncentiveError.KEY_CONFLICT
    assert LedgerEntry.objects.filter(account__user=other_agent).count() == 0


@pytest.mark.parametrize(
    ("unit", "amount", "code"),
    [
        (Unit.CNY, "0", IncentiveError.ZERO_AMOUNT),
        (Unit.CNY, "1.005", IncentiveError.BAD_PRECISION),
        (Unit.POINTS, "1.5", IncentiveError.FRACTIONAL_POINTS),
    ],
)
def test_bad_amounts_are_refused(agent, unit, amount, code):
    with pytest.raises(ValidationError) as exc:
        entry_post(user=agent, unit=unit, kind=EntryKind.AWARD, amount=Decimal(amount), key="k")

    assert exc.value.code == code
    assert LedgerEntry.objects.count() == 0


def test_reversal_points_at_its_original_and_an_original_is_reversed_once(agent, post):
    award = post(agent, "50", case_ref=3, event="verified_conversion")

    reversal, created = reversal_post(entry=award, reason="买家改回差评")
    retry, created_again = reversal_post(entry=award, reason="重试")

    assert (created, created_again, retry.pk) == (True, False, reversal.pk)
    assert (reversal.kind, reversal.amount, reversal.reverses_id, reversal.case_ref) == (
        EntryKind.REVERSAL,
        Decimal("-50.00"),
        award.pk,
        3,
    )
    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("0.00")


def test_a_reversal_cannot_be_reversed(agent, post):
    reversal, _ = reversal_post(entry=post(agent, "50"), reason="x")

    with pytest.raises(ValidationError) as exc:
        reversal_post(entry=reversal, reason="y")

    assert exc.value.code == IncentiveError.NOT_REVERSIBLE
    assert LedgerEntry.objects.count() == 2


def test_a_second_reversal_under_another_key_is_refused_by_the_unique_reverses(agent, post):
    award = post(agent, "50")
    reversal_post(entry=award, reason="x")

    with pytest.raises(ValidationError) as exc:
        entry_post(
            user=agent,
            unit=Unit.CNY,
            kind=EntryKind.REVERSAL,
            amount=Decimal("-50"),
            key="other",
            reverses=award,
        )

    assert exc.value.code == IncentiveError.ALREADY_REVERSED
    assert LedgerEntry.objects.count() == 2


def test_points_debit_beyond_the_balance_is_refused(agent, post):
    post(agent, 10, unit=Unit.POINTS)

    with pytest.raises(ValidationError) as exc:
        post(agent, -11, unit=Unit.POINTS, kind=EntryKind.ADJUSTMENT)

    assert exc.value.code == IncentiveError.INSUFFICIENT_POINTS
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("10.00")
    assert LedgerEntry.objects.count() == 1


def test_reversal_of_an_earlier_award_posts_in_the_current_open_period(agent, post, previous_period):
    award = post(agent, "50", period=previous_period)
    reversal_post(entry=award, reason="x")

    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("0.00")
    assert LedgerEntry.objects.get(kind=EntryKind.REVERSAL).period != previous_period
