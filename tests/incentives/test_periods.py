import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.choices import DisputeStatus, EntryKind, PeriodStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import Dispute, LedgerEntry, PayoutLine, Period
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.ledger import reversal_post
from incentives.services.payouts import summary_rows
from incentives.services.periods import parse_span, period_ensure, period_lock, posting_period


def test_period_codes_for_months_and_quarters():
    assert parse_span("2026-11").months == ((2026, 11),)
    assert parse_span("2026-q4").months == ((2026, 10), (2026, 11), (2026, 12))
    assert parse_span("2026-Q4").code == "2026-Q4"
    with pytest.raises(ValidationError) as exc:
        parse_span("2026-13")
    assert exc.value.code == IncentiveError.BAD_PERIOD


def test_period_rows_know_their_quarter(db):
    period = period_ensure(year=2026, month=11)
    assert (period.code, period.starts_on, period.ends_on, period.quarter_code) == (
        "2026-11",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        "2026-Q4",
    )


def test_locking_takes_a_snapshot_equal_to_the_ledger(agent, other_agent, hr, post, previous_period):
    post(agent, "50", period=previous_period, event="verified_conversion", case_ref=1)
    post(agent, 10, unit=Unit.POINTS, period=previous_period)
    post(other_agent, "30", period=previous_period)

    period_lock(period=previous_period, by=hr)

    previous_period.refresh_from_db()
    assert (previous_period.status, previous_period.locked_by) == (PeriodStatus.LOCKED, hr)
    snapshot = list(
        PayoutLine.objects.order_by("employee_code").values_list(
            "employee_code", "conversions", "bonus_cny", "points_balance", "total_payable"
        )
    )
    assert snapshot == [
        ("A001", 1, Decimal("50.00"), Decimal("10.00"), Decimal("50.00")),
        ("A002", 0, Decimal("30.00"), Decimal("0.00"), Decimal("30.00")),
    ]
    computed = [
        (r.employee_code, r.conversions, r.bonus_cny, r.points_balance, r.total_payable)
        for r in summary_rows([previous_period])
    ]
    assert computed == snapshot


def test_nothing_posts_into_a_locked_period_and_nothing_changes(agent, hr, post, previous_period):
    post(agent, "50", period=previous_period)
    period_lock(period=previous_period, by=hr)
    before = list(LedgerEntry.objects.values_list("pk", "amount"))

    with pytest.raises(ValidationError) as exc:
        post(agent, "20", period=previous_period)

    assert exc.value.code == IncentiveError.PERIOD_LOCKED
    assert list(LedgerEntry.objects.values_list("pk", "amount")) == before


def test_a_locked_period_cannot_be_locked_again(hr, previous_period):
    period_lock(period=previous_period, by=hr)
    with pytest.raises(ValidationError) as exc:
        period_lock(period=previous_period, by=hr)
    assert exc.value.code == IncentiveError.PERIOD_NOT_OPEN
    assert PayoutLine.objects.count() == 0


def test_only_a_user_with_the_lock_permission_may_lock(agent, previous_period):
    with pytest.raises(ValidationError) as exc:
        period_lock(period=previous_period, by=agent)
    assert exc.value.code == IncentiveError.FORBIDDEN
    assert Period.objects.get(pk=previous_period.pk).status == PeriodStatus.OPEN


def test_four_eyes_whoever_made_an_adjustment_cannot_lock_its_period(
    agent, hr_manager, hr, post, current_period
):
    entry = post(agent, "50")
    dispute = dispute_open(entry=entry, by=agent, reason="金额不对")
    dispute_resolve(dispute=dispute, by=hr_manager, amount=Decimal("10"), note="补发")

    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=hr_manager)

    assert exc.value.code == IncentiveError.FOUR_EYES
    assert Period.objects.get(pk=current_period.pk).status == PeriodStatus.OPEN
    assert PayoutLine.objects.count() == 0
    period_lock(period=current_period, by=hr, early_confirmed=True)  # another person may
    assert Period.objects.get(pk=current_period.pk).status == PeriodStatus.LOCKED


def test_posting_period_skips_a_locked_current_month(agent, hr, post, current_period):
    period_lock(period=current_period, by=hr, early_confirmed=True)

    entry = post(agent, "5")

    assert entry.period.starts_on == current_period.ends_on + dt.timedelta(days=1)


def test_reversal_of_an_award_in_a_locked_period_posts_in_the_current_open_period(
    agent, hr, post, previous_period, current_period
):
    award = post(agent, "50", period=previous_period)
    period_lock(period=previous_period, by=hr)

    reversal, _ = reversal_post(entry=award, reason="买家改回")

    assert reversal.period == current_period
    assert LedgerEntry.objects.filter(period=previous_period).count() == 1


def test_dispute_resolved_by_an_adjustment_in_the_next_open_period(
    agent, manager, hr, post, previous_period, current_period
):
    entry = post(agent, "50", period=previous_period)
    period_lock(period=previous_period, by=hr)
    dispute = dispute_open(entry=entry, by=agent, reason="少算了一条转化")

    resolved = dispute_resolve(dispute=dispute, by=manager, amount=Decimal("50"), note="补一条转化奖金")

    assert resolved.status == DisputeStatus.RESOLVED
    adjustment = resolved.adjustment
    assert (adjustment.kind, adjustment.amount, adjustment.period, adjustment.created_by) == (
        EntryKind.ADJUSTMENT,
        Decimal("50.00"),
        current_period,
        manager,
    )


def test_dispute_rejected_with_zero_posts_nothing(agent, manager, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="?")
    assert (
        dispute_resolve(dispute=dispute, by=manager, amount=0, note="无误").status == DisputeStatus.REJECTED
    )
    assert LedgerEntry.objects.count() == 1


def test_only_the_owner_disputes_and_only_once_at_a_time(agent, other_agent, post):
    entry = post(agent, "50")
    with pytest.raises(ValidationError) as exc:
        dispute_open(entry=entry, by=other_agent, reason="x")
    assert exc.value.code == IncentiveError.NOT_OWNER
    dispute_open(entry=entry, by=agent, reason="x")
    with pytest.raises(ValidationError) as exc:
        dispute_open(entry=entry, by=agent, reason="again")
    assert exc.value.code == IncentiveError.DISPUTE_ALREADY_OPEN
    assert Dispute.objects.count() == 1


def test_no_dispute_on_a_period_locked_before_the_latest_one(agent, hr, post):
    today = posting_period().starts_on
    older = period_ensure(year=today.year - 1, month=1)
    newer = period_ensure(year=today.year - 1, month=2)
    entry = post(agent, "50", period=older)
    period_lock(period=older, by=hr)
    period_lock(period=newer, by=hr)

    with pytest.raises(ValidationError) as exc:
        dispute_open(entry=entry, by=agent, reason="太晚了")

    assert exc.value.code == IncentiveError.DISPUTE_NOT_ALLOWED
    assert Dispute.objects.count() == 0


def test_an_agent_cannot_resolve_a_dispute(agent, post):
    dispute = dispute_open(entry=post(agent, "50"), by=agent, reason="x")
    with pytest.raises(ValidationError) as exc:
        dispute_resolve(dispute=dispute, by=agent, amount=Decimal("5"))
    assert exc.value.code == IncentiveError.FORBIDDEN
    assert LedgerEntry.objects.count() == 1
