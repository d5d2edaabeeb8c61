"""Risky-order flags from the shop's own history (seed 000: suggest shipping insurance)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prevention.choices import AfterSale, OrderStatus, RiskReason
from prevention.models import RiskFlag, RiskRule
from prevention.risk import risk_flag_orders
from tests.factories import CaseFactory, ReviewFactory
from tests.prevention.conftest import make_order

pytestmark = pytest.mark.django_db


def new_order(shop, number, nick):
    return make_order(shop, number, buyer_nick=nick, status=OrderStatus.AWAITING_SHIPMENT)


def reasons(order) -> dict[str, int]:
    flag = RiskFlag.objects.filter(order=order).first()
    return {r["code"]: r["count"] for r in flag.reasons} if flag else {}


def test_a_buyer_who_returns_often_is_flagged_with_the_shipping_insurance_suggestion(seeded, shop):
    for n, after_sale in enumerate((AfterSale.RETURN, AfterSale.REFUND, AfterSale.NONE)):
        make_order(shop, f"H{n}", buyer_nick="退货达人", status=OrderStatus.DELIVERED, after_sale=after_sale)
    order = new_order(shop, "N1", "退货达人")
    calm = new_order(shop, "N2", "普通买家")
    assert risk_flag_orders(order_ids=[order.pk, calm.pk]) == 1
    assert reasons(order) == {RiskReason.AFTER_SALES: 2}
    assert "运费险" in RiskFlag.objects.get(order=order).suggestion
    assert reasons(calm) == {}
    assert risk_flag_orders(order_ids=[order.pk, calm.pk]) == 0  # flagged once


def test_history_counts_only_in_the_same_shop(seeded, shop, other_shop):
    for n in range(2):
        make_order(
            other_shop, f"H{n}", buyer_nick="退货达人", status=OrderStatus.DELIVERED, after_sale="return"
        )
    order = new_order(shop, "N1", "退货达人")
    assert risk_flag_orders(order_ids=[order.pk]) == 0


def test_negative_malicious_and_extortion_history_are_reasons(seeded, shop):
    ReviewFactory(shop=shop, buyer_nick="差评师", rating=1)
    CaseFactory(
        shop=shop,
        review=ReviewFactory(shop=shop, buyer_nick="差评师", rating=2),
        is_malicious=True,
        malicious_signals=["勒索/敲诈用语：命中“返现”"],
    )
    order = new_order(shop, "N1", "差评师")
    risk_flag_orders(order_ids=[order.pk])
    assert reasons(order) == {
        RiskReason.NEGATIVE_REVIEWS: 2,
        RiskReason.MALICIOUS: 1,
        RiskReason.EXTORTION: 1,
    }


def test_a_shops_rule_replaces_the_global_one(seeded, shop):
    RiskRule.objects.create(shop=shop, name="频繁退换货或差评的买家", min_after_sales=5, extortion=False)
    for n in range(2):
        make_order(shop, f"H{n}", buyer_nick="退货达人", status=OrderStatus.DELIVERED, after_sale="return")
    order = new_order(shop, "N1", "退货达人")
    assert risk_flag_orders(order_ids=[order.pk]) == 0


def test_the_risky_page_masks_the_buyer_for_a_client_viewer(client, seeded, shop, make_user):
    for n in range(2):
        make_order(shop, f"H{n}", buyer_nick="退货达人", status=OrderStatus.DELIVERED, after_sale="return")
    risk_flag_orders(order_ids=[new_order(shop, "N1", "退货达人").pk])
    client.force_login(make_user("agent", shops=[shop]))
    page = client.get(reverse("prevention:risky")).content.decode()
    assert "退货达人" in page and "退款/退货次数：2" in page and "运费险" in page
    client.force_login(make_user("client_viewer", shops=[shop]))
    page = client.get(reverse("prevention:risky")).content.decode()
    assert "退货达人" not in page and "退***人" in page and "退款/退货次数：2" in page
