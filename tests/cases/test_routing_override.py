"""Routing never dead-ends: a case nobody may take records who could have and why (in the routing log
and on the timeline); a supervisor of the shop may assign past a full desk or a lapsed certification
with an explicit override and a reason, recorded on the timeline; nobody else may, and nobody may
assign past a person's role or shop. One service (``case_reassign``) decides for every path."""

import pytest
from django.core.exceptions import ValidationError

from cases.choices import CaseStatus, WorkflowAction
from cases.hooks import certification_checks
from cases.models import Assignment, Case, CaseEvent, Notification
from cases.queries.case_page import timeline
from cases.routing.assign import (
    RoutingError,
    case_reassign,
    cases_assign_bulk,
    route_cases,
    unassigned_reason,
)
from cases.routing.eligibility import standings_for_case
from reviewdesk.i18n_text import render_text, render_values
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db

LAPSED = "“售后话术”认证已过期：2026-09 的成绩只在 2026-10-31 之前有效"  # the hook's full stop is dropped


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    """Start every test with an empty hook (the training app registers its own check)."""
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def lapsed(make_user, shop):
    """An agent whose certification has lapsed (the hook says so, with the date)."""
    person = make_user("agent", shops=[shop], display_name="李娜")
    certification_checks.register(lambda user, **kw: f"{LAPSED}。" if user.pk == person.pk else None)
    return person


@pytest.fixture
def full(make_user, shop):
    """An agent at their cap (2 open cases of 2)."""
    person = make_user("agent", shops=[shop], display_name="张三", max_open_cases=2)
    for _ in range(2):
        make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=person)
    return person


@pytest.fixture
def boss(make_user, shop):
    return make_user("supervisor", shops=[shop], display_name="周主管")


def events(case, action):
    return list(CaseEvent.objects.filter(case=case, action=action).order_by("pk"))


def unchanged(case, assignee=None, version=1):
    case.refresh_from_db()
    return (case.assignee, case.version) == (assignee, version)


# --- Routing that finds nobody says why, per candidate ----------------------------------------


def test_a_case_nobody_may_take_records_each_candidate_and_why_on_the_timeline(shop, full, lapsed):
    case = make_case(shop)

    outcome = route_cases(case_ids=[case.pk])

    reason = f"店铺有 2 名在职“客服”，均不可分配：张三（在办已达上限 2/2）；李娜（认证未通过：{LAPSED}）。"
    assert outcome.unassigned == {case.pk: reason}
    assert unchanged(case)
    (row,) = Assignment.objects.filter(case=case)
    assert (row.to_user, render_text(row.reason)) == (None, reason)  # stored language-neutral
    assert render_values(row.refusals) == [
        {
            "user_id": full.pk,
            "name": "张三",
            "load": "2/2",
            "problems": ["at_cap"],
            "reason": "在办已达上限 2/2",
        },
        {
            "user_id": lapsed.pk,
            "name": "李娜",
            "load": "0/30",
            "problems": ["certification"],
            "reason": f"认证未通过：{LAPSED}",
        },
    ]
    (event,) = events(case, WorkflowAction.NOT_ROUTED)
    assert (event.actor, event.from_status, event.to_status, event.version) == (None, "new", "new", 1)
    assert render_values(event.payload["note"]) == reason
    assert [c["name"] for c in event.payload["candidates"]] == ["张三", "李娜"]
    (line,) = [e for e in timeline(case) if e["action"] == "无人可分配"]
    assert (line["actor"], line["details"]) == ("系统", [("说明", reason)])


def test_a_shop_without_the_role_lists_its_other_members_as_not_having_it(shop, make_user):
    make_user("legal", shops=[shop], display_name="赵律")
    case = make_case(shop, handling_role="agent")
    route_cases(case_ids=[case.pk])
    assert unassigned_reason(case_id=case.pk) == "店铺没有在职的“客服”成员：赵律（没有“客服”角色）。"
    (row,) = Assignment.objects.filter(case=case)
    assert row.refusals[0]["problems"] == ["wrong_role"]


def test_automatic_assignment_is_on_the_timeline_too(shop, make_user):
    agent = make_user("agent", shops=[shop], display_name="王五")
    case = make_case(shop)
    route_cases(case_ids=[case.pk])
    (event,) = events(case, WorkflowAction.ASSIGN)
    assert (event.actor, event.from_status, event.to_status, event.version) == (
        None,
        "new",
        "assigned",
        2,
    )
    assert render_values(event.payload) == {"assignee": "王五", "note": "自动分配"}
    case.refresh_from_db()
    assert case.assignee == agent


def test_a_later_successful_assignment_clears_the_queue_reason(shop, full, boss, make_user):
    case = make_case(shop)
    route_cases(case_ids=[case.pk])
    assert unassigned_reason(case_id=case.pk) is not None
    fresh = make_user("agent", shops=[shop])
    case_reassign(case=case, user=fresh, by=boss)
    assert unassigned_reason(case_id=case.pk) is None


# --- The supervisor's override ------------------------------------------------------------------


def test_a_supervisor_assigns_past_the_cap_with_override_and_reason_on_the_timeline(shop, full, boss):
    case = make_case(shop)

    updated = case_reassign(case=case, user=full, by=boss, reason="大促值班，张三熟悉这个商品", override=True)

    assert (updated.assignee, updated.status, updated.version) == (full, CaseStatus.ASSIGNED, 2)
    row = Assignment.objects.get(case=case, to_user=full)
    assert (row.by, row.reason) == (boss, "大促值班，张三熟悉这个商品")
    assert row.overridden == [{"problem": "at_cap", "reason": "在办已达上限 2/2"}]
    (event,) = events(case, WorkflowAction.ASSIGN)
    assert (event.actor, event.from_status, event.to_status, event.version) == (boss, "new", "assigned", 2)
    assert render_values(event.payload) == {
        "assignee": "张三",
        "note": "大促值班，张三熟悉这个商品",
        "override": ["张三：在办已达上限 2/2"],
    }
    (line,) = [e for e in timeline(case) if e["action"] == "分配"]
    assert line["actor"] == "周主管"
    assert dict(line["details"]) == {  # jsonb keeps no key order: compared as a mapping
        "分配给": "张三",
        "说明": "大促值班，张三熟悉这个商品",
        "越权分配": "张三：在办已达上限 2/2",
    }
    assert Notification.objects.filter(user=full, case=case).count() == 1


def test_a_supervisor_assigns_past_a_lapsed_certification_with_override(shop, lapsed, boss, make_user):
    first = make_user("agent", shops=[shop], display_name="原处理人")
    case = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=first)

    case_reassign(case=case, user=lapsed, by=boss, reason="补考已安排，先接手", override=True)

    case.refresh_from_db()
    assert (case.assignee, case.status) == (lapsed, CaseStatus.IN_PROGRESS)
    (event,) = events(case, WorkflowAction.ASSIGN)
    assert render_values(event.payload["override"]) == [f"李娜：认证未通过：{LAPSED}"]
    assert event.payload["previous_assignee"] == "原处理人"


def test_without_the_override_box_the_refusal_says_a_supervisor_could_override(shop, full, boss):
    case = make_case(shop)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=full, by=boss, reason="想越权")
    assert exc.value.code == RoutingError.OVERRIDE_REQUIRED
    assert exc.value.messages == [
        "张三不能接这个案件：在办已达上限 2/2。客服主管可以勾选“越权分配”并写明原因后分配。"
    ]
    assert unchanged(case) and not events(case, WorkflowAction.ASSIGN)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(shop, full, boss, reason):
    case = make_case(shop)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=full, by=boss, reason=reason, override=True)
    assert exc.value.code == RoutingError.OVERRIDE_REASON_REQUIRED
    assert exc.value.messages == ["越权分配必须写明原因（在办已达上限 2/2）。"]
    assert unchanged(case) and Assignment.objects.filter(case=case).count() == 0


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("outsider", "外店不能接这个案件：不是本店铺成员。"),
        ("legal", "赵律不能接这个案件：没有“客服”角色。"),
        ("inactive", "停用不能接这个案件：账号已停用。"),
    ],
)
def test_nobody_overrides_a_persons_role_or_shop(shop, other_shop, boss, make_user, who, message):
    target = {
        "outsider": lambda: make_user("agent", shops=[other_shop], display_name="外店"),
        "legal": lambda: make_user("legal", shops=[shop], display_name="赵律"),
        "inactive": lambda: make_user("agent", shops=[shop], display_name="停用", is_active=False),
    }[who]()
    case = make_case(shop)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=target, by=boss, reason="我说可以", override=True)
    assert exc.value.code == RoutingError.NOT_ELIGIBLE
    assert exc.value.messages == [message]
    assert unchanged(case) and Assignment.objects.filter(case=case).count() == 0


ASSIGN_REFUSED = "只有本店铺的客服主管或运营经理可以改派案件。"
OVERRIDE_REFUSED = "张三不能接这个案件：在办已达上限 2/2。只有本店铺的客服主管可以越权分配。"


@pytest.mark.parametrize(
    ("role", "in_shop", "code", "message"),
    [
        ("agent", True, RoutingError.NOT_ALLOWED, ASSIGN_REFUSED),
        ("legal", True, RoutingError.NOT_ALLOWED, ASSIGN_REFUSED),
        ("hr", True, RoutingError.NOT_ALLOWED, ASSIGN_REFUSED),
        ("policy_owner", True, RoutingError.NOT_ALLOWED, ASSIGN_REFUSED),
        ("manager", True, RoutingError.OVERRIDE_NOT_ALLOWED, OVERRIDE_REFUSED),
        ("supervisor", False, RoutingError.NOT_ALLOWED, ASSIGN_REFUSED),  # another shop's supervisor
    ],
)
def test_only_a_supervisor_of_the_shop_may_override(
    shop, other_shop, full, make_user, role, in_shop, code, message
):
    by = make_user(role, shops=[shop] if in_shop else [other_shop])
    case = make_case(shop)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=full, by=by, reason="人手不够", override=True)
    assert (exc.value.code, exc.value.messages) == (code, [message])
    assert unchanged(case)
    assert Assignment.objects.filter(case=case).count() == 0
    assert not events(case, WorkflowAction.ASSIGN)


def test_a_manager_still_assigns_within_the_rules(shop, make_user):
    manager = make_user("manager", shops=[shop])
    agent = make_user("agent", shops=[shop])
    case = make_case(shop)
    case_reassign(case=case, user=agent, by=manager, override=True)  # nothing to override: ignored
    case.refresh_from_db()
    assert case.assignee == agent
    assert Assignment.objects.get(case=case).overridden == []


def test_an_eligible_person_needs_no_override_and_none_is_recorded(shop, boss, make_user):
    agent = make_user("agent", shops=[shop])
    case = make_case(shop)
    case_reassign(case=case, user=agent, by=boss)
    (event,) = events(case, WorkflowAction.ASSIGN)
    assert "override" not in event.payload
    assert render_values(event.payload["note"]) == "主管改派"


# --- Bulk assignment: the same service per case -----------------------------------------------


def test_bulk_assign_fills_a_desk_then_refuses_the_rest_unless_overridden(shop, boss, make_user):
    agent = make_user("agent", shops=[shop], display_name="孙七", max_open_cases=2)
    make_case(shop, status=CaseStatus.ASSIGNED, assignee=agent)
    first, second, third = (make_case(shop) for _ in range(3))

    outcome = cases_assign_bulk(cases=[first, second, third], user=agent, by=boss)

    assert outcome.assigned == [first.pk]
    assert outcome.refused == {
        pk: "孙七不能接这个案件：在办已达上限 2/2。客服主管可以勾选“越权分配”并写明原因后分配。"
        for pk in (second.pk, third.pk)
    }
    assert unchanged(second) and unchanged(third)

    second.refresh_from_db()
    third.refresh_from_db()
    overridden = cases_assign_bulk(
        cases=[second, third], user=agent, by=boss, reason="孙七负责这批退货", override=True
    )
    assert overridden.assigned == [second.pk, third.pk] and overridden.refused == {}
    assert Case.objects.filter(assignee=agent, status__in=["assigned"]).count() == 4


def test_bulk_assign_by_someone_who_may_not_changes_nothing(shop, full, make_user):
    agent = make_user("agent", shops=[shop])
    cases = [make_case(shop) for _ in range(2)]
    outcome = cases_assign_bulk(cases=cases, user=full, by=agent, reason="x", override=True)
    assert outcome.assigned == [] and set(outcome.refused) == {c.pk for c in cases}
    assert all(unchanged(c) for c in cases)


# --- The picker's standings ---------------------------------------------------------------------


def test_standings_list_eligible_people_first_with_load_then_overridable_then_the_rest(
    shop, other_shop, full, lapsed, make_user
):
    busy = make_user("agent", shops=[shop], display_name="钱多")
    make_case(shop, status=CaseStatus.ASSIGNED, assignee=busy)
    make_user("agent", shops=[shop], display_name="闲人")
    make_user("legal", shops=[shop], display_name="赵律")
    make_user("agent", shops=[other_shop], display_name="外店")
    case = make_case(shop)

    standings = standings_for_case(case=case, shop_ids=[shop.pk, other_shop.pk])

    assert [s.label for s in standings] == [
        "闲人 · 0/30",
        "钱多 · 1/30",
        f"李娜 · 0/30 — 认证未通过：{LAPSED}（需越权分配）",
        "张三 · 2/2 — 在办已达上限 2/2（需越权分配）",
        "外店 · 0/30 — 不是本店铺成员",
        "赵律 · 0/30 — 没有“客服”角色",
    ]
    assert [s.eligible for s in standings] == [True, True, False, False, False, False]
    assert [s.overridable for s in standings] == [False, False, True, True, False, False]
