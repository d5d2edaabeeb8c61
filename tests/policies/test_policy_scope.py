"""F5: policies are scoped. A manager changes the overrides of his own shops only; the global rules (no
shop), issue types, import mappings and insight settings need ``policies.change_global_policy``, held
by the policy owner role. Every path is tried: the admin's forms, its object pages, its import, the
history's revert, the pack import and export, the sandbox."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from policies import models as m
from policies.pack import import_pack
from tests.factories import ShopFactory
from tests.policies.admin_support import (
    add_url,
    change_url,
    inline,
    page,
    post_admin,
    reply_template_form,
    snapshot,
)
from tests.policies.pack_support import build_pack, every_rule_snapshot, workbook_bytes, workbook_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_a(db):
    return ShopFactory(code="tb-a", platform="taobao", name="A店")


@pytest.fixture
def shop_b(db):
    return ShopFactory(code="tb-b", platform="taobao", name="B店")


@pytest.fixture
def manager_a(make_user, shop_a):
    return make_user("manager", is_staff=True, shops=[shop_a])


@pytest.fixture
def client_a(manager_a):
    client = Client()
    client.force_login(manager_a)
    return client


@pytest.fixture
def owner(make_user, shop_a, shop_b):
    user = make_user("manager", is_staff=True, shops=[shop_a, shop_b])
    user.groups.add(Group.objects.get(name="policy_owner"))
    return user


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def global_option():
    rule = m.CompensationRule.objects.create(name="质量-全局")
    return m.CompensationOption.objects.create(
        rule=rule, name="退款", kind="refund", value=Decimal("10"), cost_cap=Decimal("300")
    )


def option_form(option, **overrides):
    data = {
        "rule": option.rule_id,
        "name": option.name,
        "kind": option.kind,
        "formula": option.formula,
        "value": "10",
        "extra_coupon": "0",
        "cost_cap": "300",
        "approval_role": "supervisor",
        "expected_acceptance": "",
        "sort_order": "0",
    }
    return data | overrides


# --- shop overrides: his shops only ------------------------------------------------------------------


def test_manager_cannot_create_an_override_for_another_shop(client_a, shop_b):
    response = post_admin(
        client_a, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop=shop_b.pk)
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in page(response)
    assert m.ReplyTemplate.objects.count() == 0


def test_the_shop_choices_are_his_shops_only(client_a, shop_a, shop_b):
    body = page(client_a.get(add_url(m.ReplyTemplate)))
    assert f'<option value="{shop_a.pk}">' in body
    assert f'<option value="{shop_b.pk}">' not in body


def test_manager_creates_an_override_for_his_shop(client_a, shop_a):
    response = post_admin(
        client_a, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop=shop_a.pk)
    )
    assert response.status_code == 302
    assert m.ReplyTemplate.objects.get().shop == shop_a


def test_manager_cannot_create_a_global_rule(client_a):
    response = post_admin(client_a, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop=""))
    assert response.status_code == 200
    assert "该字段是必填项。" in page(response)
    assert m.ReplyTemplate.objects.count() == 0


def test_another_shops_override_is_neither_listed_nor_opened_nor_changed_nor_deleted(client_a, shop_b):
    theirs = m.ReplyTemplate.objects.create(
        name="B店回复", channel="public_reply", stage="first_contact", body="B店的话。", shop=shop_b
    )
    before = snapshot(m.ReplyTemplate)
    assert "B店回复" not in page(client_a.get(reverse("admin:policies_replytemplate_changelist")))
    assert client_a.get(change_url(theirs)).status_code == 302  # the admin's "does not exist"
    post_admin(
        client_a, change_url(theirs), m.ReplyTemplate, reply_template_form(shop=shop_b.pk, body="改了")
    )
    client_a.post(reverse("admin:policies_replytemplate_delete", args=[theirs.pk]), {"post": "yes"})
    assert snapshot(m.ReplyTemplate) == before


# --- global rules: the policy owner only -------------------------------------------------------------


def test_manager_cannot_raise_a_global_cost_cap_on_the_options_own_page(client_a, global_option):
    before = snapshot(m.CompensationOption)
    response = client_a.post(change_url(global_option), option_form(global_option, cost_cap="99999999"))
    assert response.status_code == 403
    assert snapshot(m.CompensationOption) == before
    assert m.CompensationOption.objects.get().cost_cap == Decimal("300.00")


def test_manager_sees_a_global_rule_read_only(client_a, global_option):
    response = client_a.get(change_url(global_option.rule))
    assert response.status_code == 200
    assert 'name="_save"' not in page(response)


def test_manager_cannot_raise_the_cap_through_the_rules_inline(client_a, global_option):
    rule = global_option.rule
    before = snapshot(m.CompensationOption)
    data = {
        "name": rule.name,
        "issue_type": "",
        "customer_tier": "",
        "amount_above": "",
        "amount_up_to": "",
        "priority": "100",
        "note": "",
        "shop": "",
        "active": "on",
    }
    row = option_form(global_option, cost_cap="99999999", id=global_option.pk, rule=rule.pk)
    data |= inline("options", [row], initial=1)
    assert client_a.post(change_url(rule), data).status_code == 403
    assert snapshot(m.CompensationOption) == before


def test_manager_cannot_hang_a_new_option_on_a_global_rule(client_a, global_option):
    response = client_a.post(add_url(m.CompensationOption), option_form(global_option, name="大额退款"))
    assert response.status_code == 200
    assert "选择一个有效的选项" in page(response)
    assert m.CompensationOption.objects.count() == 1


def test_manager_cannot_revert_a_global_rule_through_its_history(client_a, global_option):
    rule = global_option.rule
    rule.priority = 50
    rule.save()
    first = rule.history.order_by("history_id").first()
    url = reverse("admin:policies_compensationrule_simple_history", args=[rule.pk, first.history_id])
    data = {
        "name": rule.name,
        "issue_type": "",
        "customer_tier": "",
        "amount_above": "",
        "amount_up_to": "",
        "priority": "100",
        "note": "",
        "shop": "",
        "active": "on",
    }
    client_a.post(url, data | inline("options", []))
    assert m.CompensationRule.objects.get().priority == 50


def test_manager_cannot_edit_or_delete_a_global_compliance_rule(client_a):
    rule = m.ComplianceRule.objects.create(name="好评返现", patterns="返现", action="block", reason="禁止。")
    before = snapshot(m.ComplianceRule)
    edit = {
        "name": "好评返现",
        "platforms": [],
        "channels": [],
        "match_mode": "keywords",
        "patterns": "无关",
        "action": "warn",
        "reason": "",
        "shop": "",
        "active": "on",
    }
    assert client_a.post(change_url(rule), edit).status_code == 403
    delete = client_a.post(reverse("admin:policies_compliancerule_delete", args=[rule.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert snapshot(m.ComplianceRule) == before


def test_manager_cannot_delete_a_global_rule_with_the_bulk_action(client_a, shop_a):
    rule = m.ComplianceRule.objects.create(name="好评返现", patterns="返现", action="block", reason="禁止。")
    mine = m.ComplianceRule.objects.create(name="A店", patterns="x", action="warn", shop=shop_a)
    before = snapshot(m.ComplianceRule)
    changelist = reverse("admin:policies_compliancerule_changelist")
    client_a.post(
        changelist, {"action": "delete_selected", "_selected_action": [rule.pk, mine.pk], "post": "yes"}
    )
    assert snapshot(m.ComplianceRule) == before


def test_manager_cannot_add_an_issue_type(client_a):
    assert client_a.get(add_url(m.IssueType)).status_code == 403
    assert client_a.get(reverse("admin:policies_issuetype_changelist")).status_code == 200


def test_owner_changes_the_global_cap_and_deletes_a_global_compliance_rule(owner_client, global_option):
    response = owner_client.post(change_url(global_option), option_form(global_option, cost_cap="500"))
    assert response.status_code == 302
    assert m.CompensationOption.objects.get().cost_cap == Decimal("500.00")
    rule = m.ComplianceRule.objects.create(name="好评返现", patterns="返现", action="block", reason="禁止。")
    owner_client.post(reverse("admin:policies_compliancerule_delete", args=[rule.pk]), {"post": "yes"})
    assert not m.ComplianceRule.objects.exists()


def test_owner_creates_a_global_rule(owner_client):
    response = post_admin(
        owner_client, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop="")
    )
    assert response.status_code == 302
    assert m.ReplyTemplate.objects.get().shop is None


# --- the admin's import ------------------------------------------------------------------------------

OPTION_HEADERS = [
    "补偿规则",
    "规则店铺",
    "方案名称",
    "方案类型",
    "金额公式",
    "公式参数",
    "附加优惠券(元)",
    "成本上限(元)",
    "按上限封顶",
    "超上限审批角色",
    "总是需要审批",
    "预期接受率(%)",
    "排序",
]


def option_csv(cap: str, rule="质量-全局", rule_shop="") -> io.BytesIO:
    line = f"{rule},{rule_shop},退款,refund,fixed,10,0,{cap},否,supervisor,否,,0\n"
    upload = io.BytesIO(("\ufeff" + ",".join(OPTION_HEADERS) + "\n" + line).encode())
    upload.name = "options.csv"
    return upload


def test_manager_cannot_import_a_global_cap(client_a, global_option):
    before = snapshot(m.CompensationOption)
    upload = {"import_file": option_csv("99999999"), "format": "1", "resource": "0"}
    response = client_a.post(reverse("admin:policies_compensationoption_import"), upload)
    body = page(response)
    assert "全局规则只有规则负责人可以修改" in body
    assert 'name="import_file_name"' not in body  # no confirm form
    assert snapshot(m.CompensationOption) == before


def test_manager_cannot_import_another_shops_rule(client_a, shop_b):
    m.CompensationRule.objects.create(name="B店规则", shop=shop_b)
    upload = {"import_file": option_csv("1", "B店规则", "tb-b"), "format": "1", "resource": "0"}
    response = client_a.post(reverse("admin:policies_compensationoption_import"), upload)
    assert "只能修改你所属店铺的规则。" in page(response)
    assert m.CompensationOption.objects.count() == 0


# --- the policy pack ---------------------------------------------------------------------------------


def _cap_raised(cells: dict) -> bytes:
    sheet = cells["补偿方案"]
    column = sheet[0].index("成本上限(元)")
    for row in sheet[1:]:
        row[column] = 99999999
    return workbook_bytes(cells)


def test_manager_cannot_import_a_pack_that_changes_global_rules(client_a, manager_a, shop_a):
    build_pack(shop_a)
    cells = workbook_cells(client_a.get(reverse("policies:pack_export")).content)
    before = every_rule_snapshot()
    report = import_pack(_cap_raised(cells), dry_run=False, user=manager_a)
    assert not report.written
    assert any("全局规则只有规则负责人可以修改" in e.message for e in report.errors)
    assert every_rule_snapshot() == before


def test_manager_reimports_his_export_unchanged(client_a, manager_a, shop_a):
    build_pack(shop_a)
    data = client_a.get(reverse("policies:pack_export")).content
    report = import_pack(data, dry_run=False, user=manager_a)
    assert report.errors == [] and report.written


def test_the_pack_export_holds_no_other_shops_rules(client_a, shop_a, shop_b):
    build_pack(shop_a)
    m.ComplianceRule.objects.create(name="B店专属", patterns="x", action="warn", shop=shop_b)
    cells = workbook_cells(client_a.get(reverse("policies:pack_export")).content)
    flat = [value for sheet in cells.values() for row in sheet for value in row]
    assert "B店专属" not in flat and "tb-b" not in flat
    assert "tb-a" in flat  # his own overrides are there


def test_owner_imports_a_pack_that_changes_global_rules(owner_client, owner, shop_a):
    build_pack(shop_a)
    cells = workbook_cells(owner_client.get(reverse("policies:pack_export")).content)
    report = import_pack(_cap_raised(cells), dry_run=False, user=owner)
    assert report.errors == [] and report.written
    assert set(m.CompensationOption.objects.values_list("cost_cap", flat=True)) == {Decimal("99999999.00")}


# --- import mappings and insight settings (global settings of later apps) ----------------------------


def test_manager_cannot_add_or_change_an_import_mapping(client_a):
    from cases.models import ImportMapping

    mapping = ImportMapping.objects.first()
    assert client_a.get(reverse("admin:cases_importmapping_add")).status_code == 403
    if mapping is not None:
        before = list(ImportMapping.objects.order_by("pk").values())
        url = reverse("admin:cases_importmapping_change", args=[mapping.pk])
        assert client_a.post(url, {"name": "x"}).status_code == 403
        assert list(ImportMapping.objects.order_by("pk").values()) == before


def test_owner_may_add_an_import_mapping(owner_client):
    assert owner_client.get(reverse("admin:cases_importmapping_add")).status_code == 200


def test_manager_reads_but_cannot_change_insight_settings(client_a, owner_client):
    from insights.models import InsightSettings

    settings_row = InsightSettings.objects.first() or InsightSettings.objects.create()
    url = reverse("admin:insights_insightsettings_change", args=[settings_row.pk])
    assert client_a.get(url).status_code == 200
    assert client_a.post(url, {"courier_threshold_percent": "99", "courier_months": "1"}).status_code == 403
    assert 'name="_save"' in page(owner_client.get(url))


# --- the sandbox -------------------------------------------------------------------------------------

REVIEW = {
    "platform": "taobao",
    "rating": "1",
    "text": "物流太慢了",
    "appended_text": "",
    "order_amount": "250",
    "shipping_fee": "12",
    "annual_spend": "0",
    "received_at": "2026-11-20T23:30",
}


def test_sandbox_refuses_another_shop(client_a, shop_b):
    response = client_a.post(reverse("policies:sandbox"), REVIEW | {"shop": shop_b.pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in page(response)
    assert response.context["decision"] is None


def test_sandbox_decides_for_his_shop_and_the_global_rules(client_a, shop_a):
    for shop in (shop_a.pk, ""):
        response = client_a.post(reverse("policies:sandbox"), REVIEW | {"shop": shop})
        assert response.context["decision"] is not None


# --- the role ----------------------------------------------------------------------------------------


def test_the_policy_owner_role_holds_the_global_permission(make_user):
    owner_only = make_user("policy_owner", is_staff=True)
    manager_only = make_user("manager", is_staff=True)
    assert owner_only.has_perm("policies.change_global_policy")
    assert not manager_only.has_perm("policies.change_global_policy")


def test_the_demo_has_a_policy_owner():
    from reviewdesk.demo import ensure_demo_org

    _shops, users = ensure_demo_org()
    assert users["owner1"].has_perm("policies.change_global_policy") and users["owner1"].is_staff
    assert not users["manager1"].has_perm("policies.change_global_policy")
