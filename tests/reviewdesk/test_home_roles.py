"""The supervisor's and HR's homes: the team board (load per agent, breaches, approvals waiting,
unassigned cases with routing's reasons) and the period to lock with what blocks it; each within the
user's shops, each within a query budget that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Assignment
from tests.factories import CaseFactory, CompensationOfferFactory, LedgerEntryFactory

pytestmark = pytest.mark.django_db
HOME = "/"


def panel_of(response, template: str) -> dict:
    return next(p for p in response.context["panels"] if p["template"] == template)["context"]


@pytest.fixture
def team(make_user, shop, other_shop):
    now = timezone.now()
    supervisor = make_user("supervisor", shops=[shop])
    busy = make_user("agent", shops=[shop], display_name="忙碌", max_open_cases=3)
    calm = make_user("agent", shops=[shop], display_name="清闲")
    stranger = make_user("agent", shops=[other_shop], display_name="别店")
    late = dict(first_response_due_at=now - dt.timedelta(minutes=10))
    for _ in range(3):
        CaseFactory(shop=shop, assignee=busy, status="in_progress", **late)
    CaseFactory(
        shop=shop, assignee=calm, status="in_progress", first_response_due_at=now + dt.timedelta(hours=2)
    )
    CaseFactory(shop=other_shop, assignee=stranger, status="in_progress", **late)
    waiting = CaseFactory(shop=shop, first_response_due_at=now + dt.timedelta(minutes=20))
    Assignment.objects.create(case=waiting, to_user=None, reason="没有可分配的客服：清闲已满", created_at=now)
    offer_case = CaseFactory(shop=shop, assignee=calm, status="pending_approval")
    CompensationOfferFactory(case=offer_case, status="pending_approval", approval_role="supervisor")
    legal_case = CaseFactory(shop=shop, assignee=calm, status="pending_approval")
    CompensationOfferFactory(case=legal_case, status="pending_approval", approval_role="legal")
    elsewhere = CaseFactory(shop=other_shop, assignee=stranger, status="pending_approval")
    CompensationOfferFactory(case=elsewhere, status="pending_approval", approval_role="supervisor")
    return {"supervisor": supervisor, "busy": busy, "calm": calm, "stranger": stranger, "waiting": waiting}


def test_the_team_board_shows_load_breaches_approvals_and_why_cases_wait(client, team):
    client.force_login(team["supervisor"])
    response = client.get(HOME)
    board = panel_of(response, "cases/_home_team.html")
    members = {m["name"]: (m["open"], m["breached"], m["cap"], m["full"]) for m in board["members"]}
    assert members["忙碌"] == (3, 3, 3, True)
    assert members["清闲"][:2] == (3, 0)  # its in-progress case and the two waiting for approval
    assert "别店" not in members  # another shop's agent
    assert board["members"][0]["name"] == "忙碌"  # most breaches first
    assert {t["key"]: t["n"] for t in board["tiles"]} == {"breached": 3, "unassigned": 1, "approvals": 1}
    assert [(row["id"], row["unassigned_reason"]) for row in board["unassigned"]] == [
        (team["waiting"].pk, "没有可分配的客服：清闲已满")
    ]
    html = response.content.decode()
    for url in ("/cases/queue/breached/", "/cases/queue/shop/", "/cases/approvals/", "/cases/team/"):
        assert f'href="{url}' in html
    assert f"/cases/queue/all/?assignee={team['busy'].pk}" in html
    assert "没有可分配的客服：清闲已满" in html


def test_the_supervisors_home_has_no_agent_queue_panel_money_or_training(client, team):
    client.force_login(team["supervisor"])
    templates = {p["template"] for p in client.get(HOME).context["panels"]}
    assert not templates & {
        "cases/_home_agent.html",
        "incentives/_home_month.html",
        "training/_home_panel.html",
        "incentives/_home_period.html",
    }


def test_the_team_board_costs_the_same_queries_for_two_agents_or_ten(
    client, team, make_user, shop, django_assert_max_num_queries
):
    client.force_login(team["supervisor"])
    client.get(HOME)
    with django_assert_max_num_queries(12) as before:
        client.get(HOME)
    for _ in range(8):
        agent = make_user("agent", shops=[shop])
        CaseFactory(shop=shop, assignee=agent, status="in_progress")
        CaseFactory(shop=shop)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(HOME)


@pytest.fixture
def hr_world(make_user, shop):
    hr = make_user("hr", shops=[shop])
    colleague = make_user("hr", shops=[shop])
    agent = make_user("agent", shops=[shop])
    case = CaseFactory(shop=shop, assignee=agent, status="resolved")
    return {"hr": hr, "colleague": colleague, "agent": agent, "case": case}


def test_hr_sees_the_month_to_lock_and_that_it_has_not_ended(client, hr_world):
    from incentives.services.periods import posting_period

    period = posting_period()
    LedgerEntryFactory(user=hr_world["agent"], amount=Decimal("5"), case_ref=hr_world["case"].pk)
    client.force_login(hr_world["hr"])
    response = client.get(HOME)
    status = panel_of(response, "incentives/_home_period.html")["status"]
    assert status["code"] == period.code and not status["ended"]
    assert len(status["blockers"]) == 1 and "才结束" in status["blockers"][0]
    assert (status["entries"], status["negatives"], status["disputes"]) == (1, 0, 0)
    assert f'href="/incentives/periods/{period.pk}/"' in response.content.decode()


def test_an_ended_month_shows_the_four_eyes_block_negatives_and_disputes(client, hr_world):
    from incentives.models import Dispute, Period
    from incentives.services.ledger import entry_post
    from incentives.services.periods import period_ensure

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    period = period_ensure(year=last.year, month=last.month)
    Period.objects.filter(status="open").exclude(pk=period.pk).filter(
        year__lt=last.year
    ).delete()  # older empty months would come first
    award = LedgerEntryFactory(
        user=hr_world["agent"], amount=Decimal("5"), case_ref=hr_world["case"].pk, period=period
    )
    entry_post(
        user=hr_world["agent"],
        unit="cny",
        kind="adjustment",
        amount=Decimal("-20"),
        key="adj:1",
        period=period,
        case_ref=hr_world["case"].pk,
        created_by=hr_world["hr"],
    )
    Dispute.objects.create(entry=award, raised_by=hr_world["agent"], reason="少算了")
    client.force_login(hr_world["hr"])
    status = panel_of(client.get(HOME), "incentives/_home_period.html")["status"]
    assert status["code"] == period.code and status["ended"]
    assert status["blockers"] == ["你在本期间做过调整分录，按四眼原则须由另一位同事锁定。"]
    assert (status["negatives"], status["disputes"]) == (1, 1)
    client.force_login(hr_world["colleague"])  # the colleague made no adjustment: nothing blocks them
    status = panel_of(client.get(HOME), "incentives/_home_period.html")["status"]
    assert status["blockers"] == [] and status["code"] == period.code


def test_hr_home_has_no_case_panel_and_a_stable_budget(client, hr_world, django_assert_max_num_queries):
    LedgerEntryFactory(user=hr_world["agent"], amount=Decimal("-5"), case_ref=hr_world["case"].pk)
    client.force_login(hr_world["hr"])
    client.get(HOME)
    with django_assert_max_num_queries(12):
        response = client.get(HOME)
    templates = {p["template"] for p in response.context["panels"]}
    assert templates == {"incentives/_home_period.html"}
    assert "/cases/queue/" not in response.content.decode()


def test_a_client_viewer_gets_no_work_panel(client, make_user, shop):
    viewer = make_user("client_viewer", shops=[shop])
    client.force_login(viewer)
    response = client.get(HOME)
    assert response.status_code == 200 and response.context["panels"] == []
