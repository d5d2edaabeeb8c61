"""The SLA clocks are met or missed by what the workflow records: the sweep (cases.sla.sweep)
breaches only the clocks the agent did not stop in time."""

import datetime as dt

import pytest

from cases.models import Case, SlaEvent
from cases.sla.sweep import sla_sweep
from cases.workflow.services import case_act
from tests.cases.workflow_factories import NOW, T0, member, put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def breached(case) -> set[str]:
    return set(SlaEvent.objects.filter(case=case, kind="breach").values_list("target", flat=True))


def test_first_response_and_public_reply_met_by_recorded_actions(shop):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop, content="快递太慢，外包装压坏"), "assigned", agent=agent)
    Case.objects.filter(pk=case.pk).update(contact_attempts=0, first_responded_at=None, last_contact_at=None)
    case.refresh_from_db()
    assert case.first_response_due_at == T0 + dt.timedelta(hours=2)  # logistics: 2 business hours
    case_act(
        case_id=case.pk,
        action="record_contact",
        by=agent,
        version=3,
        now=NOW,
        data={"channel": "private_message", "reached": True, "text": "亲，非常抱歉，我们马上为您核实物流。"},
    )
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=4,
        now=NOW,
        data={"text": "亲，物流延误给您添麻烦了，我们已私信联系您处理。"},
    )
    case.refresh_from_db()
    assert (case.first_responded_at, case.public_replied_at) == (NOW, NOW)
    sla_sweep(now=case.public_reply_due_at + dt.timedelta(minutes=1))
    assert breached(case) == set()  # both clocks stopped in time; resolution not yet due
    sla_sweep(now=case.resolution_due_at + dt.timedelta(minutes=1))
    assert breached(case) == {"resolution"}


def test_an_unanswered_buyer_breaches_the_next_response_clock(shop):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "waiting_buyer", agent=agent)
    case_act(case_id=case.pk, action="buyer_replied", by=agent, version=3, now=NOW, data={})
    case.refresh_from_db()
    due = case.next_response_due_at
    assert due == NOW + dt.timedelta(hours=3)  # 180 business minutes, all inside opening hours
    sla_sweep(now=due + dt.timedelta(minutes=1))
    assert "next_response" in breached(case)


def test_answering_in_time_stops_the_next_response_clock(shop):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "waiting_buyer", agent=agent)
    case_act(case_id=case.pk, action="buyer_replied", by=agent, version=3, now=NOW, data={})
    case_act(
        case_id=case.pk,
        action="record_contact",
        by=agent,
        version=4,
        now=NOW + dt.timedelta(hours=1),
        data={"channel": "private_message", "reached": True, "text": "亲，已为您查到原因，马上处理。"},
    )
    sla_sweep(now=NOW + dt.timedelta(hours=4))
    assert "next_response" not in breached(case)
