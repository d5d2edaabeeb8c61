"""The SLA sweep: warn at the tier's percentage, breach → mark and escalate, nothing due → nothing,
repeated runs announce each event once, and the next check time moves on."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from cases.choices import CaseStatus
from cases.models import Case, Notification, SlaEvent
from cases.notifications.choices import NotificationKind, SlaEventKind, SlaTarget
from cases.sla.sweep import next_check_at, sla_sweep
from tests.cases.routing_support import T0, make_case, sla_fields

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def people(shop, other_shop, make_user):
    return {
        "agent": make_user("agent", shops=[shop]),
        "supervisor": make_user("supervisor", shops=[shop]),
        "manager": make_user("manager", shops=[shop]),
        "other_supervisor": make_user("supervisor", shops=[other_shop]),
    }


def test_warning_at_eighty_percent_goes_to_the_assignee(shop, people):
    case = make_case(
        shop, status=CaseStatus.ASSIGNED, assignee=people["agent"], **sla_fields(start=T0, minutes=120)
    )
    warn_at = T0 + dt.timedelta(minutes=96)  # 80 % of 2 h

    assert sla_sweep(now=warn_at - MIN).checked == 0
    result = sla_sweep(now=warn_at)

    assert (result.checked, result.warnings, result.breaches, result.notifications) == (1, 1, 0, 1)
    (event,) = SlaEvent.objects.all()
    assert (event.case, event.target, event.kind, event.due_at) == (
        case,
        SlaTarget.FIRST_RESPONSE,
        SlaEventKind.WARNING,
        T0 + 120 * MIN,
    )
    (note,) = Notification.objects.all()
    assert (note.user, note.kind, note.case) == (people["agent"], NotificationKind.SLA_WARNING, case)
    assert note.title == f"【时效预警】淘宝旗舰店 · 案件 #{case.pk}"
    assert note.body.startswith("首次响应将于 2026-06-01 20:00 到期。")  # 12:00 UTC = 20:00 Asia/Shanghai
    case.refresh_from_db()
    assert case.sla_next_check_at == T0 + 120 * MIN
    assert case.sla_breached_at is None


def test_warning_on_an_unassigned_case_goes_to_the_shops_supervisors(shop, people):
    make_case(shop, **sla_fields(start=T0, minutes=60))
    sla_sweep(now=T0 + 50 * MIN)
    assert list(Notification.objects.values_list("user", "kind")) == [
        (people["supervisor"].pk, NotificationKind.SLA_WARNING)
    ]


def test_breach_marks_the_case_and_notifies_the_escalation_role_and_assignee(shop, people):
    case = make_case(
        shop,
        status=CaseStatus.ASSIGNED,
        assignee=people["agent"],
        escalation_role="manager",
        **sla_fields(start=T0, minutes=60),
    )
    sla_sweep(now=T0 + 48 * MIN)
    result = sla_sweep(now=T0 + 60 * MIN)

    assert (result.checked, result.warnings, result.breaches) == (1, 0, 1)
    case.refresh_from_db()
    assert case.sla_breached_at == T0 + 60 * MIN
    assert case.sla_next_check_at is None
    breach_users = set(
        Notification.objects.filter(kind=NotificationKind.SLA_BREACH).values_list("user", flat=True)
    )
    assert breach_users == {people["manager"].pk, people["agent"].pk}
    assert set(SlaEvent.objects.values_list("kind", flat=True)) == {SlaEventKind.WARNING, SlaEventKind.BREACH}


def test_a_sweep_that_was_down_reports_the_breach_without_a_stale_warning(shop, people):
    make_case(shop, **sla_fields(start=T0, minutes=60))
    result = sla_sweep(now=T0 + 5 * 60 * MIN)
    assert (result.warnings, result.breaches) == (0, 1)
    assert list(Notification.objects.values_list("kind", flat=True)) == [NotificationKind.SLA_BREACH]


def test_nothing_due_changes_nothing(shop, people):
    case = make_case(shop, **sla_fields(start=T0, minutes=240))
    closed = make_case(shop, status=CaseStatus.RESOLVED, **sla_fields(start=T0 - 10 * 60 * MIN, minutes=60))

    result = sla_sweep(now=T0 + 60 * MIN)

    assert (result.checked, result.warnings, result.breaches, result.notifications) == (0, 0, 0, 0)
    assert SlaEvent.objects.count() == Notification.objects.count() == 0
    case.refresh_from_db()
    closed.refresh_from_db()
    assert case.sla_next_check_at == T0 + 192 * MIN
    assert closed.sla_next_check_at is not None  # closed cases are never swept


def test_running_twice_notifies_each_event_once(shop, people):
    case = make_case(
        shop, status=CaseStatus.ASSIGNED, assignee=people["agent"], **sla_fields(start=T0, minutes=60)
    )
    at = T0 + 70 * MIN
    first = sla_sweep(now=at)
    # A retried task or a reset next-check time must not announce the breach again.
    Case.objects.filter(pk=case.pk).update(sla_next_check_at=T0)
    second = sla_sweep(now=at)

    assert (first.breaches, second.breaches, second.notifications) == (1, 0, 0)
    assert second.checked == 1
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACH).count() == 2  # supervisor + assignee
    assert SlaEvent.objects.count() == 1


def test_met_clocks_are_ignored_and_the_next_clock_is_scheduled(shop, people):
    case = make_case(
        shop,
        status=CaseStatus.IN_PROGRESS,
        assignee=people["agent"],
        first_responded_at=T0 + 10 * MIN,
        first_response_due_at=T0 + 60 * MIN,
        first_response_warn_at=T0 + 48 * MIN,
        resolution_due_at=T0 + 600 * MIN,
        resolution_warn_at=T0 + 480 * MIN,
        sla_next_check_at=T0 + 48 * MIN,
    )
    result = sla_sweep(now=T0 + 61 * MIN)
    assert (result.checked, result.warnings, result.breaches) == (1, 0, 0)
    case.refresh_from_db()
    assert case.sla_next_check_at == T0 + 480 * MIN

    result = sla_sweep(now=T0 + 480 * MIN)
    assert (result.warnings, SlaEvent.objects.get().target) == (1, SlaTarget.RESOLUTION)


def test_next_response_clock_restarts_as_a_new_event(shop, people):
    case = make_case(
        shop,
        status=CaseStatus.WAITING_BUYER,
        assignee=people["agent"],
        next_response_due_at=T0 + 180 * MIN,
        next_response_warn_at=T0 + 144 * MIN,
        sla_next_check_at=T0 + 144 * MIN,
    )
    sla_sweep(now=T0 + 181 * MIN)
    # The buyer answers again later: the workflow sets a new deadline and next check.
    Case.objects.filter(pk=case.pk).update(
        next_response_due_at=T0 + 600 * MIN,
        next_response_warn_at=T0 + 564 * MIN,
        sla_next_check_at=T0 + 564 * MIN,
    )
    sla_sweep(now=T0 + 601 * MIN)
    assert SlaEvent.objects.filter(target=SlaTarget.NEXT_RESPONSE, kind=SlaEventKind.BREACH).count() == 2


def test_next_check_at_is_the_earliest_future_warn_or_due_time():
    case = {
        "first_response_warn_at": T0 + 48 * MIN,
        "first_response_due_at": T0 + 60 * MIN,
        "first_responded_at": None,
        "resolution_warn_at": T0 + 30 * MIN,
        "resolution_due_at": T0 + 900 * MIN,
        "resolved_at": None,
        "public_reply_due_at": None,
        "next_response_due_at": None,
    }
    assert next_check_at(case, after=T0) == T0 + 30 * MIN
    assert next_check_at(case, after=T0 + 30 * MIN) == T0 + 48 * MIN
    assert next_check_at(case, after=T0 + 60 * MIN) == T0 + 900 * MIN
    assert next_check_at(case, after=T0 + 900 * MIN) is None


def test_management_command_prints_json(shop, people):
    make_case(shop, **sla_fields(start=T0, minutes=60))
    out = io.StringIO()
    call_command("sla_sweep", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["checked"], data["breaches"], data["warnings"]) == (1, 1, 0)
    assert set(data) == {
        "checked",
        "warnings",
        "breaches",
        "escalations",
        "notifications",
        "deliveries",
        "batches",
        "handoffs_recovered",
        "duration_ms",
    }


def test_sweep_reads_due_cases_with_a_fixed_number_of_queries(shop, people, django_assert_max_num_queries):
    for n in range(30):
        make_case(shop, **sla_fields(start=T0 + n * MIN, minutes=60))
    with django_assert_max_num_queries(4):
        assert sla_sweep(now=T0).checked == 0
    with django_assert_max_num_queries(25):
        result = sla_sweep(now=T0 + 200 * MIN)
    assert (result.checked, result.breaches) == (30, 30)
