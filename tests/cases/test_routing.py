"""Routing: each eligibility rule, the load and idle-longest tie-breaks, the unassigned queue with
its reason, and supervisors' reassignment."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.choices import CaseStatus
from cases.hooks import certification_checks
from cases.models import Assignment, Case, Notification
from cases.notifications.choices import NotificationKind
from cases.routing.assign import case_reassign, route_cases, route_new_cases, unassigned_reason
from tests.cases.routing_support import T0, make_case


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    """Start every test with an empty hook (the training app registers its own check)."""
    monkeypatch.setattr(certification_checks, "_items", [])


def assignee_of(case):
    case.refresh_from_db()
    return case.assignee


def test_new_case_goes_to_an_eligible_agent_of_the_shop(shop, make_user):
    agent = make_user("agent", shops=[shop])
    case = make_case(shop)

    route_new_cases(case_ids=[case.pk])

    case.refresh_from_db()
    assert (case.assignee, case.status, case.version) == (agent, CaseStatus.ASSIGNED, 2)
    assert case.assigned_at is not None
    (row,) = Assignment.objects.filter(case=case)
    assert (row.to_user, row.from_user, row.by, row.reason) == (agent, None, None, "自动分配")
    (note,) = Notification.objects.filter(user=agent)
    assert note.kind == NotificationKind.ASSIGNED
    assert note.title == f"【新分配】淘宝旗舰店 · 案件 #{case.pk} 已分配给你"


def test_user_without_the_handling_role_is_not_eligible(shop, make_user):
    make_user("legal", shops=[shop], display_name="赵律")
    make_user("supervisor", shops=[shop], display_name="钱主管")
    case = make_case(shop, handling_role="agent")

    outcome = route_cases(case_ids=[case.pk])

    assert assignee_of(case) is None
    assert outcome.unassigned == {
        case.pk: "店铺没有在职的“客服”成员：赵律（没有“客服”角色）；钱主管（没有“客服”角色）。"
    }


def test_member_of_another_shop_is_not_eligible(shop, other_shop, make_user):
    make_user("agent", shops=[other_shop])
    case = make_case(shop)
    route_new_cases(case_ids=[case.pk])
    assert assignee_of(case) is None
    assert unassigned_reason(case_id=case.pk) == "店铺没有在职的“客服”成员。"


def test_inactive_user_is_not_eligible(shop, make_user):
    make_user("agent", shops=[shop], is_active=False)
    active = make_user("agent", shops=[shop])
    first, second = make_case(shop), make_case(shop)
    route_new_cases(case_ids=[first.pk, second.pk])
    assert assignee_of(first) == active and assignee_of(second) == active


def test_user_at_their_open_case_cap_is_not_eligible(shop, make_user):
    agent = make_user("agent", shops=[shop], max_open_cases=2, display_name="王小丽")
    make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=agent)
    make_case(shop, status=CaseStatus.RESOLVED, assignee=agent)  # resolved cases do not count
    first, second = make_case(shop), make_case(shop)

    outcome = route_cases(case_ids=[first.pk, second.pk])

    assert len(outcome.assigned) == 1 and len(outcome.unassigned) == 1
    (left,) = outcome.unassigned
    assert outcome.unassigned[left] == "店铺有 1 名在职“客服”，均不可分配：王小丽（在办已达上限 2/2）。"
    assert (
        Case.objects.filter(
            assignee=agent, status__in=["new", "assigned", "in_progress", "waiting_buyer"]
        ).count()
        == 2
    )
    left_case = Case.objects.get(pk=left)
    assert (left_case.status, left_case.assignee, left_case.version) == (CaseStatus.NEW, None, 1)


def test_certification_hook_can_refuse_a_user(shop, make_user):
    certified = make_user("agent", shops=[shop], display_name="张伟")
    uncertified = make_user("agent", shops=[shop], display_name="李明")
    calls = []

    def product_exam(user, *, shop_id, issue_type_code, handling_role):
        calls.append((user.pk, shop_id, issue_type_code, handling_role))
        return "产品知识考试未达95%" if user.pk == uncertified.pk else None

    certification_checks.register(product_exam)
    cases = [make_case(shop) for _ in range(3)]
    route_new_cases(case_ids=[c.pk for c in cases])

    assert {assignee_of(c) for c in cases} == {certified}
    # Asked once per (user, shop, issue type, role) per routing run, not once per case.
    assert sorted(calls) == sorted(
        [(certified.pk, shop.pk, None, "agent"), (uncertified.pk, shop.pk, None, "agent")]
    )

    certification_checks.unregister(product_exam)
    certification_checks.register(lambda user, **kw: "产品知识考试未达95%")
    blocked = make_case(shop)
    outcome = route_cases(case_ids=[blocked.pk])
    assert outcome.unassigned[blocked.pk] == (
        "店铺有 2 名在职“客服”，均不可分配："
        "张伟（认证未通过：产品知识考试未达95%）；李明（认证未通过：产品知识考试未达95%）。"
    )
    assert assignee_of(blocked) is None


def test_least_loaded_user_wins(shop, make_user):
    busy = make_user("agent", shops=[shop])
    idle = make_user("agent", shops=[shop])
    for _ in range(2):
        make_case(shop, status=CaseStatus.ASSIGNED, assignee=busy)
    make_case(shop, status=CaseStatus.ASSIGNED, assignee=idle)
    cases = [make_case(shop) for _ in range(3)]

    route_new_cases(case_ids=[c.pk for c in cases])

    # idle 1 → 2, then a tie 2:2 goes to whoever was idle longest, then the other.
    assert sorted(assignee_of(c).pk for c in cases).count(idle.pk) == 2
    assert Case.objects.filter(assignee=busy).count() == Case.objects.filter(assignee=idle).count() == 3


def test_tie_goes_to_whoever_was_idle_longest_and_never_assigned_first(shop, make_user):
    recent = make_user("agent", shops=[shop])
    earlier = make_user("agent", shops=[shop])
    never = make_user("agent", shops=[shop])
    old_case = make_case(shop, status=CaseStatus.CLOSED)
    Assignment.objects.create(case=old_case, to_user=recent, created_at=T0)
    Assignment.objects.create(case=old_case, to_user=earlier, created_at=T0 - dt.timedelta(hours=3))

    cases = [make_case(shop, first_response_due_at=T0 + dt.timedelta(minutes=n)) for n in range(3)]
    route_new_cases(case_ids=[c.pk for c in cases])

    # All have 0 open cases: never-assigned first, then the longest idle, then the most recent.
    assert [assignee_of(c) for c in cases] == [never, earlier, recent]


def test_without_any_eligible_user_the_case_stays_in_the_unassigned_queue(shop):
    case = make_case(shop, handling_role="legal")
    route_new_cases(case_ids=[case.pk])
    case.refresh_from_db()
    assert (case.status, case.assignee, case.version) == (CaseStatus.NEW, None, 1)
    assert unassigned_reason(case_id=case.pk) == "店铺没有在职的“法务”成员。"
    assert Notification.objects.count() == 0


def test_routing_only_touches_new_unassigned_cases(shop, make_user):
    agent = make_user("agent", shops=[shop])
    other = make_user("agent", shops=[shop])
    taken = make_case(shop, status=CaseStatus.ASSIGNED, assignee=other)
    route_new_cases(case_ids=[taken.pk])
    assert assignee_of(taken) == other
    assert Assignment.objects.count() == 0
    assert agent.assigned_cases.count() == 0


def test_routing_runs_a_fixed_number_of_queries_whatever_the_batch_size(
    shop, make_user, django_assert_max_num_queries
):
    for _ in range(5):
        make_user("agent", shops=[shop])
    small = [make_case(shop).pk for _ in range(2)]
    large = [make_case(shop).pk for _ in range(40)]
    # 5 agents: at most one UPDATE per agent; everything else is a fixed number of queries.
    with django_assert_max_num_queries(20):
        route_cases(case_ids=small)
    with django_assert_max_num_queries(20):
        route_cases(case_ids=large)
    assert Case.objects.filter(assignee__isnull=False).count() == 42


# --- Reassignment by supervisors -------------------------------------------------------------


def test_supervisor_reassigns_to_an_eligible_agent_with_a_history_row(shop, make_user):
    first = make_user("agent", shops=[shop])
    second = make_user("agent", shops=[shop])
    boss = make_user("supervisor", shops=[shop])
    case = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=first)

    updated = case_reassign(case=case, user=second, by=boss, reason="王小丽请假")

    assert (updated.assignee, updated.status, updated.version) == (second, CaseStatus.IN_PROGRESS, 2)
    row = Assignment.objects.get(case=case)
    assert (row.from_user, row.to_user, row.by, row.reason) == (first, second, boss, "王小丽请假")
    assert Notification.objects.filter(user=second, case=case, kind=NotificationKind.ASSIGNED).count() == 1


@pytest.mark.parametrize(
    ("by_role", "by_in_shop", "message"),
    [
        ("agent", True, "只有本店铺的客服主管或运营经理可以改派案件。"),
        ("supervisor", False, "只有本店铺的客服主管或运营经理可以改派案件。"),
    ],
)
def test_only_a_supervisor_or_manager_of_the_shop_may_reassign(
    shop, other_shop, make_user, by_role, by_in_shop, message
):
    first = make_user("agent", shops=[shop])
    second = make_user("agent", shops=[shop])
    by = make_user(by_role, shops=[shop] if by_in_shop else [other_shop])
    case = make_case(shop, status=CaseStatus.ASSIGNED, assignee=first)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=second, by=by)
    assert exc.value.messages == [message]
    assert assignee_of(case) == first
    assert Assignment.objects.count() == 0


def test_reassign_target_must_be_eligible(shop, other_shop, make_user):
    boss = make_user("manager", shops=[shop])
    current = make_user("agent", shops=[shop])
    case = make_case(shop, status=CaseStatus.ASSIGNED, assignee=current)
    full = make_user("agent", shops=[shop], max_open_cases=1, display_name="满员")
    make_case(shop, status=CaseStatus.ASSIGNED, assignee=full)
    inactive = make_user("agent", shops=[shop], is_active=False, display_name="停用")
    outsider = make_user("agent", shops=[other_shop], display_name="外店")
    legal = make_user("legal", shops=[shop], display_name="法务")
    cases = {
        full: "满员不能接这个案件：在办已达上限 1/1。客服主管可以勾选“越权分配”并写明原因后分配。",
        inactive: "停用不能接这个案件：账号已停用。",
        outsider: "外店不能接这个案件：不是本店铺成员。",
        legal: "法务不能接这个案件：没有“客服”角色。",
        current: "案件已经分配给该用户。",
    }
    for target, message in cases.items():
        with pytest.raises(ValidationError) as exc:
            case_reassign(case=case, user=target, by=boss)
        assert exc.value.messages == [message]
    certification_checks.register(lambda user, **kw: "未完成情绪管理培训")
    fresh = make_user("agent", shops=[shop], display_name="新人")
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=fresh, by=boss)
    assert exc.value.messages == [
        "新人不能接这个案件：认证未通过：未完成情绪管理培训。客服主管可以勾选“越权分配”并写明原因后分配。"
    ]
    case.refresh_from_db()
    assert (case.assignee, case.version) == (current, 1)
    assert Assignment.objects.count() == 0


def test_reassign_with_a_stale_copy_changes_nothing(shop, make_user):
    boss = make_user("supervisor", shops=[shop])
    first, second = make_user("agent", shops=[shop]), make_user("agent", shops=[shop])
    case = make_case(shop, status=CaseStatus.ASSIGNED, assignee=first)
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(version=2)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=stale, user=second, by=boss)
    assert exc.value.messages == ["案件已被他人修改，请刷新后重试。"]
    assert assignee_of(case) == first
    assert Assignment.objects.count() == 0


def test_closed_case_cannot_be_reassigned(shop, make_user):
    boss = make_user("supervisor", shops=[shop])
    first, second = make_user("agent", shops=[shop]), make_user("agent", shops=[shop])
    case = make_case(shop, status=CaseStatus.RESOLVED, assignee=first)
    with pytest.raises(ValidationError) as exc:
        case_reassign(case=case, user=second, by=boss)
    assert exc.value.messages == ["案件已解决或关闭，不能改派。"]
    assert assignee_of(case) == first
