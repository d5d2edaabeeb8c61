"""A Hypothesis state machine over the ledger services: awards, duplicate awards (same and different
amount), reversals, redemptions, period locks, disputes and adjustments in random order. After every
step: each balance equals the sum of its entries (and our own model of it), no point balance is below
zero, no locked period gained an entry after its lock, every idempotency key appears at most once."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from incentives.choices import EntryKind, PeriodStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import Account, LedgerEntry, Period, RewardItem
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.ledger import entry_post, reversal_post
from incentives.services.periods import period_lock, posting_period
from incentives.services.redemptions import redemption_approve, redemption_request

UNITS = st.sampled_from([Unit.CNY, Unit.POINTS])
ALLOWED = {
    IncentiveError.KEY_CONFLICT,
    IncentiveError.INSUFFICIENT_POINTS,
    IncentiveError.ALREADY_REVERSED,
    IncentiveError.DISPUTE_NOT_ALLOWED,
    IncentiveError.DISPUTE_ALREADY_OPEN,
    IncentiveError.DISPUTE_NOT_OPEN,
    IncentiveError.PERIOD_LOCKED,
    IncentiveError.FOUR_EYES,
}


def run_machine(people) -> int:
    runs = []

    class LedgerMachine(RuleBasedStateMachine):
        entries = Bundle("entries")
        disputes = Bundle("disputes")

        def __init__(self):
            super().__init__()
            runs.append(1)
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.expected = defaultdict(lambda: Decimal("0.00"))  # (user id, unit) -> balance
            self.lock_counts = {}  # period id -> entries at lock time
            self.keys = {}  # key -> (user, unit, amount)
            self.late = 0
            self.items = {
                price: RewardItem.objects.create(name=f"项目{price}", category="gift", point_price=price)
                for price in (5, 20, 60)
            }

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _post(self, **kwargs):
            try:
                entry, created = entry_post(**kwargs)
            except ValidationError as exc:
                assert exc.code in ALLOWED, exc
                return None
            if created:
                self.expected[(entry.account.user_id, entry.account.unit)] += entry.amount
            return entry

        @rule(
            target=entries,
            who=st.sampled_from(["a", "b"]),
            unit=UNITS,
            amount=st.integers(1, 80),
            case=st.integers(1, 6),
        )
        def award(self, who, unit, amount, case):
            key = f"award:{case}:{who}:{unit}"
            entry = self._post(
                user=people[who],
                unit=unit,
                kind=EntryKind.AWARD,
                amount=Decimal(amount),
                key=key,
                case_ref=case,
                event="verified_conversion",
            )
            return entry if entry is not None else LedgerEntry.objects.filter(idempotency_key=key).first()

        @rule(entry=entries, change=st.integers(-3, 3))
        def duplicate_award(self, entry, change):
            if entry is None or entry.kind != EntryKind.AWARD:
                return
            count = LedgerEntry.objects.count()
            amount = entry.amount + change if entry.amount + change > 0 else entry.amount
            result = self._post(
                user=entry.account.user,
                unit=entry.account.unit,
                kind=EntryKind.AWARD,
                amount=amount,
                key=entry.idempotency_key,
                case_ref=entry.case_ref,
            )
            assert LedgerEntry.objects.count() == count
            assert (result is None) == (amount != entry.amount)

        @rule(target=entries, entry=entries)
        def reverse(self, entry):
            if entry is None:
                return None
            try:
                reversal, created = reversal_post(entry=entry, reason="撤销")
            except ValidationError as exc:
                assert exc.code in ALLOWED | {IncentiveError.NOT_REVERSIBLE}, exc
                return None
            if created:
                self.expected[(entry.account.user_id, entry.account.unit)] += reversal.amount
            return reversal

        @rule(who=st.sampled_from(["a", "b"]), price=st.sampled_from([5, 20, 60]))
        def redeem(self, who, price):
            try:
                redemption = redemption_request(agent=people[who], item=self.items[price])
                approved = redemption_approve(redemption=redemption, by=people["manager"])
            except ValidationError as exc:
                assert exc.code in ALLOWED, exc
                return
            self.expected[(people[who].pk, Unit.POINTS)] += approved.entry.amount

        @rule()
        def lock(self):
            period = posting_period()
            if Period.objects.filter(status=PeriodStatus.LOCKED).count() >= 3:
                return
            try:
                period_lock(period=period, by=people["hr"], early_confirmed=True)  # the running month
            except ValidationError as exc:
                assert exc.code in ALLOWED, exc
                return
            self.lock_counts[period.pk] = LedgerEntry.objects.filter(period=period).count()

        @rule(who=st.sampled_from(["a", "b"]), unit=UNITS, amount=st.integers(1, 80))
        def post_into_a_locked_period(self, who, unit, amount):
            locked = Period.objects.filter(status=PeriodStatus.LOCKED).order_by("?").first()
            if locked is None:
                return
            count = LedgerEntry.objects.count()
            self.late += 1
            try:
                entry_post(
                    user=people[who],
                    unit=unit,
                    kind=EntryKind.AWARD,
                    amount=Decimal(amount),
                    key=f"late:{self.late}",
                    period=locked,
                )
            except ValidationError as exc:
                assert exc.code == IncentiveError.PERIOD_LOCKED, exc
            else:
                raise AssertionError("an entry was posted into a locked period")
            assert LedgerEntry.objects.count() == count

        @rule(target=disputes, entry=entries)
        def dispute(self, entry):
            if entry is None:
                return None
            try:
                return dispute_open(entry=entry, by=entry.account.user, reason="有疑问")
            except ValidationError as exc:
                assert exc.code in ALLOWED, exc
                return None

        @rule(target=entries, dispute=consumes(disputes), amount=st.integers(-30, 30))
        def adjust(self, dispute, amount):
            if dispute is None:
                return None
            try:
                resolved = dispute_resolve(dispute=dispute, by=people["manager"], amount=Decimal(amount))
            except ValidationError as exc:
                assert exc.code in ALLOWED, exc
                return None
            if resolved.adjustment is not None:
                account = resolved.adjustment.account
                self.expected[(account.user_id, account.unit)] += resolved.adjustment.amount
            return resolved.adjustment

        @invariant()
        def balances_are_sums_and_points_never_negative(self):
            sums = {
                (r["user_id"], r["unit"]): r["total"]
                for r in Account.objects.values("user_id", "unit").annotate(total=Sum("entries__amount"))
            }
            for (user_id, unit), total in sums.items():
                total = total or Decimal("0.00")
                assert total == self.expected[(user_id, unit)]
                if unit == Unit.POINTS:
                    assert total >= 0

        @invariant()
        def locked_periods_do_not_change(self):
            for period_id, count in self.lock_counts.items():
                assert LedgerEntry.objects.filter(period_id=period_id).count() == count

        @invariant()
        def every_key_at_most_once(self):
            assert (
                not LedgerEntry.objects.values("idempotency_key")
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .exists()
            )

    LedgerMachine.TestCase.settings = settings(
        max_examples=200,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    LedgerMachine.TestCase().runTest()
    return len(runs)


@pytest.mark.django_db
def test_ledger_state_machine(make_user, shop):
    people = {
        "a": make_user("agent", shops=[shop], employee_code="SA"),
        "b": make_user("agent", shops=[shop], employee_code="SB"),
        "manager": make_user("manager", shops=[shop], employee_code="SM"),
        "hr": make_user("hr", shops=[shop], employee_code="SH"),
    }
    assert run_machine(people) >= 200
