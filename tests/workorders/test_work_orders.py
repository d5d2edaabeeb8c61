"""Raising and answering work orders: the answer lands on the case's timeline and may set its
responsibility; a blocking order keeps the case from being resolved; another shop's people neither see
nor answer; bad input is refused with a message and changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.choices import CaseStatus, Responsibility, WorkflowAction
from cases.models import Case, CaseEvent
from cases.workflow.services import case_act
from tests.workorders.support import PNG, member, open_case, raise_order, request_type
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder, WorkOrderAttachment
from workorders.queries import orders_for
from workorders.services import work_order_answer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def clerk(make_user, shop):
    return member(make_user, "warehouse", shops=[shop])


def test_raising_records_the_question_on_the_timeline(shop, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case(shop, agent)

    order = raise_order(case, agent, files=[SimpleUploadedFile("破损.png", PNG)])

    assert order.status == WorkOrderStatus.OPEN and order.blocking is True  # 核实库存 blocks by default
    assert order.raised_by == agent and order.department.name == "仓库"
    (event,) = CaseEvent.objects.filter(case=case, action="work_order_raised")
    assert "仓库 · 核实库存" in event.payload["note"] and event.payload["work_order_id"] == order.pk
    (attachment,) = WorkOrderAttachment.objects.filter(work_order=order)
    assert attachment.original_name == "破损.png" and attachment.content_type == "image/png"


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_stored(shop, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case(shop, agent)
    with pytest.raises(ValidationError) as refused:
        raise_order(case, agent, files=[SimpleUploadedFile("库存.png", b"MZ\x90\x00binary")])
    assert "类型不被接受" in refused.value.messages[0]
    assert not WorkOrder.objects.exists() and not CaseEvent.objects.filter(
        case=case, action="work_order_raised"
    )
    assert list(tmp_path.rglob("*.*")) == []


def test_an_empty_question_and_a_foreign_request_type_are_refused(shop, agent):
    case = open_case(shop, agent)
    with pytest.raises(ValidationError) as empty:
        raise_order(case, agent, question="  ")
    assert empty.value.code == "empty_question" and "请填写问题" in empty.value.messages[0]
    from workorders.services import work_order_raise

    logistics_type = request_type("logistics", "trace_parcel")
    with pytest.raises(ValidationError) as mismatched:
        work_order_raise(
            case_id=case.pk,
            by=agent,
            department_id=request_type("warehouse", "verify_stock").department_id,
            request_type_id=logistics_type.pk,
            question="?",
        )
    assert mismatched.value.code == "bad_request_type"
    assert not WorkOrder.objects.exists()


def test_a_member_answers_and_the_answer_sets_the_responsibility(shop, agent, clerk):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    version = Case.objects.get(pk=case.pk).version

    work_order_answer(order_id=order.pk, by=clerk, answer="库存有误，发错批次", responsibility="warehouse")

    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ANSWERED and order.answered_by == clerk
    assert order.next_check_at is None
    case.refresh_from_db()
    assert case.responsibility == Responsibility.WAREHOUSE and case.version == version + 1
    (event,) = CaseEvent.objects.filter(case=case, action="work_order_answered")
    assert event.actor == clerk and "库存有误" in event.payload["note"]
    assert event.payload["changes"] == {"responsibility": ["", "warehouse"]}


def test_an_answer_without_responsibility_leaves_the_case_version(shop, agent, clerk):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    version = Case.objects.get(pk=case.pk).version
    work_order_answer(order_id=order.pk, by=clerk, answer="库存正常")
    case.refresh_from_db()
    assert case.version == version and case.responsibility == ""
    assert CaseEvent.objects.filter(case=case, action="work_order_answered").count() == 1


def test_a_second_answer_is_refused_and_changes_nothing(shop, agent, clerk):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    work_order_answer(order_id=order.pk, by=clerk, answer="第一次")
    with pytest.raises(ValidationError) as refused:
        work_order_answer(order_id=order.pk, by=clerk, answer="第二次", responsibility="courier")
    assert refused.value.code == "already_answered"
    order.refresh_from_db()
    assert order.answer == "第一次" and Case.objects.get(pk=case.pk).responsibility == ""


def test_the_cases_agent_may_see_but_not_answer(shop, agent):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    with pytest.raises(ValidationError) as refused:
        work_order_answer(order_id=order.pk, by=agent, answer="我自己答")
    assert refused.value.code == "not_member" and "仓库" in refused.value.messages[0]
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.OPEN


def test_another_shops_people_neither_see_nor_answer(shop, other_shop, agent, make_user):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    foreign_agent = make_user("agent", shops=[other_shop])
    foreign_clerk = member(make_user, "warehouse", shops=[other_shop])

    assert not orders_for(foreign_agent).exists() and not orders_for(foreign_clerk).exists()
    with pytest.raises(ValidationError) as refused:
        work_order_answer(order_id=order.pk, by=foreign_clerk, answer="不是我的店")
    assert refused.value.code == "not_found"
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.OPEN
    with pytest.raises(ValidationError) as raise_refused:
        raise_order(case, foreign_agent)
    assert raise_refused.value.code == "not_found" and WorkOrder.objects.count() == 1


def test_a_member_sees_only_the_orders_of_their_departments(shop, agent, clerk, make_user):
    case = open_case(shop, agent)
    mine = raise_order(case, agent)
    raise_order(case, agent, "logistics", "trace_parcel")
    assert list(orders_for(clerk)) == [mine]
    assert orders_for(agent).count() == 2


def _resolvable(shop, agent):
    return open_case(shop, agent, status=CaseStatus.VERIFIED, verified_at=timezone.now())


def test_an_open_blocking_order_keeps_the_case_from_being_resolved(shop, agent, clerk):
    case = _resolvable(shop, agent)
    raise_order(case, agent)  # 核实库存: blocking
    case.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        case_act(
            case_id=case.pk, by=agent, action=WorkflowAction.RESOLVE, version=case.version, data={"note": ""}
        )

    assert refused.value.code == "work_order_open" and "仓库" in refused.value.messages[0]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.VERIFIED


def test_once_answered_the_case_resolves(shop, agent, clerk):
    case = _resolvable(shop, agent)
    order = raise_order(case, agent)
    work_order_answer(order_id=order.pk, by=clerk, answer="已核实")
    case.refresh_from_db()
    case_act(
        case_id=case.pk, by=agent, action=WorkflowAction.RESOLVE, version=case.version, data={"note": ""}
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED


def test_a_non_blocking_order_does_not_hold_resolution(shop, agent):
    case = _resolvable(shop, agent)
    raise_order(case, agent, "logistics", "trace_parcel")  # 追踪包裹: not blocking
    case.refresh_from_db()
    case_act(
        case_id=case.pk, by=agent, action=WorkflowAction.RESOLVE, version=case.version, data={"note": ""}
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED


def test_a_closed_case_takes_no_new_order(shop, agent):
    case = open_case(shop, agent, status=CaseStatus.CLOSED)
    with pytest.raises(ValidationError) as refused:
        raise_order(case, agent)
    assert refused.value.code == "case_closed" and not WorkOrder.objects.exists()
