"""Every row of the transition table runs from every state it names, with the timeline event written
(who, from → to, the new version, before → after); allowed_actions answers from the same table."""

import pytest
from django.contrib.auth.models import Group

from cases.choices import CaseStatus, WorkflowAction
from cases.models import Case, CaseEvent
from cases.workflow import allowed_actions, explain_refusal
from cases.workflow.services import SERVICES, case_act
from cases.workflow.table import ACTIONS, TRANSITIONS, transition_for
from tests.cases.workflow_factories import ACTING_ORDER, NOW, member, put_in_state, triaged_case, valid_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

CASES = [(row, state) for row in TRANSITIONS for state in sorted(row.from_states)]


def test_table_covers_every_workflow_action_and_is_unambiguous():
    timeline_only = {
        WorkflowAction.REVEAL_CONTACT,
        WorkflowAction.EVIDENCE_ADDED,
        WorkflowAction.FOLLOW_UP_DONE,
        WorkflowAction.FOLLOW_UP_SKIPPED,
        WorkflowAction.ASSIGN,
        WorkflowAction.NOT_ROUTED,
        WorkflowAction.WORK_ORDER_RAISED,
        WorkflowAction.WORK_ORDER_ANSWERED,
    }
    assert set(ACTIONS) == {str(a) for a in WorkflowAction} - {str(a) for a in timeline_only}
    assert set(SERVICES) == set(ACTIONS)
    assert len({(row.action, state) for row, state in CASES}) == len(CASES)
    assert transition_for("offer", CaseStatus.NEW) is None
    assert transition_for("close", CaseStatus.CLOSED) is None


@pytest.fixture
def people(shop):
    return {role: member(role, shop) for role in ACTING_ORDER}


@pytest.mark.parametrize(("row", "state"), CASES, ids=[f"{r.action}-from-{s}" for r, s in CASES])
def test_every_transition(shop, people, row, state):
    agent = people["agent"]
    case = put_in_state(triaged_case(shop), state, agent=agent)
    order = ("supervisor", *ACTING_ORDER) if row.action in ("approve", "reject") else ACTING_ORDER
    actor = people[next(r for r in order if r in row.roles)]
    if "verified" in row.guards:  # e.g. reopened after verification: offers stay possible
        Case.objects.filter(pk=case.pk).update(verified_at=NOW)
    if row.action == "claim":
        Case.objects.filter(pk=case.pk).update(assignee=None)
        case.refresh_from_db()
    data = valid_data(row.action, case, actor)
    before_events = CaseEvent.objects.filter(case=case).count()

    updated = case_act(case_id=case.pk, action=row.action, by=actor, version=3, data=data, now=NOW)

    stored = Case.objects.get(pk=case.pk)
    expected = row.to_state or state
    assert stored.status == expected == updated.status
    assert stored.version == 4 == updated.version
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    assert len(events) == before_events + 1
    event = events[-1]
    assert (event.actor_id, event.action, event.from_status, event.to_status, event.version) == (
        actor.pk,
        row.action,
        state,
        expected,
        4,
    )
    if expected != state:
        assert event.payload["changes"]["status"] == [state, expected]


def test_event_records_before_and_after_of_what_changed(shop, people):
    agent = people["agent"]
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    case_act(
        case_id=case.pk,
        action="verify",
        by=agent,
        version=3,
        data={"responsibility": "courier", "note": "快递压坏"},
        now=NOW,
    )
    event = CaseEvent.objects.filter(case=case).get()
    assert event.payload["changes"]["status"] == ["in_progress", "verified"]
    assert event.payload["changes"]["responsibility"] == ["merchant", "courier"] or event.payload["changes"][
        "responsibility"
    ] == ["", "courier"]
    assert event.payload["changes"]["verified_at"] == [None, NOW.isoformat()]
    assert event.payload["note"] == "快递压坏"
    assert event.at == NOW


def test_a_whole_journey_keeps_one_event_per_action(shop, people):
    agent, supervisor = people["agent"], people["supervisor"]
    case = triaged_case(shop)
    assert case.status == "new"
    version = case.version
    options = {o["name"]: o for o in case.decision["compensation"]}
    steps = [
        (agent, "claim", {}),
        (agent, "record_contact", {"channel": "phone", "reached": True}),
        (agent, "buyer_replied", {"note": "要求退款"}),
        (agent, "verify", {"responsibility": "supplier", "note": "批次问题"}),
        (agent, "offer", {"option_id": options["全额退款，商品无需退回"]["option_id"]}),  # above the cap
        (supervisor, "approve", {"note": "同意"}),
        (agent, "buyer_accepts", {}),
        (agent, "public_reply", {"text": "亲，已为您全额退款，给您添麻烦了。"}),
        (agent, "resolve", {}),
        (agent, "close", {}),
    ]
    for by, action, data in steps:
        version = case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=NOW).version
    case.refresh_from_db()
    assert case.status == "closed" and case.version == version == 1 + len(steps)
    actions = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True))
    assert actions == [
        "claim",
        "record_contact",
        "buyer_replied",
        "verify",
        "request_approval",
        "approve",
        "buyer_accepts",
        "public_reply",
        "resolve",
        "close",
    ]
    assert case.first_responded_at == NOW and case.public_replied_at == NOW and case.resolved_at == NOW


def test_allowed_actions_follow_the_table_and_the_user(shop, people):
    agent, supervisor = people["agent"], people["supervisor"]
    other_agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    assert allowed_actions(case, agent) == [
        "record_contact",
        "buyer_replied",
        "verify",
        "offer",
        "request_approval",
        "public_reply",
        "resolve",
        "mark_malicious",
    ]
    assert allowed_actions(case, other_agent) == []  # not theirs
    assert "close" in allowed_actions(case, supervisor)
    assert explain_refusal(case, other_agent, "offer") == "只有案件处理人(或主管)可以操作此案件。"
    assert explain_refusal(case, agent, "approve").startswith("案件当前状态为")
    assert explain_refusal(case, agent, "offer") is None
    new = triaged_case(shop)
    assert allowed_actions(new, agent) == ["claim"]
    hr = member("hr", shop)
    assert allowed_actions(new, hr) == []
    assert Group.objects.filter(name="hr").exists()


def test_allowed_actions_runs_no_queries(shop, people, django_assert_num_queries):
    case = Case.objects.select_related("assignee").get(
        pk=put_in_state(triaged_case(shop), "offered", agent=people["agent"]).pk
    )
    people["agent"]._reviewdesk_roles = {"agent"}
    with django_assert_num_queries(0):
        assert allowed_actions(case, people["agent"]) == [
            "record_contact",
            "buyer_replied",
            "buyer_accepts",
            "buyer_declines",
            "public_reply",
        ]


def test_each_action_runs_a_handful_of_queries(shop, people, django_assert_max_num_queries):
    """Load, check, one optimistic UPDATE, the event and the action's own rows: at most 10 queries
    (savepoints included) per action once the policy snapshot is cached."""
    from cases.workflow.compose import policy_for

    agent, supervisor = people["agent"], people["supervisor"]
    case = triaged_case(shop)
    policy_for(case)  # the loader's snapshot, shared by every later call
    options = {o["name"]: o["option_id"] for o in case.decision["compensation"]}
    steps = [
        (agent, "claim", {}),
        (
            agent,
            "record_contact",
            {"channel": "private_message", "reached": True, "text": "亲，抱歉给您添麻烦了"},
        ),
        (agent, "buyer_replied", {}),
        (agent, "verify", {"responsibility": "merchant", "note": "开线"}),
        (agent, "offer", {"option_id": options["全额退款，商品无需退回"]}),
        (supervisor, "approve", {}),
        (agent, "buyer_accepts", {}),
        (agent, "public_reply", {"text": "感谢反馈，已为您处理"}),
        (agent, "resolve", {}),
    ]
    version = case.version
    for by, action, data in steps:
        with django_assert_max_num_queries(10):
            version = case_act(
                case_id=case.pk, action=action, by=by, version=version, data=data, now=NOW
            ).version
