"""Every refusal — wrong state, wrong role, stale version, each guard — leaves everything as it was:
the case row (version included), its timeline, offers, contacts and replies."""

import pytest
from django.core.exceptions import ValidationError

from cases.choices import CaseStatus
from cases.errors import WorkflowError as E
from cases.models import Case
from cases.workflow.services import case_act
from cases.workflow.table import ACTIONS, TRANSITIONS, transitions_for
from tests.cases.workflow_factories import NOW, member, put_in_state, snapshot, triaged_case, valid_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def refused(code, *, case, by, action, data, version=3):
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=NOW)
    assert caught.value.code == code, caught.value.messages
    assert snapshot(case.pk) == before
    return caught.value.messages[0]


def wrong_state(action: str) -> str:
    allowed = {s for row in transitions_for(action) for s in row.from_states}
    return next(s for s in CaseStatus.values if s not in allowed)


def first_row(action):
    row = transitions_for(action)[0]
    return row, sorted(row.from_states)[0]


@pytest.fixture
def people(shop):
    return {role: member(role, shop) for role in ("agent", "supervisor", "legal", "manager", "hr")}


@pytest.mark.parametrize("action", ACTIONS)
def test_wrong_state_is_refused(shop, people, action):
    state = wrong_state(action)
    case = put_in_state(triaged_case(shop), state, agent=people["agent"])
    message = refused(
        E.INVALID_TRANSITION,
        case=case,
        by=people["manager"],
        action=action,
        data=valid_data(action, case, people["manager"]),
    )
    assert message.startswith(f"案件当前状态为“{Case(status=state).get_status_display()}”")


CASE_ROLES = ("agent", "legal", "supervisor", "manager")


@pytest.mark.parametrize("action", [a for a in ACTIONS if set(CASE_ROLES) - first_row(a)[0].roles])
def test_wrong_role_is_refused(shop, people, action):
    row, state = first_row(action)
    case = put_in_state(triaged_case(shop), state, agent=people["agent"])
    outsider = people[
        next(role for role in CASE_ROLES if role not in row.roles)
    ]  # sees the case, may not act
    assert refused(
        E.ROLE_NOT_ALLOWED, case=case, by=outsider, action=action, data=valid_data(action, case, outsider)
    ).startswith("只有")


@pytest.mark.parametrize("action", ACTIONS)
def test_a_shop_member_without_a_case_role_finds_no_case(shop, people, action):
    """HR belongs to the shop for payouts only: every action is refused as for an id that does not exist."""
    row, state = first_row(action)
    case = put_in_state(triaged_case(shop), state, agent=people["agent"])
    refused(
        E.NOT_FOUND, case=case, by=people["hr"], action=action, data=valid_data(action, case, people["hr"])
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_stale_version_is_refused(shop, people, action):
    row, state = first_row(action)
    case = put_in_state(triaged_case(shop), state, agent=people["agent"])
    message = refused(
        E.STALE,
        case=case,
        by=people["manager"],
        action=action,
        version=2,
        data=valid_data(action, case, people["manager"]),
    )
    assert message == f"案件#{case.pk}刚被其他人更新，请刷新后重试。"


def test_a_case_of_another_shop_is_not_found(shop, other_shop, people):
    case = put_in_state(triaged_case(shop), "assigned", agent=people["agent"])
    stranger = member("supervisor", other_shop)
    refused(
        E.NOT_FOUND,
        case=case,
        by=stranger,
        action="record_contact",
        data={"channel": "phone", "reached": True},
    )


def test_roles_in_the_table_are_the_ones_refused(shop, people):
    """Sanity: HR never appears; legal may not offer; agents may not approve or appeal."""
    roles = {row.action: row.roles for row in TRANSITIONS}
    assert all("hr" not in r for r in roles.values())
    assert (
        "legal" not in roles["offer"]
        and "agent" not in roles["approve"]
        and "agent" not in roles["file_appeal"]
    )


# --- Guards --------------------------------------------------------------------------------------


def test_claim_of_a_case_someone_has(shop, people):
    case = put_in_state(triaged_case(shop), "assigned", agent=people["agent"])
    other = member("agent", shop)
    assert "不能再认领" in refused(E.ALREADY_CLAIMED, case=case, by=other, action="claim", data={})


def test_only_the_assignee_works_the_case(shop, people):
    case = put_in_state(triaged_case(shop), "in_progress", agent=people["agent"])
    other = member("agent", shop)
    refused(
        E.NOT_ASSIGNEE, case=case, by=other, action="verify", data={"responsibility": "merchant", "note": "x"}
    )


def test_buyer_replied_and_verify_need_a_contact_first(shop, people):
    case = put_in_state(triaged_case(shop), "assigned", agent=people["agent"])
    Case.objects.filter(pk=case.pk).update(status="in_progress")
    case.refresh_from_db()
    agent = people["agent"]
    refused(E.NOT_CONTACTED, case=case, by=agent, action="buyer_replied", data={})
    refused(
        E.NOT_CONTACTED,
        case=case,
        by=agent,
        action="verify",
        data={"responsibility": "merchant", "note": "x"},
    )


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("in_progress", "verify"),
        ("assigned", "mark_malicious"),
        ("assigned", "close"),
        ("closed", "reopen"),
        ("malicious", "resolve"),
        ("pending_approval", "reject"),
    ],
)
def test_a_note_is_required(shop, people, state, action):
    case = put_in_state(triaged_case(shop), state, agent=people["agent"], requester=people["agent"])
    data = {**valid_data(action, case, people["manager"]), "note": "  "}
    assert (
        refused(E.NOTE_REQUIRED, case=case, by=people["manager"], action=action, data=data) == "请填写说明。"
    )


def test_bad_choices_are_refused(shop, people):
    agent = people["agent"]
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    refused(
        E.BAD_CHOICE, case=case, by=agent, action="verify", data={"responsibility": "aliens", "note": "x"}
    )
    refused(
        E.BAD_CHOICE,
        case=case,
        by=agent,
        action="record_contact",
        data={"channel": "pigeon", "reached": True},
    )
    refused(E.BAD_CHOICE, case=case, by=agent, action="record_contact", data={"channel": "phone"})
    other = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    foreign = __import__("tests.cases.workflow_factories", fromlist=["appeal_evidence"]).appeal_evidence(
        other, agent
    )
    refused(
        E.BAD_CHOICE,
        case=case,
        by=agent,
        action="verify",
        data={"responsibility": "merchant", "note": "x", "evidence_ids": foreign},
    )


def test_unknown_action(shop, people):
    case = put_in_state(triaged_case(shop), "in_progress", agent=people["agent"])
    refused(E.INVALID_TRANSITION, case=case, by=people["agent"], action="teleport", data={})


def test_form_style_inputs(shop, people):
    """Forms send strings: "false" is no, a garbage evidence id is refused, not a crash."""
    agent = people["agent"]
    case = put_in_state(triaged_case(shop), "assigned", agent=agent)
    case_act(
        case_id=case.pk,
        action="record_contact",
        by=agent,
        version=3,
        now=NOW,
        data={"channel": "phone", "reached": "false"},
    )
    assert case.contacts.get().reached is False
    case.refresh_from_db()
    refused(
        E.BAD_CHOICE,
        case=case,
        by=agent,
        action="verify",
        version=4,
        data={"responsibility": "merchant", "note": "x", "evidence_ids": ["abc"]},
    )
