"""The case page leads: one action area with the state's next sensible steps first, each a named button
(never a bare "提交"); destructive or rare steps (mark malicious, reopen, close before resolution) apart
under "更多操作", each confirmed — without JavaScript too: the server runs one only with its box ticked.
Macros cost the page no query once their list is warm."""

import datetime as dt
import re

import pytest
from django.db.models import F
from django.urls import reverse

from cases.choices import CaseStatus
from cases.models import Case
from cases.workflow.macros import clear_macro_cache
from policies.models import Macro, ReplyTemplate
from tests.cases.workspace_support import snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def supervisor(make_user, shop):
    return make_user("supervisor", shops=[shop])


def page(client, case):
    return client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))


def steps(response) -> list[tuple[str, str]]:
    return [(s["action"], s["label"]) for s in response.context["steps"]]


def buttons(html: str) -> list[str]:
    """The text of every button of the page."""
    return [re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]


def act(client, case, action, **data):
    case.refresh_from_db()
    data.setdefault("version", case.version)
    return client.post(reverse("cases:case_action", kwargs={"pk": case.pk, "action": action}), data)


def test_a_fresh_case_leads_with_contact_and_keeps_mark_malicious_apart(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)

    response = page(client, case)

    assert steps(response)[:2] == [("record_contact", "记录联系"), ("public_reply", "回复评价")]
    assert response.context["steps"][0]["first"] is True
    assert [s["action"] for s in response.context["more_actions"]] == ["mark_malicious"]
    html = response.content.decode()
    lead, more = html.split('id="more-actions"')
    assert "act/mark_malicious/" not in lead  # the red button is no longer first
    assert 'action="/cases/%d/act/mark_malicious/"' % case.pk in more
    assert 'name="confirm" value="1" required' in more and "我确认要标记恶意" in more
    assert "提交" not in buttons(html)
    assert {"记录联系", "回复评价", "标记恶意"} <= set(buttons(html))


def test_a_verified_case_leads_with_the_offer_then_resolution(client, shop, agent):
    case = triaged_case(
        shop,
        assignee=agent,
        status=CaseStatus.VERIFIED,
        amount="59.00",
        contact_attempts=1,
        verified_at=dt.datetime(2026, 6, 2, tzinfo=dt.UTC),
        responsibility="merchant",
    )
    client.force_login(agent)

    response = page(client, case)

    assert [a for a, _label in steps(response)][:2] == ["offer", "resolve"]
    assert dict(steps(response))["resolve"] == "结案"
    html = response.content.decode()
    assert re.search(
        r'id="action-offer".*?<button type="submit" class="primary">提出补偿</button>', html, re.S
    )


def test_closing_is_the_last_ordinary_step_of_a_resolved_case_but_reopening_is_rare(
    client, shop, agent, supervisor
):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.RESOLVED)
    client.force_login(agent)
    assert ("close", "关闭案件") in steps(page(client, case))

    client.force_login(supervisor)
    response = page(client, case)
    assert [s["action"] for s in response.context["more_actions"]] == ["reopen"]
    assert "close" in [a for a, _label in steps(response)]


def test_a_rare_step_without_its_box_ticked_is_not_run_and_says_why(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    before = snapshot(case.pk)

    response = act(client, case, "mark_malicious", note="要挟返现")

    assert response.status_code == 400
    assert (
        response.context["refusal"]["message"] == "请勾选“我确认要标记恶意”后再操作；这一步不常用或不可撤回。"
    )
    html = response.content.decode()
    assert '<details class="more-actions" id="more-actions" open>' in html  # the form is shown again
    assert "要挟返现" in html  # with what was typed
    assert snapshot(case.pk) == before

    done = act(client, case, "mark_malicious", note="要挟返现", confirm="1")
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.MALICIOUS


def test_a_supervisors_close_of_an_open_case_needs_the_box_too(client, shop, agent, supervisor):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(supervisor)
    before = snapshot(case.pk)
    assert act(client, case, "close", note="重复案件").status_code == 400
    assert snapshot(case.pk) == before
    assert act(client, case, "close", note="重复案件", confirm="1").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_an_unconfirmed_rare_step_on_a_stale_page_gets_the_stale_answer(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    seen = case.version
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # someone else acted meanwhile
    before = snapshot(case.pk)
    response = act(client, case, "mark_malicious", note="旧页面", version=seen)
    assert response.status_code == 409 and response.context["refusal"]["stale"] is True
    assert snapshot(case.pk) == before


def test_the_page_offers_copy_buttons_shortcuts_and_the_claim_key(client, shop, agent, make_user):
    case = triaged_case(shop, status=CaseStatus.NEW)
    client.force_login(agent)
    html = page(client, case).content.decode()
    assert '<button type="submit" class="primary" data-shortcut="c">认领</button>' in html
    assert 'id="shortcut-help"' in html and "<kbd>j</kbd>" in html

    mine = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    html = page(client, mine).content.decode()
    assert 'data-copy-target="text-public_reply">复制回复</button>' in html
    assert 'data-copy-target="text-record_contact">复制话术</button>' in html


def test_macros_are_listed_where_a_reply_may_be_written_and_cost_no_query_once_warm(
    client, shop, agent, django_assert_num_queries, django_assert_max_num_queries
):
    clear_macro_cache()
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(agent)
    page(client, case)
    with django_assert_max_num_queries(20) as without:
        page(client, case)
    budget = len(without)  # now: the next request empties the query log
    template = ReplyTemplate.objects.filter(shop=None, client=None, channel="public_reply").first()
    for name in ("致歉", "致歉 + 5元券", "解释物流"):
        Macro.objects.create(name=name, reply_template=template)
    page(client, case)  # the stamp moved: the list is read once

    with django_assert_num_queries(budget):
        response = page(client, case)

    assert [m["name"] for m in response.context["macros"]] == ["致歉", "致歉 + 5元券", "解释物流"]
    viewer = triaged_case(shop, status=CaseStatus.CLOSED)
    assert page(client, viewer).context["macros"] == []  # nothing to write there
