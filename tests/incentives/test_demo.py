"""The incentives demo closes the month of a history the ledger's rules paid: it posts no award of its
own, runs the ledger's schedules once, HR locks the month before last, a dispute stays open and one is
decided, a redemption is approved and one waits; a second run changes nothing. Transactional: the
awards come from case events after commit, as in `make run`."""

import io

import pytest
from django.core.management import call_command

from incentives.choices import DisputeStatus, EntryKind, PeriodStatus, RedemptionStatus
from incentives.demo import _months_back, build_demo
from incentives.models import Dispute, LedgerEntry, PayoutLine, Period, Redemption
from reviewdesk.demo import ensure_demo_org

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_ledger_locks_a_paid_month_with_disputes_and_redemptions_and_is_idempotent():
    call_command("seed_policies", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())
    counts = (
        LedgerEntry.objects.count(),
        Dispute.objects.count(),
        Redemption.objects.count(),
        Period.objects.filter(status=PeriodStatus.LOCKED).count(),
    )

    shops, users = ensure_demo_org()
    build_demo(shops=shops, users=users, stdout=io.StringIO())

    assert (
        LedgerEntry.objects.count(),
        Dispute.objects.count(),
        Redemption.objects.count(),
        Period.objects.filter(status=PeriodStatus.LOCKED).count(),
    ) == counts
    locked = Period.objects.get(status=PeriodStatus.LOCKED)
    assert locked == _months_back(2)
    paid_agents = set(
        LedgerEntry.objects.filter(period=locked).values_list("account__user_id", flat=True).distinct()
    )
    assert len(paid_agents) >= 3
    assert set(PayoutLine.objects.filter(period=locked).values_list("user_id", flat=True)) == paid_agents
    assert counts[0] > 200
    assert set(Dispute.objects.values_list("status", flat=True)) == {
        DisputeStatus.OPEN,
        DisputeStatus.RESOLVED,
    }
    assert LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).count() == 1
    assert set(Redemption.objects.values_list("status", flat=True)) == {
        RedemptionStatus.APPROVED,
        RedemptionStatus.REQUESTED,
    }
