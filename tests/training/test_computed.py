"""Scores computed from cases: SLA attainment and first-response time per assignee, idempotent."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from training.models import Score
from training.services import compute_training_scores

from .conftest import make_case

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)


def case_with_clock(shop, agent, *, opened, due_minutes, responded_minutes):
    opened_at = dt.datetime(*opened, tzinfo=SH)
    return make_case(
        shop,
        assignee=agent,
        status="resolved",
        opened_at=opened_at,
        first_response_due_at=opened_at + dt.timedelta(minutes=due_minutes),
        first_responded_at=None
        if responded_minutes is None
        else opened_at + dt.timedelta(minutes=responded_minutes),
    )


def computed():
    return sorted(
        Score.objects.filter(source="computed").values_list(
            "agent__display_name", "module__code", "period", "value", "sample_size"
        )
    )


def test_sla_attainment_and_response_time_per_agent(make_user, shop):
    fast = make_user("agent", shops=[shop], display_name="王小丽")
    slow = make_user("agent", shops=[shop], display_name="李明")
    case_with_clock(shop, fast, opened=(2026, 10, 2, 9), due_minutes=120, responded_minutes=30)
    case_with_clock(
        shop, fast, opened=(2026, 10, 3, 9), due_minutes=120, responded_minutes=120
    )  # exactly on time
    case_with_clock(shop, slow, opened=(2026, 10, 5, 9), due_minutes=120, responded_minutes=121)
    case_with_clock(
        shop, slow, opened=(2026, 10, 6, 9), due_minutes=120, responded_minutes=None
    )  # missed, never answered
    case_with_clock(shop, slow, opened=(2026, 10, 7, 9), due_minutes=60, responded_minutes=30)
    case_with_clock(shop, slow, opened=(2026, 9, 30, 9), due_minutes=60, responded_minutes=30)  # other month
    summary = compute_training_scores(period="2026-10", now=NOW)
    assert summary == {
        "first_response_sla": 2,
        "first_response_time": 2,
        "offer_acceptance": 0,
        "negotiation": 0,
    }
    assert computed() == [
        ("李明", "first_response_sla", "2026-10", Decimal("33.33"), 3),
        ("李明", "first_response_time", "2026-10", 75.5, 2),
        ("王小丽", "first_response_sla", "2026-10", 100, 2),
        ("王小丽", "first_response_time", "2026-10", 75, 2),
    ]


def test_an_open_clock_not_yet_due_is_not_counted(make_user, shop):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    opened_at = NOW - dt.timedelta(minutes=30)
    make_case(
        shop,
        assignee=agent,
        status="in_progress",
        opened_at=opened_at,
        first_response_due_at=NOW + dt.timedelta(hours=1),
    )
    assert compute_training_scores(period="2026-11", now=NOW)["first_response_sla"] == 0
    assert computed() == []


def test_recomputing_replaces_instead_of_adding(make_user, shop):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    case_with_clock(shop, agent, opened=(2026, 10, 2, 9), due_minutes=120, responded_minutes=30)
    compute_training_scores(period="2026-10", now=NOW)
    case_with_clock(shop, agent, opened=(2026, 10, 9, 9), due_minutes=120, responded_minutes=200)
    compute_training_scores(period="2026-10", now=NOW)
    assert [row[1:] for row in computed()] == [
        ("first_response_sla", "2026-10", 50, 2),
        ("first_response_time", "2026-10", 115, 2),
    ]


def test_the_command_reports_what_it_wrote_and_what_it_skipped(make_user, shop):
    agent = make_user("agent", shops=[shop])
    case_with_clock(shop, agent, opened=(2026, 10, 2, 9), due_minutes=120, responded_minutes=30)
    out = StringIO()
    call_command("compute_training_scores", "--period", "2026-10", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "period": "2026-10",
        "modules": {
            "negotiation": 0,
            "first_response_sla": 1,
            "first_response_time": 1,
            "offer_acceptance": 0,
        },
    }


def test_the_command_refuses_a_bad_period(db):
    with pytest.raises(CommandError, match="周期“2026/10”无效"):
        call_command("compute_training_scores", "--period", "2026/10")
    assert Score.objects.count() == 0
