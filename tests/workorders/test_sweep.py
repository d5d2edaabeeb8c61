"""The sweep warns the department's members, then escalates to its leads, then to the case's shop
supervisors; each step once (a second run adds nothing), and never for an answered order."""

import datetime as dt

import pytest

from cases.models import Notification
from tests.workorders.support import member, open_case, raise_order
from workorders.choices import Escalation
from workorders.models import WorkOrder
from workorders.services import work_order_answer
from workorders.sweep import workorders_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def world(shop, other_shop, make_user):
    agent = make_user("agent", shops=[shop])
    clerk = member(make_user, "warehouse", shops=[shop])
    lead = member(make_user, "warehouse", shops=[shop], lead=True)
    supervisor = make_user("supervisor", shops=[shop])
    other_supervisor = make_user("supervisor", shops=[other_shop])
    order = raise_order(open_case(shop, agent), agent)
    return {
        "agent": agent,
        "clerk": clerk,
        "lead": lead,
        "supervisor": supervisor,
        "other": other_supervisor,
        "order": order,
    }


def bell(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("dedupe_key", flat=True).order_by("pk"))


def test_nothing_happens_before_the_warning_time(world):
    order = world["order"]
    result = workorders_sweep(now=order.warn_at - dt.timedelta(seconds=1))
    assert (result.warned, result.to_lead, result.to_supervisor) == (0, 0, 0)
    assert not Notification.objects.exists()
    assert WorkOrder.objects.get(pk=order.pk).escalation == Escalation.NONE


def test_warn_then_lead_then_supervisor_each_once(world):
    order = world["order"]
    key = f"workorder:{order.pk}"

    workorders_sweep(now=order.warn_at)
    assert bell(world["clerk"]) == [f"{key}:1"] and bell(world["lead"]) == [f"{key}:1"]
    assert bell(world["supervisor"]) == []
    order.refresh_from_db()
    assert order.escalation == Escalation.WARNED and order.next_check_at == order.due_at

    workorders_sweep(now=order.warn_at)  # the same minute again: nothing new
    assert Notification.objects.count() == 2

    workorders_sweep(now=order.due_at)
    assert bell(world["lead"]) == [f"{key}:1", f"{key}:2"] and bell(world["clerk"]) == [f"{key}:1"]
    title = Notification.objects.get(dedupe_key=f"{key}:2").title
    assert "工单已超时" in title and "仓库" in title

    workorders_sweep(now=order.supervisor_at)
    assert bell(world["supervisor"]) == [f"{key}:3"] and bell(world["other"]) == []
    order.refresh_from_db()
    assert order.escalation == Escalation.SUPERVISOR and order.next_check_at is None

    workorders_sweep(now=order.supervisor_at + dt.timedelta(days=30))
    assert Notification.objects.count() == 4


def test_an_answered_order_is_not_swept(world):
    order = world["order"]
    work_order_answer(order_id=order.pk, by=world["clerk"], answer="已核实")
    result = workorders_sweep(now=order.supervisor_at + dt.timedelta(days=1))
    assert (result.warned, result.to_lead, result.to_supervisor) == (0, 0, 0)
    assert not Notification.objects.exists()


def test_the_bell_reads_in_the_recipients_language(world):
    clerk = world["clerk"]
    clerk.language = "en"
    clerk.save(update_fields=["language"])
    workorders_sweep(now=world["order"].warn_at)
    title = Notification.objects.get(user=clerk).title
    assert "仓库" in title and "【工单即将超时】" not in title
