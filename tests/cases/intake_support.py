"""Helpers shared by the intake tests (the default policy pack is the ``policy_pack`` fixture of
tests/conftest.py)."""

from cases.models import Buyer, Case, DecisionRecord, ImportBatch, Review, ReviewRevision


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
