"""Conversions whose event never reached the ledger (the importing process died between its commit
and the after-commit hooks; found by bench/bench_fault.py) are paid by the sweep, once; reverts the
ledger missed are reversed, once; everything already heard of is left alone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.models import Schedule

from cases.models import ReviewRevision
from incentives.choices import AwardEvent, EntryKind
from incentives.models import AwardRule, LedgerEntry, WithheldAward
from incentives.receivers import on_case_event
from incentives.services.sweeps import conversion_awards_sweep
from incentives.tasks import conversion_awards_task
from tests.training.conftest import make_case

pytestmark = pytest.mark.django_db


def converted(shop, agent, *, source="file", **fields):
    """A case an import marked as converted, with the revision the import recorded (its source is
    what the sweep pays on: the event it re-sends carries none)."""
    now = timezone.now()
    defaults = {
        "conversion_candidate_at": now - dt.timedelta(hours=1),
        "converted_from_rating": 1,
        "converted_to_rating": 5,
        "revision_allowed": True,
        "revision_until": now + dt.timedelta(days=3),
    }
    case = make_case(shop, assignee=agent, status="resolved", **(defaults | fields))
    ReviewRevision.objects.create(
        review=case.review,
        before={"rating": 1},
        after={"rating": 5},
        changed_fields=["rating"],
        rating_before=1,
        rating_after=5,
        source=source,
        at=case.conversion_candidate_at or now,
    )
    return case


def test_a_conversion_the_ledger_never_heard_of_is_paid_once(agent, shop):
    case = converted(shop, agent)

    assert conversion_awards_sweep() == {"conversions": 1, "reversals": 0}
    assert conversion_awards_sweep() == {"conversions": 0, "reversals": 0}

    entry = LedgerEntry.objects.get()
    rule = AwardRule.objects.get(code="conversion-bonus")
    assert (entry.account.user, entry.amount, entry.case_ref, entry.event, entry.kind) == (
        agent,
        Decimal("50.00"),
        case.pk,
        AwardEvent.VERIFIED_CONVERSION,
        EntryKind.AWARD,
    )
    assert entry.idempotency_key == f"award:{rule.pk}:verified_conversion:c{case.pk}:-:cny"
    assert entry.occurred_at == case.conversion_candidate_at


def test_conversions_already_paid_or_withheld_and_other_cases_are_left_alone(agent, shop):
    paid = converted(shop, agent)
    on_case_event(event="conversion_candidate", case_id=paid.pk, payload={})
    violated = converted(shop, agent, compliance_violations=["私信中出现“好评返现”"])
    on_case_event(
        event="conversion_candidate",
        case_id=violated.pk,
        payload={"compliance_violations": ["私信中出现“好评返现”"]},
    )
    make_case(shop, assignee=agent)  # never a conversion
    converted(
        shop, agent, conversion_candidate_at=timezone.now() - dt.timedelta(days=60)
    )  # long ago: not swept
    converted(shop, None)  # nobody to pay
    before = (
        list(LedgerEntry.objects.values_list("pk", flat=True)),
        list(WithheldAward.objects.values_list("pk", flat=True)),
    )

    assert conversion_awards_sweep() == {"conversions": 0, "reversals": 0}

    assert (
        list(LedgerEntry.objects.values_list("pk", flat=True)),
        list(WithheldAward.objects.values_list("pk", flat=True)),
    ) == before
    assert len(before[0]) == 1 and len(before[1]) == 1


def test_a_revert_the_ledger_missed_is_reversed_once(agent, shop):
    case = converted(shop, agent)
    on_case_event(event="conversion_candidate", case_id=case.pk, payload={})
    case.conversion_candidate_at, case.converted_to_rating = None, None  # what the import does on a revert
    case.save(update_fields=["conversion_candidate_at", "converted_to_rating"])

    assert conversion_awards_sweep() == {"conversions": 0, "reversals": 1}
    assert conversion_awards_sweep() == {"conversions": 0, "reversals": 0}

    award, reversal = LedgerEntry.objects.order_by("pk")
    assert (reversal.kind, reversal.amount, reversal.reverses) == (
        EntryKind.REVERSAL,
        Decimal("-50.00"),
        award,
    )


def test_the_sweep_runs_every_ten_minutes_in_the_cluster(agent, shop):
    schedule = Schedule.objects.get(name="ReviewDesk incentives: missed conversion awards")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "incentives.tasks.conversion_awards_task",
        "I",
        10,
        -1,
    )
    converted(shop, agent)

    assert conversion_awards_task() == {"conversions": 1, "reversals": 0}
    assert LedgerEntry.objects.count() == 1
