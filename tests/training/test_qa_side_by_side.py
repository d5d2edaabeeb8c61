"""The QA pages show what the agent said on the case beside the rubric: every public reply, every
contact with the message sent and its note, oldest first, masked as the viewer sees a buyer's words,
at a fixed number of queries however long the conversation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import ContactAttempt, Reply
from training.services import qa_review_create

from .conftest import all_pass, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user, shop):
    return {"agent": make_user("agent", shops=[shop]), "reviewer": make_user("supervisor", shops=[shop])}


def talk(case, agent, *, contacts: int = 1):
    """A contact by phone with a note, a private message with its text, then the public reply."""
    start = timezone.now() - dt.timedelta(hours=5)
    for n in range(contacts):
        ContactAttempt.objects.create(
            case=case, channel="phone", reached=False, note=f"第{n + 1}次未接通", by=agent, at=start
        )
    message = ContactAttempt.objects.create(
        case=case,
        channel="private_message",
        reached=True,
        note="买家同意补发",
        by=agent,
        at=start + dt.timedelta(hours=1),
    )
    Reply.objects.create(
        case=case,
        channel="private_message",
        text="亲，给您补发一件，请留意物流，电话13812345678",
        contact=message,
        by=agent,
        at=start + dt.timedelta(hours=1),
    )
    Reply.objects.create(
        case=case,
        channel="public_reply",
        text="感谢反馈，已为您补发。",
        by=agent,
        at=start + dt.timedelta(hours=2),
    )


def test_the_scoring_page_shows_the_agents_messages_beside_the_rubric(client, shop, team, rubric):
    case = make_case(shop, assignee=team["agent"])
    talk(case, team["agent"])
    client.force_login(team["reviewer"])

    response = client.get(reverse("training:qa_case", args=[case.pk]))

    rows = response.context["agent_messages"]
    assert [(r["kind"], r["public"]) for r in rows] == [
        ("电话", False),
        ("私信(千牛/飞鸽/咚咚)", False),
        ("公开回复/解释", True),
    ]
    assert [r["note"] for r in rows] == ["第1次未接通", "买家同意补发", ""]
    html = response.content.decode()
    side = html[html.index('class="qa-side-by-side"') :]
    assert side.index('id="qa-form"') < side.index('id="agent-messages"')  # the rubric, then beside it
    assert "感谢反馈，已为您补发。" in side
    assert "电话13812345678" in html  # a supervisor may reveal contact data: as written


def test_the_review_page_shows_them_to_the_agent_too(client, shop, team, rubric):
    case = make_case(shop, assignee=team["agent"])
    talk(case, team["agent"])
    review = qa_review_create(case=case, rubric=rubric, reviewer=team["reviewer"], results=all_pass(rubric))
    client.force_login(team["agent"])

    html = client.get(reverse("training:qa_review", args=[review.pk])).content.decode()

    assert html.index('id="qa-result"') < html.index('id="agent-messages"')
    assert "亲，给您补发一件" in html and "买家同意补发" in html
    # An agent may not reveal contact data: the number typed is masked, as a buyer's words are.
    assert "13812345678" not in html and "请留意物流，电话" in html


def test_a_case_without_messages_says_so(client, shop, team, rubric):
    case = make_case(shop, assignee=team["agent"])
    client.force_login(team["reviewer"])
    html = client.get(reverse("training:qa_case", args=[case.pk])).content.decode()
    assert "这个案件没有客服发出的回复或联系记录。" in html


def test_the_messages_cost_two_queries_however_many(
    client, shop, team, rubric, django_assert_max_num_queries
):
    short = make_case(shop, assignee=team["agent"])
    talk(short, team["agent"], contacts=1)
    long = make_case(shop, assignee=team["agent"])
    talk(long, team["agent"], contacts=40)
    client.force_login(team["reviewer"])
    client.get(reverse("training:qa_case", args=[short.pk]))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("training:qa_case", args=[short.pk]))
    budget = len(few)  # read now: the next request empties the query log
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("training:qa_case", args=[long.pk]))
    assert len(response.context["agent_messages"]) == 42
