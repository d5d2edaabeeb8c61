"""A survey link answered twice at the same moment, and a case's two links (SMS and chat) answered at
once (threads, real commits on PostgreSQL): exactly one answer is stored, the others are told the survey
was answered, and the invitations agree."""

import pytest
from django.core.exceptions import ValidationError

from tests import default_pack
from tests.factories import CaseFactory, ShopFactory, UserFactory
from tests.postgres_race import race
from training.models import SatisfactionSurvey, SurveyInvitation
from training.services.surveys import invitation_issue, survey_answer_by_buyer
from training.surveys.tokens import invitation_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 3


def resolved_case(shop, agent):
    return CaseFactory(shop=shop, status="resolved", assignee=agent, escalation_role="")


def test_one_link_posted_twice_at_once_stores_one_answer():
    default_pack.insert()
    shop = ShopFactory(code="pg-survey-race", platform="taobao", name="调查并发店")
    agent = UserFactory(role="agent", shops=[shop])
    for _round in range(ROUNDS):
        case = resolved_case(shop, agent)
        token = invitation_token(invitation_issue(case=case, channel="sms"))
        other = invitation_token(invitation_issue(case=case, channel="chat"))

        outcomes = race(
            [
                lambda t=token: survey_answer_by_buyer(token=t, score=5, comment="甲"),
                lambda t=token: survey_answer_by_buyer(token=t, score=1, comment="乙"),
                lambda t=other: survey_answer_by_buyer(token=t, score=3, comment="丙"),
            ],
            timeout=30,
        )

        wins = [o for o in outcomes if isinstance(o, SatisfactionSurvey)]
        refusals = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(wins) == 1 and len(refusals) == 2
        assert {r.code for r in refusals} == {"survey_answered"}
        (stored,) = SatisfactionSurvey.objects.filter(case=case)
        assert (stored.score, stored.comment, stored.source) == (wins[0].score, wins[0].comment, "buyer_link")
        answered = SurveyInvitation.objects.filter(case=case, answered_at__isnull=False)
        assert answered.count() == 1  # the losing link was rolled back, not marked


def test_two_sweeps_at_once_remind_each_link_once():
    import datetime as dt

    from django.utils import timezone

    from training.surveys.reminders import survey_reminders_mark
    from training.surveys.signals import survey_reminder_due

    default_pack.insert()
    shop = ShopFactory(code="pg-survey-remind", platform="taobao", name="提醒并发店")
    agent = UserFactory(role="agent", shops=[shop])
    long_ago = timezone.now() - dt.timedelta(hours=50)
    due = {
        invitation_issue(case=resolved_case(shop, agent), channel="sms", now=long_ago).pk for _ in range(6)
    }
    heard = []
    survey_reminder_due.connect(
        lambda **kwargs: heard.append(kwargs["invitation_id"]), weak=False, dispatch_uid="tests.race_remind"
    )
    try:
        outcomes = race([survey_reminders_mark, survey_reminders_mark, survey_reminders_mark], timeout=30)
    finally:
        survey_reminder_due.disconnect(dispatch_uid="tests.race_remind")
    marked = [pk for outcome in outcomes for pk in outcome]
    assert sorted(marked) == sorted(due) and sorted(heard) == sorted(due)  # each once, none twice
    assert SurveyInvitation.objects.filter(reminder_sent_at__isnull=True).count() == 0
