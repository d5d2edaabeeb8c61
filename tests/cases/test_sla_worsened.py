"""The SLA sweep's escalation of a case whose rating got worse (RATING_WORSENED): the escalation role
and the assignee hear of it once per worsening, however often the sweep runs, and the flag is cleared."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.hooks import certification_checks
from cases.imports.submit import reviews_submit
from cases.models import Case, Notification, SlaEvent
from cases.notifications.choices import NotificationKind
from cases.sla.sweep import sla_sweep

SH = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2026, 11, 17, 10, 0, tzinfo=SH)
pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def people(shop, other_shop, make_user):
    return {
        "agent": make_user("agent", shops=[shop]),
        "supervisor": make_user("supervisor", shops=[shop]),
        "manager": make_user("manager", shops=[shop]),
        "other_supervisor": make_user("supervisor", shops=[other_shop]),
    }


def submit(shop, *, rating, now):
    item = {
        "shop": shop.code,
        "order_no": "WS000001",
        "rating": rating,
        "content": "快递太慢了，一个星期才到",
        "reviewed_at": "2026-11-17 09:30",
        "buyer_nick": "t**变差买家",
    }
    [result] = reviews_submit(items=[item], allowed_shop_ids={shop.pk}, source="api", now=now)
    assert result.status != "error", result.errors
    return result


def worsened(shop, people, django_capture_on_commit_callbacks, *, then=T + dt.timedelta(minutes=30)) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        case_id = submit(shop, rating="中评", now=T).case_id
    case = Case.objects.get(pk=case_id)
    assert case.assignee == people["agent"] and case.escalation_role == "supervisor"
    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="差评", now=then)
    return case


def rating_worsened_notifications():
    return list(
        Notification.objects.filter(kind=NotificationKind.RATING_WORSENED)
        .order_by("user_id")
        .values_list("user_id", "case_id")
    )


def test_sweep_notifies_the_escalation_role_and_the_assignee_once_and_clears_the_flag(
    shop, people, django_capture_on_commit_callbacks
):
    case = worsened(shop, people, django_capture_on_commit_callbacks)
    now = T + dt.timedelta(minutes=31)

    result = sla_sweep(now=now)

    assert (result.checked, result.escalations, result.notifications) == (1, 1, 2)
    assert rating_worsened_notifications() == sorted(
        [(people["agent"].pk, case.pk), (people["supervisor"].pk, case.pk)]
    )
    note = Notification.objects.filter(kind=NotificationKind.RATING_WORSENED, user=people["supervisor"]).get()
    assert "3" in note.body and "1" in note.body
    case.refresh_from_db()
    assert case.needs_escalation is False
    # Nothing of the SLA clocks was due yet: no warning or breach was invented.
    assert SlaEvent.objects.count() == 0
    assert case.sla_next_check_at == case.first_response_warn_at


def test_running_the_sweep_again_adds_nothing(shop, people, django_capture_on_commit_callbacks):
    worsened(shop, people, django_capture_on_commit_callbacks)
    sla_sweep(now=T + dt.timedelta(minutes=31))
    before = rating_worsened_notifications()

    again = sla_sweep(now=T + dt.timedelta(minutes=32))

    assert (again.checked, again.escalations, again.notifications) == (0, 0, 0)
    assert rating_worsened_notifications() == before


def test_a_retried_sweep_with_the_flag_still_set_does_not_notify_twice(
    shop, people, django_capture_on_commit_callbacks
):
    """A task retried after its notifications were written but before the flag was seen cleared."""
    case = worsened(shop, people, django_capture_on_commit_callbacks)
    now = T + dt.timedelta(minutes=31)
    sla_sweep(now=now)
    Case.objects.filter(pk=case.pk).update(needs_escalation=True, sla_next_check_at=now)

    retry = sla_sweep(now=now)

    assert retry.escalations == 1 and retry.notifications == 0
    assert len(rating_worsened_notifications()) == 2
    assert Case.objects.get(pk=case.pk).needs_escalation is False


def test_a_second_worsening_is_a_new_escalation(shop, people, django_capture_on_commit_callbacks):
    case = worsened(shop, people, django_capture_on_commit_callbacks)
    sla_sweep(now=T + dt.timedelta(minutes=31))
    # Back up to 中评, then down again: a new worsening at a new time.
    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="中评", now=T + dt.timedelta(minutes=40))
        submit(shop, rating="差评", now=T + dt.timedelta(minutes=50))

    result = sla_sweep(now=T + dt.timedelta(minutes=51))

    assert result.escalations == 1 and result.notifications == 2
    assert len(rating_worsened_notifications()) == 4
    case.refresh_from_db()
    assert case.rating_worsened_at == T + dt.timedelta(minutes=50) and not case.needs_escalation
