"""The survey link's one reminder by SMS: the hourly sweep marks the link and outreach sends the shop's
survey template with the same link, once; a chat link gets no SMS; a refused reminder is not retried."""

import datetime as dt

import pytest
from django.utils import timezone

from outreach.choices import SmsPurpose
from outreach.models import SmsMessage, SmsTemplate
from outreach.services.optouts import optout_record
from tests.cases.workflow_factories import member, put_in_state, triaged_case
from training.models import SurveyInvitation
from training.surveys.links import invitation_url
from training.surveys.reminders import survey_reminders_mark

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]


@pytest.fixture
def survey_template(aliyun_shop):
    return SmsTemplate.objects.create(
        code="survey",
        name="满意度调查",
        purpose=SmsPurpose.SURVEY,
        provider="aliyun",
        template_code="SMS_400",
        text="亲，您对本次售后处理满意吗？请点 {survey_url} 打1-5分~",
    )


def _link_given_days_ago(shop, channel: str, days: float = 2.5) -> tuple[SurveyInvitation, str]:
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "resolved", agent=agent)
    url = invitation_url(case, channel=channel)
    invitation = SurveyInvitation.objects.get(case=case, channel=channel)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )
    return invitation, url


def _sweep(capture):
    with capture(execute=True):
        return survey_reminders_mark()


def _at_noon(monkeypatch):
    """The reminder goes at the sweep's time: pin it outside the default quiet hours (22:00–08:00)."""
    import outreach.services.surveys as surveys

    noon = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).replace(hour=12)
    monkeypatch.setattr(surveys.timezone, "now", lambda: noon)


def test_an_sms_link_is_reminded_once_by_sms_with_the_same_link(
    aliyun_shop, survey_template, django_capture_on_commit_callbacks, monkeypatch
):
    _at_noon(monkeypatch)
    invitation, url = _link_given_days_ago(aliyun_shop["shop"], "sms")

    assert _sweep(django_capture_on_commit_callbacks) == [invitation.pk]
    message = SmsMessage.objects.get()
    assert (message.purpose, message.idempotency_key) == (
        SmsPurpose.SURVEY,
        f"survey-reminder:{invitation.pk}",
    )
    assert message.params["survey_url"] == url and url in message.text
    assert aliyun_shop["gateway"].sends == 1

    assert _sweep(django_capture_on_commit_callbacks) == []  # marked: never a second reminder
    assert SmsMessage.objects.count() == 1 and aliyun_shop["gateway"].sends == 1


def test_a_chat_link_gets_no_sms(
    aliyun_shop, survey_template, django_capture_on_commit_callbacks, monkeypatch
):
    _at_noon(monkeypatch)
    invitation, _url = _link_given_days_ago(aliyun_shop["shop"], "chat")

    assert _sweep(django_capture_on_commit_callbacks) == [invitation.pk]
    assert SmsMessage.objects.count() == 0 and aliyun_shop["gateway"].sends == 0


def test_an_opted_out_buyer_gets_no_reminder_and_it_is_not_retried(
    aliyun_shop, survey_template, django_capture_on_commit_callbacks, monkeypatch
):
    _at_noon(monkeypatch)
    invitation, _url = _link_given_days_ago(aliyun_shop["shop"], "sms")
    optout_record(shop=aliyun_shop["shop"], phone="13812345678")

    assert _sweep(django_capture_on_commit_callbacks) == [invitation.pk]
    assert SmsMessage.objects.count() == 0 and aliyun_shop["gateway"].sends == 0
    assert _sweep(django_capture_on_commit_callbacks) == []
    assert SmsMessage.objects.count() == 0
