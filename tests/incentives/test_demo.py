import io

import pytest

from incentives.choices import DisputeStatus, PeriodStatus, RedemptionStatus
from incentives.demo import build_demo
from incentives.models import Dispute, LedgerEntry, PayoutLine, Period, Redemption, WithheldAward
from reviewdesk.demo import ensure_demo_org

pytestmark = pytest.mark.django_db


def test_demo_ledger_shows_entries_a_locked_month_disputes_and_redemptions_and_is_idempotent():
    shops, users = ensure_demo_org()
    build_demo(shops=shops, users=users, stdout=io.StringIO())
    counts = (
        LedgerEntry.objects.count(),
        Dispute.objects.count(),
        Redemption.objects.count(),
        WithheldAward.objects.count(),
    )

    build_demo(shops=shops, users=users, stdout=io.StringIO())

    assert (
        LedgerEntry.objects.count(),
        Dispute.objects.count(),
        Redemption.objects.count(),
        WithheldAward.objects.count(),
    ) == counts
    locked = Period.objects.get(status=PeriodStatus.LOCKED)
    assert PayoutLine.objects.filter(period=locked).count() == 4
    assert counts[0] > 50
    assert set(Dispute.objects.values_list("status", flat=True)) == {
        DisputeStatus.OPEN,
        DisputeStatus.RESOLVED,
    }
    assert set(Redemption.objects.values_list("status", flat=True)) == {
        RedemptionStatus.APPROVED,
        RedemptionStatus.REQUESTED,
    }
    assert WithheldAward.objects.filter(reason_code="compliance_violation").count() == 1
