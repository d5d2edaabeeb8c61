"""The compensation matrix edited as a grid (``policies.admin.compensation_grid``): issue type × amount
band × customer tier with every option's caps and approval role, saved through the model's validation,
the layer rules of ``policies.scope`` and simple_history — or, on any refusal or error, not at all."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from policies import models as m
from tests.factories import ShopFactory
from tests.policies.admin_support import page, snapshot

pytestmark = pytest.mark.django_db
GRID = "admin:policies_compensationrule_grid"


@pytest.fixture
def shop_a(db):
    return ShopFactory(code="grid-a", platform="taobao", name="A店")


@pytest.fixture
def shop_b(db):
    return ShopFactory(code="grid-b", platform="taobao", name="B店")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(make_user, shop_a, shop_b):
    user = make_user("manager", is_staff=True, shops=[shop_a, shop_b])
    user.groups.add(Group.objects.get(name="policy_owner"))
    return user


@pytest.fixture
def manager_a(make_user, shop_a):
    return make_user("manager", is_staff=True, shops=[shop_a])


def _rule(name, *, shop=None, issue=None, tier=None, above=None, up_to=None, **option):
    rule = m.CompensationRule.objects.create(
        name=name, shop=shop, issue_type=issue, customer_tier=tier, amount_above=above, amount_up_to=up_to
    )
    defaults = {"name": f"{name}-退款", "kind": "refund", "value": Decimal("10"), "cost_cap": Decimal("50")}
    m.CompensationOption.objects.create(rule=rule, **(defaults | option))
    return rule


def _post(rule, **fields):
    """The grid's POST for the options of ``rule`` (their current values, ``fields`` changed)."""
    data = {f"r{rule.pk}-version": str(rule.version)}
    for option in rule.options.all():
        p = f"o{option.pk}-"
        data |= {
            p + "value": str(option.value),
            p + "extra_coupon": str(option.extra_coupon),
            p + "cost_cap": "" if option.cost_cap is None else str(option.cost_cap),
            p + "approval_role": option.approval_role,
        }
        if option.always_requires_approval:
            data[p + "always_requires_approval"] = "on"
        data |= {p + name: value for name, value in fields.items()}
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_the_grid_shows_issue_types_bands_and_tiers_with_caps_and_approval_roles(seeded, owner):
    html = page(_client(owner).get(reverse(GRID), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    rules = list(m.CompensationRule.objects.filter(shop=None, client=None).prefetch_related("options"))
    assert rules, "the default pack has compensation rules"
    for rule in rules:
        assert f'data-rule="{rule.pk}"' in html and rule.band_label in html
        assert str(rule.issue_type.name if rule.issue_type else "任意问题类型") in html
        assert str(rule.customer_tier.name if rule.customer_tier else "任意分层") in html
        for option in rule.options.all():
            assert f'name="o{option.pk}-cost_cap"' in html
            assert f'name="o{option.pk}-approval_role"' in html
    assert 'id="compensation-grid"' in html and "保存矩阵" in html


def test_the_owner_changes_a_cap_and_an_approval_role_saved_with_version_and_history(seeded, owner):
    rule = _rule("网格-全局", up_to=Decimal("100"))
    option = rule.options.get()
    version = rule.version
    response = _client(owner).post(
        reverse(GRID), {"layer": "global", **_post(rule, cost_cap="80.00", approval_role="manager")}
    )
    assert response.status_code == 302
    option.refresh_from_db()
    rule.refresh_from_db()
    assert (option.cost_cap, option.approval_role) == (Decimal("80.00"), "manager")
    assert rule.version == version + 1
    newest = rule.history.order_by("-history_id").first()
    assert newest.history_user == owner and newest.history_change_reason == "补偿矩阵表格修改"


def test_bad_input_is_a_message_per_field_and_nothing_changes(seeded, owner):
    rule = _rule("网格-百分比", formula="percent_of_order")
    other = _rule("网格-另一条", issue=m.IssueType.objects.order_by("pk").first())
    before, versions = snapshot(m.CompensationOption), snapshot(m.CompensationRule)
    data = {"layer": "global", **_post(rule, value="150"), **_post(other, cost_cap="-3")}
    data[f"o{other.options.get().pk}-approval_role"] = "root"
    response = _client(owner).post(reverse(GRID), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    said = " ".join(_messages(response))
    assert "百分比不能超过100" in said and "金额不能为负数" in said and "没有保存任何修改" in said
    assert "超上限审批角色" in said  # the unknown role, by the field's label
    assert snapshot(m.CompensationOption) == before and snapshot(m.CompensationRule) == versions


def test_a_rule_changed_since_the_page_was_shown_is_refused(seeded, owner):
    rule = _rule("网格-并发")
    data = {"layer": "global", **_post(rule, cost_cap="70")}
    rule.note = "someone else"
    rule.save()  # version + 1 after the page was shown
    before = snapshot(m.CompensationOption)
    response = _client(owner).post(reverse(GRID), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "刚被其他人修改" in " ".join(_messages(response))
    assert snapshot(m.CompensationOption) == before


def test_a_shop_manager_reads_the_global_layer_and_cannot_save_it(seeded, manager_a):
    rule = _rule("网格-全局只读")
    client = _client(manager_a)
    html = page(client.get(reverse(GRID), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'id="grid-read-only"' in html and f'name="o{rule.options.get().pk}-cost_cap"' not in html
    before, rules = snapshot(m.CompensationOption), snapshot(m.CompensationRule)
    response = client.post(reverse(GRID), {"layer": "global", **_post(rule, cost_cap="999")}, follow=True)
    assert "全局层只有规则负责人" in " ".join(_messages(response))
    assert snapshot(m.CompensationOption) == before and snapshot(m.CompensationRule) == rules


def test_a_shop_manager_edits_his_shops_layer_only(seeded, manager_a, shop_a, shop_b):
    mine = _rule("网格-A店", shop=shop_a)
    theirs = _rule("网格-B店", shop=shop_b)
    client = _client(manager_a)
    html = page(client.get(reverse(GRID), {"layer": f"shop:{shop_a.code}"}))
    assert f'data-rule="{mine.pk}"' in html and f'data-rule="{theirs.pk}"' not in html
    # Another shop's layer: refused, its rules never shown.
    refused = client.get(reverse(GRID), {"layer": f"shop:{shop_b.code}"}, follow=True)
    assert f'data-rule="{theirs.pk}"' not in page(refused) and "不能查看店铺" in " ".join(_messages(refused))
    # Shop B's option smuggled into a POST of his own layer: refused whole, nothing saved.
    before = snapshot(m.CompensationOption)
    data = {"layer": f"shop:{shop_a.code}", **_post(mine, cost_cap="60"), **_post(theirs, cost_cap="1")}
    response = client.post(reverse(GRID), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "不属于这一层级" in " ".join(_messages(response))
    assert snapshot(m.CompensationOption) == before
    # His own layer alone: saved.
    saved = client.post(reverse(GRID), {"layer": f"shop:{shop_a.code}", **_post(mine, cost_cap="60")})
    assert saved.status_code == 302 and mine.options.get().cost_cap == Decimal("60")
    assert theirs.options.get().cost_cap == Decimal("50")


@pytest.mark.parametrize(
    "layer", ["nonsense", "shop:", "client:nobody", "shop:" + "x" * 5000, "global\x00", "shop:../../etc"]
)
def test_hostile_layers_are_a_message_not_a_500(seeded, owner, layer):
    response = _client(owner).get(reverse(GRID), {"layer": layer}, follow=True)
    assert response.status_code == 200 and _messages(response)


def test_hostile_option_keys_are_refused_and_change_nothing(seeded, owner):
    rule = _rule("网格-恶意")
    before = snapshot(m.CompensationOption)
    for key in ("o99999999999999999-cost_cap", "o0-value"):
        response = _client(owner).post(reverse(GRID), {"layer": "global", **_post(rule), key: "1"})
        assert response.status_code == 200
    assert snapshot(m.CompensationOption) == before


def test_hr_and_agents_do_not_reach_the_grid(seeded, make_user):
    assert _client(make_user("hr", is_staff=True)).get(reverse(GRID)).status_code == 403
    assert _client(make_user("agent")).get(reverse(GRID)).status_code == 302  # the admin's login


def test_the_grid_costs_a_fixed_number_of_queries(seeded, owner, django_assert_max_num_queries):
    client = _client(owner)
    client.get(reverse(GRID))
    with django_assert_max_num_queries(14):
        assert client.get(reverse(GRID)).status_code == 200
