"""The offers rollup follows the workflow: an offer made, put up for approval or answered through the
real services is in the dashboard's compensation tables as soon as the action commits; a refused
action leaves the rollup as it was."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from insights.models import OfferRollup
from insights.selectors.dashboard import Filters, compensation_tables
from tests.cases.workflow_factories import NOW, member, put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
DAY = dt.date(2026, 6, 2)  # the cases below open on T0 = 2026-06-02 10:00 Asia/Shanghai
RESHIP = "补发 + 10元优惠券"


@pytest.fixture
def agent(shop):
    return member("agent", shop)


def act(case, by, action, version, capture, **data):
    with capture(execute=True):
        return case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=NOW)


def rollup_rows(shop):
    return sorted(
        OfferRollup.objects.filter(shop=shop).values_list(
            "day", "platform", "option_name", "issue_type__code", "answer", "offers", "cost"
        )
    )


def tables(shop):
    cost, cost_issue, acceptance = compensation_tables(Filters(shop_ids=(shop.pk,), start=DAY, end=DAY))
    return cost.rows, cost_issue.rows, acceptance.rows


def option_id(case, name):
    return next(o.option_id for o in offer_options(case) if o.name == name)


def test_an_offer_made_and_then_accepted_is_counted_at_once(shop, agent, django_capture_on_commit_callbacks):
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    assert rollup_rows(shop) == []
    act(case, agent, "offer", 3, django_capture_on_commit_callbacks, option_id=option_id(case, RESHIP))
    assert rollup_rows(shop) == [(DAY, "taobao", RESHIP, "quality", "", 1, Decimal("10.00"))]
    assert tables(shop) == (
        [[RESHIP, 0, Decimal("0.00")], ["合计", 0, Decimal("0.00")]],
        [],
        [[RESHIP, 0, 0, None, 80]],
    )
    act(case, agent, "buyer_accepts", 4, django_capture_on_commit_callbacks)
    assert rollup_rows(shop) == [(DAY, "taobao", RESHIP, "quality", "accepted", 1, Decimal("10.00"))]
    assert tables(shop) == (
        [[RESHIP, 1, Decimal("10.00")], ["合计", 1, Decimal("10.00")]],
        [["产品质量", 1, Decimal("10.00")]],
        [[RESHIP, 1, 1, Decimal("100.0"), 80]],
    )


def test_a_declined_offer_and_a_second_case_of_the_day(shop, agent, django_capture_on_commit_callbacks):
    first = put_in_state(triaged_case(shop), "verified", agent=agent)
    second = put_in_state(triaged_case(shop), "verified", agent=agent)
    act(first, agent, "offer", 3, django_capture_on_commit_callbacks, option_id=option_id(first, RESHIP))
    act(first, agent, "buyer_declines", 4, django_capture_on_commit_callbacks, note="不要补发")
    act(second, agent, "offer", 3, django_capture_on_commit_callbacks, option_id=option_id(second, RESHIP))
    act(second, agent, "buyer_accepts", 4, django_capture_on_commit_callbacks)
    assert rollup_rows(shop) == [
        (DAY, "taobao", RESHIP, "quality", "accepted", 1, Decimal("10.00")),
        (DAY, "taobao", RESHIP, "quality", "declined", 1, Decimal("10.00")),
    ]
    assert tables(shop)[2] == [[RESHIP, 2, 1, Decimal("50.0"), 80]]


def test_an_approval_request_is_an_offer_made(shop, agent, django_capture_on_commit_callbacks):
    case = put_in_state(triaged_case(shop, amount="599.00"), "verified", agent=agent)
    refund = "全额退款，商品无需退回"
    act(case, agent, "offer", 3, django_capture_on_commit_callbacks, option_id=option_id(case, refund))
    assert rollup_rows(shop) == [(DAY, "taobao", refund, "quality", "", 1, Decimal("599.00"))]


def test_a_refused_answer_leaves_the_rollup_as_it_was(shop, agent, django_capture_on_commit_callbacks):
    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    act(case, agent, "offer", 3, django_capture_on_commit_callbacks, option_id=option_id(case, RESHIP))
    before = list(OfferRollup.objects.filter(shop=shop).values())
    with pytest.raises(ValidationError) as caught:
        act(
            case, agent, "buyer_accepts", 3, django_capture_on_commit_callbacks
        )  # stale: the case is at version 4
    assert caught.value.code == "stale"
    assert list(OfferRollup.objects.filter(shop=shop).values()) == before
    assert rollup_rows(shop) == [(DAY, "taobao", RESHIP, "quality", "", 1, Decimal("10.00"))]
