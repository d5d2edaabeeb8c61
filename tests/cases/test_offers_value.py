"""The offer list shows each option's real value: "补发 + 10元优惠券" costs the coupon (not ¥0.00), a
cash option worth nothing (a shipping compensation on a free-shipping order, a refund of an unknown
amount) is not offered at all and the reason says why, and the case page shows the value."""

from decimal import Decimal

import pytest

from cases.models import CompensationOffer
from cases.workflow.compose import facts_for_case, offer_options, policy_for
from cases.workflow.services import case_act
from policies.engine.compensation import compensation_options, offer_value_label
from tests.cases.workflow_factories import NOW, member, put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

LATE = "快递太慢了，还没到"
SHIPPING = "赔偿运费(订单运费的1.5倍)"


def by_name(case):
    return {o.name: o for o in offer_options(case)}


def reason_for(case) -> str:
    policy = policy_for(case)
    issue = policy.issue_types[case.issue_type_id]
    return compensation_options(facts_for_case(case), policy, issue_type=issue, customer_tier=None)[1]


def test_a_reship_with_a_coupon_is_worth_the_coupon(shop):
    case = triaged_case(shop, content="质量太差，开线了", amount="199.00")
    reship = by_name(case)["补发 + 10元优惠券"]
    assert (reship.amount, reship.extra_coupon, reship.cost) == (
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("10.00"),
    )
    assert reship.value_label == "¥10.00(补发 + 10.00元优惠券)"
    assert by_name(case)["无理由补发(顺丰包邮，48小时内发货)"].value_label == "非现金：补发"
    assert by_name(case)["全额退款，商品无需退回"].value_label == "¥199.00"


def test_a_shipping_compensation_on_a_free_shipping_order_is_not_offered(shop):
    free = triaged_case(shop, content=LATE, amount="80.00", fee="0.00")
    assert SHIPPING not in by_name(free)
    assert "“赔偿运费(订单运费的1.5倍)”金额为0，不提供" in reason_for(free)
    assert "运费0.00元 × 1.5 = 0.00元" in reason_for(free)
    assert [o["name"] for o in free.decision["compensation"]].count(SHIPPING) == 0  # nor at intake

    paid = triaged_case(shop, content=LATE, amount="80.00", fee="8.00")
    shipping = by_name(paid)[SHIPPING]
    assert (shipping.amount, shipping.cost, shipping.value_label) == (
        Decimal("12.00"),
        Decimal("12.00"),
        "¥12.00",
    )


def test_an_unknown_shipping_fee_is_said_not_counted_as_zero(shop):
    case = triaged_case(shop, content=LATE, amount="80.00")
    case.review.shipping_fee = None
    case.review.save(update_fields=["shipping_fee"])
    assert SHIPPING not in by_name(case)
    assert "运费未知" in reason_for(case) and "按0计" not in reason_for(case)
    assert "无门槛优惠券(面值≥订单金额10%)" in by_name(case)  # the other options stay


def test_value_labels_for_stored_offers():
    assert offer_value_label("refund", Decimal("80"), Decimal("5")) == "¥85.00(退款80.00元 + 5.00元优惠券)"
    assert offer_value_label("apology", Decimal("0"), Decimal("0")) == "非现金：道歉"
    assert offer_value_label("gift", Decimal("30"), Decimal("0")) == "¥30.00(礼品)"


def test_the_case_page_shows_the_value_of_the_options_and_of_the_offer_made(client, shop):
    agent = member("agent", shop)
    case = put_in_state(
        triaged_case(shop, content="质量太差，开线了", amount="199.00"), "verified", agent=agent
    )
    client.force_login(agent)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "补发 + 10元优惠券 · ¥10.00(补发 + 10.00元优惠券)" in html
    assert "· ¥0.00" not in html

    option = by_name(case)["补发 + 10元优惠券"]
    case_act(
        case_id=case.pk, action="offer", by=agent, version=3, now=NOW, data={"option_id": option.option_id}
    )
    offer = CompensationOffer.objects.get(case=case)
    assert (offer.amount, offer.cost) == (Decimal("0.00"), Decimal("10.00"))
    html = client.get(f"/cases/{case.pk}/").content.decode()
    row = html[html.index(f'<tr id="offer-{offer.pk}">') :]
    row = row[: row.index("</tr>")]
    assert row.startswith(
        f'<tr id="offer-{offer.pk}"><td>补发 + 10元优惠券<div class="muted offer-reason">规则“'
    )
    assert '</div></td><td class="num">¥10.00(补发 + 10.00元优惠券)</td>' in row
