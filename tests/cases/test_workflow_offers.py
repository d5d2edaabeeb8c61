"""Compensation: only the engine's options for the case, never before verification, approval above
the cap by someone else with the rule's role, and every offer, cost and answer recorded."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.errors import WorkflowError as E
from cases.models import Case, CaseEvent, CompensationOffer
from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from reviewdesk.i18n_text import render
from tests.cases.workflow_factories import NOW, member, put_in_state, snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(shop):
    return member("agent", shop)


def options(case):
    return {o.name: o for o in offer_options(case)}


def act(case, by, action, version, **data):
    return case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=NOW)


def refused(code, case, by, action, version=3, **data):
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        act(case, by, action, version, **data)
    assert caught.value.code == code, caught.value.messages
    assert snapshot(case.pk) == before
    return caught.value.messages[0]


def test_options_are_the_engines_for_this_case(shop):
    quality = triaged_case(shop, content="质量太差，开线了", amount="599.00")
    names = list(options(quality))
    assert names[:4] == [
        "无理由补发(顺丰包邮，48小时内发货)",
        "全额退款，商品无需退回",
        "补发 + 10元优惠券",
        "色差无质量问题：5–10元红包代替退货",
    ]
    refund = options(quality)["全额退款，商品无需退回"]
    assert (refund.amount, refund.requires_approval, refund.approval_role) == (
        Decimal("599.00"),
        True,
        "supervisor",
    )
    cheap = triaged_case(shop, content="质量太差，开线了", amount="199.00")
    assert options(cheap)["全额退款，商品无需退回"].requires_approval is False


def test_no_offer_before_verification(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    option = options(case)["无理由补发(顺丰包邮，48小时内发货)"]
    message = refused(E.NOT_VERIFIED, case, agent, "offer", option_id=option.option_id)
    assert message == "核实责任之前不能提出补偿方案或结案。"
    refused(E.NOT_VERIFIED, case, agent, "request_approval", option_id=option.option_id)
    assert not CompensationOffer.objects.filter(case=case).exists()


def test_an_option_not_computed_for_the_case_is_refused(shop, agent):
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    assert "可选：无理由补发" in refused(E.UNKNOWN_OPTION, case, agent, "offer", option_id=999999)


def test_offer_within_the_cap_is_made_and_recorded(shop, agent):
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    option = options(case)["补发 + 10元优惠券"]
    act(case, agent, "offer", 3, option_id=option.option_id, note="先补发")
    offer = CompensationOffer.objects.get(case=case)
    assert (offer.status, offer.amount, offer.cost, offer.requires_approval, offer.requested_by) == (
        "offered",
        Decimal("0.00"),
        Decimal("10.00"),
        False,
        agent,
    )
    assert offer.rule_ref["model"] == "compensationrule" and offer.option_name == "补发 + 10元优惠券"
    assert Case.objects.get(pk=case.pk).status == "offered"


def test_above_the_cap_becomes_an_approval_request_to_the_rules_role(shop, agent):
    case = put_in_state(triaged_case(shop, amount="599.00"), "verified", agent=agent)
    option = options(case)["全额退款，商品无需退回"]
    act(case, agent, "offer", 3, option_id=option.option_id)
    case.refresh_from_db()
    offer = CompensationOffer.objects.get(case=case)
    assert case.status == "pending_approval"
    assert (offer.status, offer.approval_role, offer.cost) == (
        "pending_approval",
        "supervisor",
        Decimal("599.00"),
    )
    event = CaseEvent.objects.get(case=case)
    assert event.action == "request_approval" and "超过上限300.00元" in render(event.payload["reason"])


def test_requester_cannot_approve_their_own_request(shop):
    supervisor = member("supervisor", shop)
    case = put_in_state(
        triaged_case(shop, amount="599.00"), "pending_approval", agent=supervisor, requester=supervisor
    )
    message = refused(E.SELF_APPROVAL, case, supervisor, "approve")
    assert message == "不能审批自己提出的方案，请由其他客服主管审批。"
    refused(E.SELF_APPROVAL, case, supervisor, "reject", note="不行")


def test_approver_must_hold_the_approval_role_or_be_manager(shop, agent):
    case = put_in_state(triaged_case(shop, amount="599.00"), "pending_approval", agent=agent)
    legal = member("legal", shop)
    assert refused(E.ROLE_NOT_ALLOWED, case, legal, "approve") == "此方案需要客服主管(或运营经理)审批。"
    manager = member("manager", shop)
    act(case, manager, "approve", 3, note="特批")
    offer = CompensationOffer.objects.get(case=case)
    assert (offer.status, offer.approved_by, offer.approval_note) == ("offered", manager, "特批")


def test_reject_sends_the_case_back_to_verified(shop, agent):
    case = put_in_state(triaged_case(shop, amount="599.00"), "pending_approval", agent=agent)
    supervisor = member("supervisor", shop)
    act(case, supervisor, "reject", 3, note="金额太高，换补发")
    offer = CompensationOffer.objects.get(case=case)
    assert (offer.status, offer.approved_by, offer.approval_note) == (
        "rejected",
        supervisor,
        "金额太高，换补发",
    )
    assert Case.objects.get(pk=case.pk).status == "verified"


def test_buyer_answers_are_recorded_per_option(shop, agent):
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    first = options(case)["补发 + 10元优惠券"]
    act(case, agent, "offer", 3, option_id=first.option_id)
    act(case, agent, "buyer_declines", 4, note="不要补发")
    second = options(case)["无理由补发(顺丰包邮，48小时内发货)"]
    act(case, agent, "offer", 5, option_id=second.option_id)
    act(case, agent, "buyer_accepts", 6)
    rows = list(
        CompensationOffer.objects.filter(case=case)
        .order_by("pk")
        .values_list("option_name", "status", "buyer_answer")
    )
    assert rows == [
        ("补发 + 10元优惠券", "declined", "declined"),
        ("无理由补发(顺丰包邮，48小时内发货)", "accepted", "accepted"),
    ]
    assert Case.objects.get(pk=case.pk).status == "agreed"
    assert CompensationOffer.objects.filter(case=case, answered_at=NOW).count() == 2


def test_approvers_and_then_the_requester_are_notified(shop, agent, django_capture_on_commit_callbacks):
    from cases.models import Notification

    supervisors = [member("supervisor", shop), member("supervisor", shop)]
    member("manager", shop)
    case = put_in_state(triaged_case(shop, amount="599.00"), "verified", agent=agent)
    option = options(case)["全额退款，商品无需退回"]
    with django_capture_on_commit_callbacks(execute=True):
        act(case, agent, "offer", 3, option_id=option.option_id)
    asked = Notification.objects.filter(kind="approval_requested")
    assert sorted(asked.values_list("user_id", flat=True)) == sorted(s.pk for s in supervisors)
    assert asked.first().title == f"【待审批】{shop.name} · 案件 #{case.pk} 的补偿方案"
    assert "成本599.00元" in asked.first().body
    with django_capture_on_commit_callbacks(execute=True):
        act(case, supervisors[0], "reject", 4, note="先试补发")
    told = Notification.objects.get(kind="approval_decided")
    assert told.user_id == agent.pk and "已驳回" in told.title and "意见：先试补发" in told.body


def test_approval_is_offered_only_to_who_may_approve(shop):
    from cases.workflow import allowed_actions, explain_refusal

    requester, other = member("supervisor", shop), member("supervisor", shop)
    case = put_in_state(
        triaged_case(shop, amount="599.00"), "pending_approval", agent=requester, requester=requester
    )
    assert "approve" not in allowed_actions(case, requester) and "reject" not in allowed_actions(
        case, requester
    )
    assert explain_refusal(case, requester, "approve") == "不能审批自己提出的方案，请由其他客服主管审批。"
    fresh = Case.objects.get(pk=case.pk)
    assert {"approve", "reject"} <= set(allowed_actions(fresh, other))
    assert "approve" not in allowed_actions(fresh, member("legal", shop))


def test_an_answer_racing_another_on_the_same_version_is_told_the_case_changed(shop, agent, monkeypatch):
    """Two ``buyer_accepts`` on one version: the second loaded the case before the first committed,
    then its guard found no pending offer (the first had answered it). It must hear 409-stale, not a
    refusal of the action itself; and nothing it did is written."""
    from cases.workflow import core as workflow_core

    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    act(case, agent, "offer", 3, option_id=options(case)["补发 + 10元优惠券"].option_id)
    loaded_before_the_other_answer = workflow_core.case_to_act_on(agent, case.pk)
    act(case, agent, "buyer_accepts", 4)
    # The race's interleaving: begin() loaded the case before the other answer committed, and the
    # offer guard then reads the offer after it.
    monkeypatch.setattr(workflow_core, "case_to_act_on", lambda by, case_id: loaded_before_the_other_answer)
    message = refused(E.STALE, case, agent, "buyer_accepts", version=4)
    assert "刚被其他人更新" in message
    assert CompensationOffer.objects.get(case=case).status == "accepted"
    # Without the race (the case as it really is now) the same request is refused for what it is.
    monkeypatch.undo()
    assert refused(E.STALE, case, agent, "buyer_accepts", version=4)
    assert refused(E.INVALID_TRANSITION, case, agent, "buyer_accepts", version=5)
