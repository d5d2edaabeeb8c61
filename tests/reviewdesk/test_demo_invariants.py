"""The demo obeys every invariant the product enforces (issue 15 §3): ``demo_data`` builds its history
through the product's own services (imports, routing, the workflow, the ledger's rules), so when the
scheduler then runs every scheduled task once, no money moves, no month is negative, no case is paid
twice, routing has a team to give the imported cases to, and a second run changes nothing.

Transactional: the build commits as `make run` does, so what runs after a commit (routing of imported
cases, the case events the ledger pays from) runs as it does there."""

import importlib
import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.test import RequestFactory
from django_q.models import Schedule

from cases.choices import OPEN_STATUSES, IntakeSource
from cases.models import Assignment, Case, ImportBatch, Review
from incentives.choices import AwardEvent, EntryKind, Unit
from incentives.models import LedgerEntry, Period
from reviewdesk.demo import DEMO_PASSWORD, DEMO_USERS
from reviewdesk.management.commands.demo_data import ordered_builders
from reviewdesk.models import User
from training.models import Score
from workorders.models import WorkOrder


def run_every_schedule() -> dict[str, object]:
    """Each django-q Schedule row's function, called once with its args and kwargs, as the cluster would."""
    from ast import literal_eval

    results = {}
    for schedule in Schedule.objects.order_by("pk"):
        module, name = schedule.func.rsplit(".", 1)
        args = literal_eval(schedule.args) if schedule.args else ()
        kwargs = literal_eval(schedule.kwargs) if schedule.kwargs else {}
        args = args if isinstance(args, tuple) else (args,)
        results[schedule.name] = getattr(importlib.import_module(module), name)(*args, **kwargs)
    return results


def counts() -> tuple:
    return (
        User.objects.count(),
        Review.objects.count(),
        Case.objects.count(),
        Assignment.objects.count(),
        Score.objects.count(),
        LedgerEntry.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_the_demo_obeys_every_invariant_when_every_schedule_runs():
    call_command("seed_policies", stdout=io.StringIO())  # as `make run` does first
    call_command("demo_data", stdout=io.StringIO())

    # Its history came through intake as export files, not written rows.
    assert not Review.objects.exclude(source=IntakeSource.FILE).exists()
    assert ImportBatch.objects.filter(source=IntakeSource.FILE, status="completed").count() >= 60
    # The ledger holds only what its rules posted: award keys, dispute adjustments, redemptions.
    assert not LedgerEntry.objects.filter(idempotency_key__startswith="demo:").exists()
    awards = LedgerEntry.objects.filter(kind=EntryKind.AWARD)
    assert not awards.filter(rule__isnull=True).exists()
    assert not awards.exclude(
        Q(idempotency_key__startswith="award:") | Q(idempotency_key__startswith="quarter_top:")
    ).exists()
    conversions = awards.filter(event=AwardEvent.VERIFIED_CONVERSION)
    assert conversions.count() >= 10
    assert not conversions.filter(
        case_ref__in=Case.objects.filter(conversion_candidate_at__isnull=True).values("pk")
    ).exists()

    # Routing had a team: every case opened by an import was given to someone eligible.
    opened = Case.objects.count()
    routed = (
        Assignment.objects.filter(to_user__isnull=False, by__isnull=True).values("case").distinct().count()
    )
    assert opened > 300 and routed == opened, (opened, routed)
    assert not Case.objects.filter(status="new", assignee__isnull=True).exists()
    for user in User.objects.filter(groups__name__in=["agent", "supervisor", "legal"]):
        load = Case.objects.filter(assignee=user, status__in=OPEN_STATUSES).count()
        assert load < user.max_open_cases, (user.username, load)
    assert not Score.objects.filter(recorded_by=F("agent")).exists()  # four eyes held
    # The warehouse has one question waiting and one answered (the wrong item shipped: its fault); the
    # courier watch adds its own to logistics on the flagged courier's logistics cases (not counted here).
    orders = WorkOrder.objects.filter(case__shop__code="tb-home", source="manual")
    assert sorted(orders.values_list("status", "responsibility")) == [("answered", "warehouse"), ("open", "")]
    assert not orders.exclude(case__status__in=OPEN_STATUSES).exists()

    entries_before = LedgerEntry.objects.count()
    results = run_every_schedule()

    assert "ReviewDesk incentives: missed conversion awards" in results
    assert results["ReviewDesk incentives: missed conversion awards"] == {"conversions": 0, "reversals": 0}
    assert LedgerEntry.objects.count() == entries_before, "a scheduled task moved money"
    negative_months = (
        LedgerEntry.objects.filter(account__unit=Unit.CNY)
        .values("period__code", "account__user__username")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
    )
    assert not negative_months.exists(), list(negative_months)
    negative_balances = (
        LedgerEntry.objects.values("account__user__username", "account__unit")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
    )
    assert not negative_balances.exists(), list(negative_balances)
    for period in Period.objects.all():
        total = LedgerEntry.objects.filter(period=period, account__unit=Unit.CNY).aggregate(t=Sum("amount"))[
            "t"
        ]
        assert (total or Decimal(0)) >= 0, period.code
    paid_twice = (
        conversions.filter(account__unit=Unit.CNY).values("case_ref").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not paid_twice.exists(), list(paid_twice)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()

    # The demo logins still work.
    for username, _role, _name, _shops in DEMO_USERS:
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username

    # A second run changes nothing.
    before = counts()
    assert all(before), before
    call_command("demo_data", stdout=io.StringIO())
    assert counts() == before


def test_the_team_is_built_before_the_history_and_the_ledger_closes_the_month():
    names = [build.__name__ for build in ordered_builders()]
    assert names[0] == "build_training_team"
    assert names.index("build_insights_demo") < names.index("build_cases_demo") < names.index("build_demo")
    assert names[-1] == "build_demo"
