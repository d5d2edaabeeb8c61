"""One reminder at most per survey link (issue #21): the hourly sweep marks what is due and tells
``survey_reminder_due`` once, never again, and leaves answered, young and expired links alone."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from training.models import SurveyInvitation
from training.services.surveys import invitation_issue, survey_answer_by_buyer
from training.surveys.links import link_for
from training.surveys.reminders import survey_reminder_task, survey_reminders_mark
from training.surveys.signals import survey_reminder_due
from training.surveys.tokens import invitation_token

from .conftest import make_case


@pytest.fixture
def heard():
    calls = []

    def receiver(**kwargs):
        calls.append({k: kwargs[k] for k in ("invitation_id", "case_id", "channel", "url")})

    survey_reminder_due.connect(receiver, dispatch_uid="tests.survey_reminders")
    yield calls
    survey_reminder_due.disconnect(dispatch_uid="tests.survey_reminders")


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


def issued(shop, agent, *, hours_ago: float, channel="sms"):
    now = timezone.now()
    return invitation_issue(
        case=make_case(shop, assignee=agent), channel=channel, now=now - dt.timedelta(hours=hours_ago)
    )


def test_an_unanswered_link_is_reminded_once_only(shop, agent, heard, django_capture_on_commit_callbacks):
    due = issued(shop, agent, hours_ago=49)
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_reminders_mark() == [due.pk]
    assert heard == [
        {"invitation_id": due.pk, "case_id": due.case_id, "channel": "sms", "url": link_for(due)}
    ]
    due.refresh_from_db()
    first_mark = due.reminder_sent_at
    assert first_mark is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert survey_reminders_mark(now=timezone.now() + dt.timedelta(days=2)) == []
        assert survey_reminder_task() == 0
    assert len(heard) == 1
    due.refresh_from_db()
    assert due.reminder_sent_at == first_mark


def test_answered_young_and_expired_links_are_not_reminded(
    shop, agent, heard, django_capture_on_commit_callbacks
):
    young = issued(shop, agent, hours_ago=47)
    expired = issued(shop, agent, hours_ago=24 * 7 + 1)
    answered = issued(shop, agent, hours_ago=50, channel="chat")
    survey_answer_by_buyer(token=invitation_token(answered), score=5)
    # the case's other link: its buyer has answered through the chat link
    other_link = invitation_issue(case=make_case(shop, assignee=agent), channel="sms")
    SurveyInvitation.objects.filter(pk=other_link.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=60)
    )
    survey_answer_by_buyer(
        token=invitation_token(
            invitation_issue(case=other_link.case, channel="chat", now=timezone.now() - dt.timedelta(hours=1))
        ),
        score=4,
    )
    due = issued(shop, agent, hours_ago=48, channel="chat")
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_reminder_task() == 1
    assert [h["invitation_id"] for h in heard] == [due.pk] and heard[0]["channel"] == "chat"
    marked = set(SurveyInvitation.objects.filter(reminder_sent_at__isnull=False).values_list("pk", flat=True))
    assert marked == {due.pk}
    assert {young.pk, expired.pk, answered.pk, other_link.pk}.isdisjoint(marked)


def test_a_rolled_back_sweep_tells_nobody(shop, agent, heard, django_capture_on_commit_callbacks):
    issued(shop, agent, hours_ago=49)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        survey_reminders_mark()
    assert heard == [] and len(callbacks) == 1  # sent only when the mark is committed


def test_the_sweep_is_scheduled_hourly(db):
    schedule = Schedule.objects.get(name="ReviewDesk survey reminders")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "training.surveys.reminders.survey_reminder_task",
        "H",
        -1,
    )
