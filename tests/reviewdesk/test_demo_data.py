"""`make run` builds the demo with `demo_data`: the whole build must pass every rule the product enforces
(it once stopped at a four-eyes refusal: the trainer entered his own score), and a second run changes
nothing."""

import io

import pytest
from django.core.management import call_command

from cases.models import Case, Review
from incentives.models import LedgerEntry
from reviewdesk.models import User
from training.models import Score


@pytest.mark.django_db
def test_the_whole_demo_builds_and_a_second_run_changes_nothing():
    call_command("seed_policies", stdout=io.StringIO())  # as `make run` does first
    call_command("demo_data", stdout=io.StringIO())
    counts = (
        User.objects.count(),
        Review.objects.count(),
        Case.objects.count(),
        Score.objects.count(),
        LedgerEntry.objects.count(),
    )
    assert all(counts), counts
    assert User.objects.filter(username="owner1", groups__name="policy_owner").exists()
    assert not Score.objects.filter(recorded_by=models_F("agent")).exists()

    call_command("demo_data", stdout=io.StringIO())
    assert (
        User.objects.count(),
        Review.objects.count(),
        Case.objects.count(),
        Score.objects.count(),
        LedgerEntry.objects.count(),
    ) == counts


def models_F(name):
    from django.db.models import F

    return F(name)
