"""Fixtures and helpers shared by the intake tests (imported explicitly by each test module)."""

import pytest
from django.core.management import call_command

from cases.models import Buyer, Case, DecisionRecord, ImportBatch, Review, ReviewRevision


@pytest.fixture
def policy_pack(db):
    call_command("seed_policies", verbosity=0)


def snapshot() -> dict:
    """Everything an import may write, to prove a rejected one wrote nothing."""
    return {
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "fingerprint", "rating")),
        "cases": Case.objects.count(),
        "decision_records": DecisionRecord.objects.count(),
        "buyers": list(
            Buyer.objects.order_by("pk").values_list("pk", "review_count", "negative_review_count")
        ),
        "revisions": ReviewRevision.objects.count(),
        "completed_batches": ImportBatch.objects.filter(status="completed").count(),
    }
