"""The case page's survey panel (issue #21): after resolution the agent creates the chat link with a
POST and copies it; the page's query budget holds; who may not change the case gets no link."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviewdesk.hooks import case_panels
from training.models import SurveyInvitation
from training.services import survey_record
from training.surveys.links import invitation_url
from training.surveys.panel import survey_panel

from .conftest import make_case


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop], display_name="王小丽")


def page_of(client, case) -> str:
    return client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()


def test_the_agent_creates_the_chat_link_with_a_post_and_copies_it(client, shop, agent):
    case = make_case(shop, assignee=agent)
    client.force_login(agent)
    page = page_of(client, case)
    assert "生成调查链接" in page and 'id="survey-link-url"' not in page
    assert SurveyInvitation.objects.count() == 0  # a GET creates nothing

    url = reverse("training:survey_link", kwargs={"case_id": case.pk})
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{case.pk}/#survey-link")
    invitation = SurveyInvitation.objects.get()
    assert (invitation.case_id, invitation.channel, invitation.sent_by) == (case.pk, "chat", agent)
    page = page_of(client, case)
    link = invitation_url(case, channel="chat")
    assert f'value="{link}"' in page and 'data-copy-target="survey-link-url"' in page
    assert "满意度调查链接已生成" in page

    client.post(url)  # again: the same link, no second row
    assert SurveyInvitation.objects.count() == 1 and invitation_url(case, channel="chat") == link


def test_no_panel_on_an_open_case_and_no_link_for_it(client, shop, agent):
    case = make_case(shop, status="in_progress", assignee=agent)
    client.force_login(agent)
    assert 'id="survey-link"' not in page_of(client, case)
    response = client.post(reverse("training:survey_link", kwargs={"case_id": case.pk}), follow=True)
    assert "案件解决后才能发出满意度调查" in response.content.decode()
    assert SurveyInvitation.objects.count() == 0


def test_the_panel_shows_the_answer_once_given(client, shop, agent, make_user):
    case = make_case(shop, assignee=agent)
    survey_record(case=case, score=2, answered_at=timezone.now(), by=make_user("supervisor", shops=[shop]))
    client.force_login(agent)
    page = page_of(client, case)
    assert "买家满意度：2 分" in page and "人工录入" in page and "生成调查链接" not in page


@pytest.mark.parametrize("role", ["agent_b", "hr", "client_viewer"])
def test_who_may_not_change_the_case_gets_no_link(client, shop, other_shop, agent, make_user, role):
    from reviewdesk.models import Client, ClientMembership

    case = make_case(shop, assignee=agent)
    if role == "agent_b":
        user = make_user("agent", shops=[other_shop])
    elif role == "hr":
        user = make_user("hr", shops=[shop], is_staff=True)
    else:
        shop.client = Client.objects.create(code="brand", name="品牌")
        shop.save()
        user = make_user("client_viewer", is_staff=True)
        ClientMembership.objects.create(client=shop.client, user=user)
    client.force_login(user)
    response = client.post(reverse("training:survey_link", kwargs={"case_id": case.pk}))
    assert response.status_code == 404
    assert SurveyInvitation.objects.count() == 0
    if role == "client_viewer":  # reads the case, without the panel
        page = page_of(client, case)
        assert f"案件 #{case.pk}" in page and 'id="survey-link"' not in page


def test_anonymous_and_get_are_refused(client, shop, agent):
    case = make_case(shop, assignee=agent)
    url = reverse("training:survey_link", kwargs={"case_id": case.pk})
    assert client.post(url)["Location"].startswith("/accounts/login/")
    client.force_login(agent)
    assert client.get(url).status_code == 405
    assert SurveyInvitation.objects.count() == 0


def _page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as queries:
        page_of(client, case)
    return len(queries)


@pytest.mark.parametrize(("status", "cost"), [("resolved", 1), ("in_progress", 0)])
def test_the_panel_costs_the_case_page_one_query_at_most(
    client, shop, agent, django_assert_max_num_queries, status, cost
):
    """The case page's budget (tests/cases/test_workspace_pages.py) is shared by every app's panel:
    this one reads the survey and the chat link in one query, and nothing for an open case."""
    case = make_case(shop, status=status, assignee=agent)
    if status == "resolved":
        invitation_url(case, channel="chat")
    client.force_login(agent)
    page_of(client, case)  # the policy cache and the session, warm
    case_panels.unregister(survey_panel)
    try:
        without = _page_queries(client, case)
    finally:
        case_panels.register(survey_panel)
    with django_assert_max_num_queries(without + cost):
        page = page_of(client, case)
    assert ('id="survey-link-url"' in page) == (status == "resolved")
    if cost:
        with pytest.raises(pytest.fail.Exception):
            with django_assert_max_num_queries(without + cost - 1):
                page_of(client, case)
