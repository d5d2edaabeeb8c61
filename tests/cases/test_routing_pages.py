"""Routing on the web and the API: the unassigned queues show why each case waits (in a number of
queries that does not grow with the rows), the picker lists eligible people first with their load
and the others with the reason (selectable only by the override box when a supervisor may override),
and the web form, bulk assignment and the API all go through ``case_reassign``: the same override
rule, the same refusals, nothing changed when refused."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import CaseStatus, WorkflowAction
from cases.hooks import certification_checks
from cases.models import Assignment, CaseEvent
from cases.routing.assign import route_cases
from tests.cases.api_cases_support import session_client
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db

FULL = "张三 · 2/2 — 在办已达上限 2/2（需越权分配）"


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def boss(make_user, shop):
    return make_user("supervisor", shops=[shop], display_name="周主管")


@pytest.fixture
def full(make_user, shop):
    person = make_user("agent", shops=[shop], display_name="张三", max_open_cases=2)
    for _ in range(2):
        make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=person)
    return person


def waiting(shop, n: int) -> list:
    """n new cases routing found nobody for (the shop's only agent is at their cap)."""
    cases = [make_case(shop) for _ in range(n)]
    route_cases(case_ids=[c.pk for c in cases])
    return cases


def queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


# --- The unassigned queues show why -----------------------------------------------------------


def test_the_shop_queue_shows_each_cases_reason_in_queries_that_do_not_grow(client, shop, full, boss):
    client.force_login(boss)
    url = reverse("cases:queue_shop")
    waiting(shop, 2)
    few, page = queries(client, url)
    assert page.count("店铺有 1 名在职“客服”，均不可分配：张三（在办已达上限 2/2）。") == 2
    waiting(shop, 10)
    many, page = queries(client, url)
    assert page.count("张三（在办已达上限 2/2）") == 12
    assert many == few and many <= 11


def test_the_team_page_shows_each_cases_reason_in_queries_that_do_not_grow(client, shop, full, boss):
    client.force_login(boss)
    url = reverse("cases:team_load")
    first = waiting(shop, 2)
    few, page = queries(client, url)
    waiting(shop, 10)
    many, page = queries(client, url)
    assert many == few and many <= 12
    reasons = re.findall(r'<td class="unassigned-reason">([^<]*)</td>', page)
    assert len(reasons) == 12
    assert all("张三（在办已达上限 2/2）" in r for r in reasons)
    response = client.get(url)
    (row,) = [r for r in response.context["unassigned"] if r["id"] == first[0].pk]
    assert row["unassigned_reason"].startswith("店铺有 1 名在职“客服”，均不可分配：")


# --- The picker ---------------------------------------------------------------------------------


def picker(client, case) -> str:
    response = client.get(reverse("cases:case_reassign_form", kwargs={"pk": case.pk}))
    assert response.status_code == 200
    return response.content.decode()


def options(html: str) -> list[tuple[str, str]]:
    return [(attrs, label) for attrs, label in re.findall(r"<option([^>]*)>([^<]*)</option>", html)]


def test_the_picker_lists_eligible_people_first_with_their_load(
    client, shop, other_shop, full, boss, make_user
):
    make_user("agent", shops=[shop], display_name="闲人")
    make_user("legal", shops=[shop], display_name="赵律")
    case = make_case(shop)
    client.force_login(boss)

    html = picker(client, case)

    listed = options(html)
    assert [label for _attrs, label in listed] == [
        "闲人 · 0/30",
        FULL,
        "周主管 · 0/30 — 没有“客服”角色",
        "赵律 · 0/30 — 没有“客服”角色",
    ]
    assert "disabled" not in listed[0][0]
    assert "disabled" in listed[1][0] and 'data-overridable="1"' in listed[1][0]
    assert "disabled" in listed[3][0] and "data-overridable" not in listed[3][0]
    assert 'name="override"' in html and "data-assign-override" in html


def test_a_manager_sees_no_override_box_and_cannot_pick_a_full_desk(client, shop, full, make_user):
    manager = make_user("manager", shops=[shop])
    case = make_case(shop)
    client.force_login(manager)
    html = picker(client, case)
    (attrs, _label) = [o for o in options(html) if o[1] == FULL][0]
    assert "disabled" in attrs and "data-overridable" not in attrs
    assert 'name="override"' not in html


# --- The web form ---------------------------------------------------------------------------------


def test_a_supervisor_overrides_the_cap_through_the_form_and_the_case_page_shows_it(client, shop, full, boss):
    case = make_case(shop)
    client.force_login(boss)
    done = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": full.pk, "version": case.version, "override": "on", "reason": "张三熟悉这个商品"},
        follow=True,
    )
    page = done.content.decode()
    assert f"案件 #{case.pk} 已分配给 张三。" in page
    case.refresh_from_db()
    assert case.assignee == full
    assert "越权分配" in page and "张三：在办已达上限 2/2" in page and "张三熟悉这个商品" in page


@pytest.mark.parametrize("role", ["agent", "legal", "manager"])
def test_no_one_else_overrides_through_the_form(client, shop, full, make_user, role):
    by = make_user(role, shops=[shop])
    case = make_case(shop)
    client.force_login(by)
    done = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": full.pk, "version": case.version, "override": "on", "reason": "人手不够"},
        follow=True,
    )
    page = done.content.decode()
    assert "可以越权分配" in page or "可以改派案件" in page
    case.refresh_from_db()
    assert (case.assignee, case.version) == (None, 1)
    assert not Assignment.objects.filter(case=case).exists()


def test_another_shops_supervisor_cannot_reach_the_case(client, shop, other_shop, full, make_user):
    stranger = make_user("supervisor", shops=[other_shop])
    case = make_case(shop)
    client.force_login(stranger)
    response = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": full.pk, "version": case.version, "override": "on", "reason": "x"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.assignee is None


# --- Bulk assignment from the team page ---------------------------------------------------------


def test_bulk_assign_with_override_from_the_team_page(client, shop, full, boss):
    first, second = make_case(shop), make_case(shop)
    client.force_login(boss)
    url = reverse("cases:bulk_assign")

    refused = client.post(url, {"cases": [first.pk, second.pk], "user": full.pk}, follow=True)
    assert "没有分配：张三不能接这个案件：在办已达上限 2/2。" in refused.content.decode()
    assert not Assignment.objects.exists()

    done = client.post(
        url,
        {"cases": [first.pk, second.pk], "user": full.pk, "override": "on", "reason": "专人跟进这批"},
        follow=True,
    )
    assert "2 个案件已分配给 张三。" in done.content.decode()
    assert CaseEvent.objects.filter(action=WorkflowAction.ASSIGN, actor=boss).count() == 2
    assert {c.assignee for c in (first, second) if c.refresh_from_db() is None} == {full}


def test_bulk_assign_of_another_shops_cases_changes_nothing(client, shop, other_shop, full, make_user):
    stranger = make_user("supervisor", shops=[other_shop])
    case = make_case(shop)
    client.force_login(stranger)
    done = client.post(
        reverse("cases:bulk_assign"),
        {"cases": [case.pk], "user": full.pk, "override": "on", "reason": "x"},
        follow=True,
    )
    assert "没有这个用户或案件。" in done.content.decode()
    case.refresh_from_db()
    assert case.assignee is None and not Assignment.objects.exists()


# --- The API --------------------------------------------------------------------------------------


def assign_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/assign/"


def test_the_api_assigns_with_override_like_the_form(shop, full, boss):
    case = make_case(shop)
    api = session_client(boss)

    response = api.post(
        assign_url(case),
        {"version": 1, "user_id": full.pk, "override": True, "reason": "熟悉商品"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    event = CaseEvent.objects.get(case=case, action=WorkflowAction.ASSIGN)
    (answered,) = [e for e in response.json()["timeline"] if e["id"] == event.pk]
    assert answered["payload"]["override"] == ["张三：在办已达上限 2/2"]  # stored neutral, read as text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"version": 1}, 400, "override_required"),
        ({"version": 1, "override": True}, 400, "override_reason_required"),
        ({"version": 9, "override": True, "reason": "x"}, 409, "stale_case"),
    ],
)
def test_the_api_refuses_like_the_service_and_changes_nothing(shop, full, boss, body, status, code):
    case = make_case(shop)
    response = session_client(boss).post(assign_url(case), {"user_id": full.pk, **body}, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    case.refresh_from_db()
    assert (case.assignee, case.version) == (None, 1)


@pytest.mark.parametrize(
    ("role", "code"), [("agent", "reassign_not_allowed"), ("manager", "override_not_allowed")]
)
def test_the_api_refuses_an_override_by_anyone_but_a_supervisor(shop, full, make_user, role, code):
    case = make_case(shop)
    api = session_client(make_user(role, shops=[shop]))
    response = api.post(
        assign_url(case), {"version": 1, "user_id": full.pk, "override": True, "reason": "x"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, code)
    case.refresh_from_db()
    assert case.assignee is None and not Assignment.objects.exists()


def test_the_api_lists_who_could_take_a_case(shop, full, boss, make_user):
    idle = make_user("agent", shops=[shop], display_name="闲人")
    case = make_case(shop)
    body = session_client(boss).get(f"/api/v1/cases/{case.pk}/assignees/").json()
    assert [(p["user_id"], p["eligible"], p["overridable"], p["problems"]) for p in body[:2]] == [
        (idle.pk, True, False, []),
        (full.pk, False, True, ["at_cap"]),
    ]
    assert body[1]["reason"] == "在办已达上限 2/2" and (body[1]["open_cases"], body[1]["cap"]) == (2, 2)
    agent_view = session_client(idle).get(f"/api/v1/cases/{case.pk}/assignees/")
    assert agent_view.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"cases": ["²", "9" * 30, "-1"], "user": "1"},
        {"cases": ["1"], "user": "9" * 5000},
        {"cases": ["1"], "user": "abc"},
        {},
    ],
)
def test_bulk_assign_with_bad_input_says_so_and_changes_nothing(client, shop, boss, body):
    case = make_case(shop)
    client.force_login(boss)
    done = client.post(reverse("cases:bulk_assign"), body, follow=True)
    assert done.status_code == 200
    assert "请勾选案件并选择分配给谁。" in done.content.decode()
    case.refresh_from_db()
    assert case.assignee is None and not Assignment.objects.exists()


def test_reassign_to_an_id_no_user_can_have_says_so(client, shop, boss):
    case = make_case(shop)
    client.force_login(boss)
    done = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": "9" * 25, "version": 1},
        follow=True,
    )
    assert "没有这个用户。" in done.content.decode()
    case.refresh_from_db()
    assert case.assignee is None
