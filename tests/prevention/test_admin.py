"""The admin of prevention's rules: a manager of shop A edits his shop's late-parcel and risky-order
overrides, never the global rows (the policy owner's) nor shop B's; the order mappings are global,
read by managers and changed by the policy owner; bad input is a form error and saves nothing."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from prevention.models import LateRule, OrderMapping, RiskRule

pytestmark = pytest.mark.django_db


def snapshot(model):
    return list(model.objects.order_by("pk").values())


def url(obj_or_model, view="change"):
    meta = obj_or_model._meta
    args = [obj_or_model.pk] if view in ("change", "history", "delete") else []
    return reverse(f"admin:prevention_{meta.model_name}_{view}", args=args)


def late_data(rule=None, **overrides):
    data = {
        "name": rule.name if rule else "新规则",
        "platform": rule.platform if rule else "",
        "courier": rule.courier if rule else "",
        "shop": rule.shop_id if rule and rule.shop_id else "",
        "client": rule.client_id if rule and rule.client_id else "",
        "active": "on",
        "ship_grace_hours": "12",
        "no_movement_hours": "24",
        "stuck_hours": "",
        "delivery_days": "5",
        "business_hours": "on",
        "offer_text": "亲，包裹有些延迟，我们已联系快递加急处理。",
        "offer_amount": "5.00",
        "task_sla_hours": "4",
    }
    if rule is not None:
        data["seen_version"] = rule.version
    data.update(overrides)
    return data


def risk_data(rule, **overrides):
    data = {
        "name": rule.name,
        "shop": rule.shop_id or "",
        "client": rule.client_id or "",
        "active": "on",
        "min_after_sales": "3",
        "min_negative_reviews": "",
        "min_malicious": "",
        "extortion": "on",
        "suggestion": "建议购买运费险",
        "seen_version": rule.version,
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager_a(client, make_user, shop):
    user = make_user("manager", is_staff=True, shops=[shop])
    client.force_login(user)
    return client


@pytest.fixture
def owner(client, make_user, shop, other_shop):
    user = make_user("manager", is_staff=True, shops=[shop, other_shop])
    user.groups.add(Group.objects.get(name="policy_owner"))
    client.force_login(user)
    return client


@pytest.fixture
def rules(shop, other_shop):
    return {
        "global": LateRule.objects.filter(shop=None, client=None).order_by("pk").first(),
        "a": LateRule.objects.create(name="A店延迟", shop=shop, ship_grace_hours=6),
        "b": LateRule.objects.create(name="B店延迟", shop=other_shop, ship_grace_hours=6),
    }


def test_the_seeded_global_rules_are_there():
    assert LateRule.objects.filter(shop=None, client=None).exists()
    assert RiskRule.objects.filter(shop=None, client=None).exists()
    assert OrderMapping.objects.exists()


def test_manager_edits_his_shops_late_rule(manager_a, rules, shop):
    rule = rules["a"]
    response = manager_a.post(url(rule), late_data(rule, ship_grace_hours="24", stuck_hours="36"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.ship_grace_hours, rule.stuck_hours, rule.shop_id) == (24, 36, shop.pk)
    assert rule.history.filter(history_type="~").exists()  # who/when/what is recorded


def test_manager_adds_an_override_for_his_shop(manager_a, rules, shop):
    response = manager_a.post(url(LateRule, "add"), late_data(name="A店顺丰", courier="顺丰", shop=shop.pk))
    assert response.status_code == 302
    added = LateRule.objects.get(name="A店顺丰")
    assert (added.shop_id, added.courier, added.offer_amount) == (shop.pk, "顺丰", 5)


def test_manager_cannot_change_the_global_rule(manager_a, rules):
    before = snapshot(LateRule)
    rule = rules["global"]
    assert manager_a.get(url(rule)).status_code == 200  # readable
    assert manager_a.post(url(rule), late_data(rule, ship_grace_hours="999")).status_code == 403
    assert manager_a.post(url(rule, "delete"), {"post": "yes"}).status_code == 403
    assert snapshot(LateRule) == before


def test_manager_cannot_reach_shop_bs_rule(manager_a, rules):
    before = snapshot(LateRule)
    rule = rules["b"]
    assert manager_a.get(url(rule)).status_code == 302  # the admin's "does not exist"
    response = manager_a.post(url(rule), late_data(rule, ship_grace_hours="999"))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert snapshot(LateRule) == before
    assert "B店延迟" not in manager_a.get(url(LateRule, "changelist")).content.decode()


def test_manager_cannot_add_a_global_rule_or_one_for_shop_b(manager_a, rules, other_shop):
    before = snapshot(LateRule)
    for shop_value in ("", other_shop.pk):
        response = manager_a.post(url(LateRule, "add"), late_data(name="越权规则", shop=shop_value))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert snapshot(LateRule) == before


def test_bad_input_is_a_form_error_and_saves_nothing(manager_a, rules):
    before = snapshot(LateRule)
    rule = rules["a"]
    response = manager_a.post(url(rule), late_data(rule, ship_grace_hours="-3", offer_amount="abc"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"ship_grace_hours", "offer_amount"} <= set(errors)
    assert snapshot(LateRule) == before


def test_policy_owner_changes_the_global_rule(owner, rules):
    rule = rules["global"]
    response = owner.post(url(rule), late_data(rule, ship_grace_hours="30"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.ship_grace_hours == 30 and rule.shop_id is None


def test_manager_edits_his_risk_rule_not_the_global_one(manager_a, shop):
    mine = RiskRule.objects.create(name="A店风险", shop=shop, min_after_sales=5)
    global_rule = RiskRule.objects.filter(shop=None, client=None).first()
    response = manager_a.post(url(mine), risk_data(mine, min_after_sales="2"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.min_after_sales, mine.suggestion) == (2, "建议购买运费险")
    before = snapshot(RiskRule)
    assert manager_a.post(url(global_rule), risk_data(global_rule, min_after_sales="1")).status_code == 403
    assert snapshot(RiskRule) == before


def test_late_rules_export_as_csv_in_the_managers_reach(manager_a, rules):
    fields = {f"lateruleresource_{name}": "on" for name in ("name", "shop", "ship_grace_hours")}
    response = manager_a.post(url(LateRule, "export"), {"format": "1", "resource": "0", **fields})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "A店延迟" in text and "B店延迟" not in text


def mapping_data(mapping, **overrides):
    import json

    data = {
        "code": mapping.code,
        "name": mapping.name,
        "platforms": mapping.platforms,
        "priority": mapping.priority,
        "active": "on",
        "ship_within_hours": mapping.ship_within_hours,
        "columns": json.dumps(mapping.columns, ensure_ascii=False),
        "required_fields": json.dumps(mapping.required_fields),
        "status_map": json.dumps(mapping.status_map, ensure_ascii=False),
        "after_sale_map": json.dumps(mapping.after_sale_map, ensure_ascii=False),
    }
    data.update(overrides)
    return data


def test_manager_reads_the_order_mappings_but_changes_none(manager_a):
    mapping = OrderMapping.objects.order_by("pk").first()
    before = snapshot(OrderMapping)
    listing = manager_a.get(url(OrderMapping, "changelist"))
    assert listing.status_code == 200 and "淘宝、天猫" in listing.content.decode()  # platforms in words
    assert manager_a.get(url(mapping)).status_code == 200
    assert manager_a.post(url(mapping), mapping_data(mapping, ship_within_hours="1")).status_code == 403
    assert manager_a.get(url(OrderMapping, "add")).status_code == 403
    assert snapshot(OrderMapping) == before


def test_policy_owner_changes_a_mapping_and_bad_json_saves_nothing(owner):
    mapping = OrderMapping.objects.order_by("pk").first()
    response = owner.post(url(mapping), mapping_data(mapping, ship_within_hours="72"))
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.ship_within_hours == 72
    before = snapshot(OrderMapping)
    response = owner.post(url(mapping), mapping_data(mapping, columns="{不是JSON"))
    assert response.status_code == 200 and "columns" in response.context["adminform"].form.errors
    assert snapshot(OrderMapping) == before
