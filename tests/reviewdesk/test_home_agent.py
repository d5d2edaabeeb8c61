"""The agent's home: their own work counted and linked to the list behind each figure, the most urgent
cases, "start my next case" (their queue's order, else claiming from the shop's unassigned queue), their
month, and no panel for work they do not do (training only when it blocks them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Case, CaseEvent, FollowUpTask
from tests.factories import CaseFactory, CompensationOfferFactory, LedgerEntryFactory

pytestmark = pytest.mark.django_db
HOME = "/"


def due_case(shop, agent, *, due_in: dt.timedelta, status="in_progress", **fields) -> Case:
    now = timezone.now()
    return CaseFactory(
        shop=shop,
        assignee=agent,
        status=status,
        first_response_due_at=now + due_in,
        first_response_warn_at=now + due_in - dt.timedelta(minutes=20),
        **fields,
    )


@pytest.fixture
def agent_world(make_user, shop, other_shop):
    agent = make_user("agent", shops=[shop])
    colleague = make_user("agent", shops=[shop])
    stranger = make_user("agent", shops=[other_shop])
    soon = due_case(shop, agent, due_in=dt.timedelta(minutes=12))
    late = due_case(shop, agent, due_in=dt.timedelta(minutes=-30))
    later = due_case(shop, agent, due_in=dt.timedelta(hours=5))
    waiting = due_case(shop, agent, due_in=dt.timedelta(hours=6), status="waiting_buyer")
    pending = due_case(shop, agent, due_in=dt.timedelta(hours=7), status="pending_approval")
    CompensationOfferFactory(case=pending, status="pending_approval", approval_role="supervisor")
    resolved = CaseFactory(shop=shop, assignee=agent, status="resolved", resolved_at=timezone.now())
    FollowUpTask.objects.create(
        case=resolved, step_ref=1, name="回访1", channel="private_message", due_at=timezone.now()
    )
    FollowUpTask.objects.create(  # next week: not today's
        case=resolved,
        step_ref=2,
        name="回访2",
        channel="private_message",
        due_at=timezone.now() + dt.timedelta(days=7),
    )
    # Noise the counts must not include: a colleague's breached case, another shop's, a closed one.
    due_case(shop, colleague, due_in=dt.timedelta(minutes=-5))
    due_case(other_shop, stranger, due_in=dt.timedelta(minutes=-5))
    due_case(shop, agent, due_in=dt.timedelta(minutes=-5), status="closed")
    return {
        "agent": agent,
        "colleague": colleague,
        "soon": soon,
        "late": late,
        "later": later,
        "waiting": waiting,
    }


def tiles(response) -> dict:
    panel = next(p for p in response.context["panels"] if p["template"] == "cases/_home_agent.html")
    return {tile["key"]: tile for tile in panel["context"]["tiles"]}, panel


def test_the_agent_home_counts_their_own_work_and_links_each_figure_to_its_list(client, agent_world):
    client.force_login(agent_world["agent"])
    response = client.get(HOME)
    found, panel = tiles(response)
    assert {key: tile["n"] for key, tile in found.items()} == {
        "soon": 1,
        "breached": 1,
        "waiting": 1,
        "follow_ups": 1,
        "approvals": 1,
    }
    assert found["waiting"]["url"] == "/cases/queue/?state=waiting_buyer"
    assert found["approvals"]["url"] == "/cases/queue/?state=pending_approval"
    assert found["breached"]["url"] == "/cases/queue/"
    assert found["follow_ups"]["url"] == "/cases/queue/#due-follow-ups"
    # The most urgent: breached first, then due soon, in the queue's order; nothing due later.
    assert [row["id"] for row in panel["context"]["urgent"]] == [
        agent_world["late"].pk,
        agent_world["soon"].pk,
    ]
    html = response.content.decode()
    assert "开始下一个案件" in html and reverse("cases:next_case") in html
    assert f'href="/cases/{agent_world["late"].pk}/"' in html


def test_the_lists_behind_the_figures_hold_what_the_figures_count(client, agent_world):
    client.force_login(agent_world["agent"])
    waiting = client.get("/cases/queue/?state=waiting_buyer").context["rows"]
    assert [row["id"] for row in waiting] == [agent_world["waiting"].pk]


def test_start_next_case_opens_the_first_case_of_my_queue_in_its_order(client, agent_world):
    client.force_login(agent_world["agent"])
    before = Case.objects.get(pk=agent_world["late"].pk).version
    response = client.post(reverse("cases:next_case"))
    assert response.status_code == 302 and response["Location"] == f"/cases/{agent_world['late'].pk}/"
    assert Case.objects.get(pk=agent_world["late"].pk).version == before  # opened, nothing written


def test_start_next_case_claims_the_most_urgent_unassigned_case_when_my_queue_is_empty(
    client, make_user, shop
):
    agent = make_user("agent", shops=[shop])
    now = timezone.now()
    calm = CaseFactory(shop=shop, first_response_due_at=now + dt.timedelta(hours=3))
    urgent = CaseFactory(shop=shop, first_response_due_at=now + dt.timedelta(minutes=3))
    client.force_login(agent)
    response = client.post(reverse("cases:next_case"))
    assert response["Location"] == f"/cases/{urgent.pk}/"
    urgent.refresh_from_db()
    calm.refresh_from_db()
    assert urgent.assignee_id == agent.pk and urgent.status == "assigned"
    assert calm.assignee_id is None and calm.status == "new"
    assert Assignment.objects.filter(case=urgent, to_user=agent).count() == 1  # claim's own log
    assert CaseEvent.objects.filter(case=urgent, action="claim", actor=agent).count() == 1


def test_start_next_case_with_nothing_to_do_says_so_and_changes_nothing(client, make_user, shop, other_shop):
    agent = make_user("agent", shops=[shop])
    elsewhere = CaseFactory(shop=other_shop)  # another shop's unassigned case is not mine to claim
    client.force_login(agent)
    response = client.post(reverse("cases:next_case"), follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "都没有案件了" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.assignee_id is None and not CaseEvent.objects.filter(case=elsewhere).exists()


def test_start_next_case_is_a_post_for_who_answers_buyers(client, make_user, shop):
    agent = make_user("agent", shops=[shop])
    hr = make_user("hr", shops=[shop])
    waiting = CaseFactory(shop=shop)
    client.force_login(agent)
    assert client.get(reverse("cases:next_case")).status_code == 405
    client.force_login(hr)
    assert client.post(reverse("cases:next_case")).status_code == 403
    waiting.refresh_from_db()
    assert waiting.assignee_id is None


def test_my_month_counts_the_ledgers_conversions_and_bonus_and_the_surveys(client, agent_world):
    from training.models import SatisfactionSurvey

    agent = agent_world["agent"]
    for n, case in enumerate([agent_world["soon"], agent_world["late"]]):
        LedgerEntryFactory(
            user=agent,
            amount=Decimal("8.00"),
            case_ref=case.pk,
            event="verified_conversion",
            key=f"conv:{case.pk}",
        )
        SatisfactionSurvey.objects.create(
            case=case, score=4 + n, answered_at=timezone.now(), recorded_by=agent, recorded_at=timezone.now()
        )
    LedgerEntryFactory(
        user=agent_world["colleague"], amount=Decimal("99"), event="verified_conversion", case_ref=1
    )
    client.force_login(agent)
    panel = next(
        p for p in client.get(HOME).context["panels"] if p["template"] == "incentives/_home_month.html"
    )
    figures = {tile["key"]: tile["n"] for tile in panel["context"]["tiles"]}
    assert figures == {"conversions": 2, "bonus": "16.00", "csat": 90.0}


def test_training_shows_once_only_when_a_missing_certification_blocks_the_agent(client, agent_world):
    from training.models import TrainingModule
    from training.services.scores import score_record

    agent = agent_world["agent"]
    client.force_login(agent)
    html = client.get(HOME).content.decode()
    # The pack requires 产品知识 of every case and 谈判技巧 of legal-level ones (not an agent's).
    assert html.count("你还没有取得认证") == 1 and "产品知识" in html and "谈判技巧" not in html
    assert reverse("training:my_scorecard") in html
    trainer = agent_world["colleague"]
    module = TrainingModule.objects.get(code="product_knowledge")
    period = f"{timezone.localdate():%Y-%m}"
    score_record(agent=agent, module=module, period=period, value="100", by=trainer, check_access=False)
    html = client.get(HOME).content.decode()
    assert "你还没有取得认证" not in html and "培训与认证" not in html  # certified: no nag at all


def test_the_shops_are_a_footer_line_not_a_panel(client, agent_world, shop):
    client.force_login(agent_world["agent"])
    html = client.get(HOME).content.decode()
    assert 'class="home-shops' in html and shop.name in html and "抖店旗舰店" not in html


def test_the_agent_home_has_no_team_board_kpis_or_period(client, agent_world):
    client.force_login(agent_world["agent"])
    templates = {p["template"] for p in client.get(HOME).context["panels"]}
    assert {"cases/_home_agent.html", "incentives/_home_month.html"} <= templates
    assert not templates & {
        "cases/_home_team.html",
        "insights/_home_panel.html",
        "incentives/_home_period.html",
    }


def test_the_agent_home_query_budget_does_not_grow_with_the_cases(
    client, agent_world, shop, django_assert_max_num_queries
):
    agent = agent_world["agent"]
    client.force_login(agent)
    client.get(HOME)
    with django_assert_max_num_queries(13) as small:
        client.get(HOME)
    for _ in range(20):
        due_case(shop, agent, due_in=dt.timedelta(minutes=-1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(HOME)


def test_a_follow_up_task_carries_its_cases_shop_and_the_count_reads_only_the_users_shops(
    client, make_user, shop, other_shop
):
    """The due follow-ups are read by shop (the partial index ``followup_open_shop_due``): a task takes
    its case's shop however it is created, and a case of a shop the agent no longer belongs to is not
    counted even while it is still assigned to them."""
    from cases.queries.home import agent_numbers
    from cases.queries.queue import due_follow_ups_for

    agent = make_user("agent", shops=[shop])
    here = CaseFactory(shop=shop, assignee=agent, status="resolved", resolved_at=timezone.now())
    there = CaseFactory(shop=other_shop, assignee=agent, status="resolved", resolved_at=timezone.now())
    tasks = [
        FollowUpTask.objects.create(case=case, step_ref=1, name="回访", channel="sms", due_at=timezone.now())
        for case in (here, there)
    ]
    assert [task.shop_id for task in tasks] == [shop.pk, other_shop.pk]
    assert agent_numbers(agent)["follow_ups"] == 1
    assert [row["case_id"] for row in due_follow_ups_for(agent)] == [here.pk]
    loner = make_user("agent", shops=[])
    assert agent_numbers(loner)["follow_ups"] == 0


@pytest.mark.usefixtures("seeded")
def test_the_resolving_schedule_stamps_the_shop_on_every_task(shop, make_user):
    from cases.workflow.followups import followups_schedule
    from policies.loader import load_policy

    case = CaseFactory(shop=shop, assignee=make_user("agent", shops=[shop]), status="resolved")
    policy = load_policy(shop=shop, platform=shop.platform)
    tasks = followups_schedule(case=case, policy=policy, now=timezone.now())
    assert tasks, "the default pack plans follow-ups"
    assert set(FollowUpTask.objects.filter(case=case).values_list("shop_id", flat=True)) == {shop.pk}
