"""Races with real commits on PostgreSQL: each thread has its own connection."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from incentives.choices import EntryKind, PeriodStatus, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry, PayoutLine, Period, Redemption, RewardItem
from incentives.services.ledger import balance_for, entry_post
from incentives.services.periods import period_lock, posting_period
from incentives.services.redemptions import redemption_approve, redemption_request
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16


def test_sixteen_threads_posting_the_same_award_post_one_entry(make_user, shop):
    agent = make_user("agent", shops=[shop])
    posting_period()

    def post():
        return entry_post(
            user=agent,
            unit=Unit.CNY,
            kind=EntryKind.AWARD,
            amount=Decimal("50"),
            key="award:race:c1",
            case_ref=1,
        )

    results, errors = race_all([post] * THREADS)

    assert errors == [] and len(results) == THREADS
    assert sum(created for entry, created in results) == 1
    assert len({entry.pk for entry, _c in results}) == 1
    assert LedgerEntry.objects.count() == 1
    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("50.00")


def test_sixteen_concurrent_redemptions_against_a_balance_for_one(make_user, shop):
    agent = make_user("agent", shops=[shop])
    manager = make_user("manager", shops=[shop])
    item = RewardItem.objects.create(name="礼品", category="gift", point_price=100)
    entry_post(user=agent, unit=Unit.POINTS, kind=EntryKind.AWARD, amount=Decimal("100"), key="seed-points")
    requests = [redemption_request(agent=agent, item=item) for _ in range(THREADS)]

    ok, errors = race_all([lambda r=r: redemption_approve(redemption=r, by=manager) for r in requests])

    assert len(ok) == 1 and len(errors) == THREADS - 1
    assert all(
        isinstance(e, ValidationError) and e.code == IncentiveError.INSUFFICIENT_POINTS for e in errors
    ), errors
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("0.00")
    assert Redemption.objects.filter(status=RedemptionStatus.APPROVED).count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count() == 1


def test_posts_racing_a_lock_are_in_its_snapshot_or_in_the_next_open_month(make_user, shop):
    """Nothing is lost and nothing lands in the locked month after its snapshot: every post either
    committed before the lock (and is in the payout line) or moved on to the next open month."""
    agent = make_user("agent", shops=[shop])
    hr = make_user("hr", shops=[shop])
    period = posting_period()

    def post(index):
        return lambda: entry_post(
            user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("10"), key=f"lock-race:{index}"
        )

    def lock():
        return period_lock(period=period, by=hr, early_confirmed=True)

    results, errors = race_all([lock] + [post(i) for i in range(1, 8)])

    assert errors == [] and len(results) == 8
    period.refresh_from_db()
    assert period.status == PeriodStatus.LOCKED
    line = period.payout_lines.filter(user=agent).first()
    in_period = LedgerEntry.objects.filter(period=period).count()
    assert (line.total_payable if line else Decimal("0.00")) == Decimal("10.00") * in_period
    assert LedgerEntry.objects.count() == 7
    later = LedgerEntry.objects.exclude(period=period)
    assert all(entry.period.is_open and entry.period.starts_on > period.ends_on for entry in later)
    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("70.00")


def test_a_post_waiting_on_an_uncommitted_lock_moves_to_the_next_open_month(make_user, shop):
    """Deterministic: the lock holds the period row (not yet committed) when the post starts, so the
    post sees the month open, waits in the INSERT trigger, and must then go to the next month."""
    agent = make_user("agent", shops=[shop])
    hr = make_user("hr", shops=[shop])
    period = posting_period()
    entry_post(user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("50"), key="before-lock")
    locked_uncommitted, post_started = threading.Event(), threading.Event()
    outcome = {}

    def lock():
        try:
            with transaction.atomic():
                period_lock(period=period, by=hr, early_confirmed=True)
                locked_uncommitted.set()
                post_started.wait(5)
                time.sleep(0.5)  # let the post reach the trigger and block on the period row
        finally:
            connection.close()

    def post():
        try:
            locked_uncommitted.wait(5)
            post_started.set()
            outcome["entry"], outcome["created"] = entry_post(
                user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("20"), key="during-lock"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=lock), threading.Thread(target=post)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    entry = LedgerEntry.objects.select_related("period").get(idempotency_key="during-lock")
    assert outcome["created"] is True
    assert entry.period.starts_on == period.ends_on + dt.timedelta(days=1)
    assert entry.period.is_open
    line = PayoutLine.objects.get(period=period, user=agent)
    assert line.total_payable == Decimal("50.00")
    assert list(LedgerEntry.objects.filter(period=period).values_list("idempotency_key", flat=True)) == [
        "before-lock"
    ]


def test_a_post_pinned_to_a_period_locked_meanwhile_is_refused_and_posts_nothing(make_user, shop):
    agent = make_user("agent", shops=[shop])
    hr = make_user("hr", shops=[shop])
    period = posting_period()
    stale = Period.objects.get(pk=period.pk)  # read while still open
    period_lock(period=period, by=hr, early_confirmed=True)

    with pytest.raises(ValidationError) as refused:
        entry_post(
            user=agent, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("5"), key="pinned", period=stale
        )

    assert refused.value.code == IncentiveError.PERIOD_LOCKED
    assert not LedgerEntry.objects.exists()
