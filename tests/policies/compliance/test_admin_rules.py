"""The compliance rule admin: a manager sees and edits the new fields (category, combination terms and
distance, per-platform actions, the cited platform rule); a bad edit shows its Chinese message and
changes nothing; the fields survive the policy pack's XLSX export and import."""

import pytest

from policies import models as m
from tests.policies import admin_support
from tests.policies.admin_support import add_url, change_url, page, post_admin, snapshot

manager, manager_client = admin_support.manager, admin_support.manager_client

pytestmark = pytest.mark.django_db


def combination_data(**overrides):
    data = {
        "name": "评价+利益",
        "category": "inducement",
        "platforms": [],
        "channels": [],
        "match_mode": "combination",
        "patterns": "",
        "terms_a": "好评\n[45]星",
        "terms_b": "红包\n返现",
        "distance": "10",
        "action": "warn",
        "platform_actions": "taobao:block,tmall:block",
        "cited_rule": "网络交易监督管理办法第十四条",
        "reason": "以利益换取好评。",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_combination_rule_is_created_and_shown(manager_client):
    form_page = page(manager_client.get(add_url(m.ComplianceRule)))
    for name in ("category", "terms_a", "terms_b", "distance", "platform_actions", "cited_rule"):
        assert f'name="{name}"' in form_page
    response = post_admin(manager_client, add_url(m.ComplianceRule), m.ComplianceRule, combination_data())
    assert response.status_code == 302
    rule = m.ComplianceRule.objects.get()
    assert (rule.category, rule.match_mode, rule.distance) == ("inducement", "combination", 10)
    assert (rule.terms_a, rule.platform_actions) == ("好评\n[45]星", "taobao:block,tmall:block")
    listing = page(manager_client.get(add_url(m.ComplianceRule).replace("add/", "")))
    assert "利诱好评" in listing and "淘宝：拦截、天猫：拦截" in listing and "taobao:block" not in listing
    assert "网络交易监督管理办法第十四条" in page(manager_client.get(change_url(rule)))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"terms_a": ""}, "“甲类词”至少填写一行。"),
        ({"terms_b": "红(包"}, "“乙类词”中的正则表达式“红(包”无效"),
        ({"distance": "0"}, "最大间距须在1到200字之间。"),
        ({"platform_actions": "taobao=block"}, "“taobao=block”格式不对"),
        ({"match_mode": "regex", "patterns": ""}, "“用语/正则”至少填写一行。"),
    ],
)
def test_a_bad_rule_shows_its_message_and_saves_nothing(manager_client, overrides, message):
    existing = m.ComplianceRule.objects.create(name="已有", patterns="好评返现", reason="r")
    before = snapshot(m.ComplianceRule)
    response = post_admin(
        manager_client, add_url(m.ComplianceRule), m.ComplianceRule, combination_data(**overrides)
    )
    assert response.status_code == 200 and message in page(response)
    assert snapshot(m.ComplianceRule) == before
    response = post_admin(
        manager_client, change_url(existing), m.ComplianceRule, combination_data(**overrides)
    )
    assert message in page(response) and snapshot(m.ComplianceRule) == before


def test_the_new_fields_survive_the_pack_export_and_import():
    from policies.resources import ComplianceRuleResource

    rule = m.ComplianceRule.objects.create(
        name="评价+利益",
        category="inducement",
        match_mode="combination",
        terms_a="好评",
        terms_b="红包",
        distance=9,
        platform_actions="taobao:block",
        cited_rule="网络交易监督管理办法第十四条",
        reason="r",
    )
    dataset = ComplianceRuleResource().export()
    headers = dataset.headers
    row = dict(zip(headers, dataset[0], strict=True))
    assert row["各平台处理"] == "淘宝：拦截"  # words in the workbook, never the stored codes
    m.ComplianceRule.objects.filter(pk=rule.pk).update(
        terms_b="", distance=3, cited_rule="", category="other", platform_actions=""
    )
    result = ComplianceRuleResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    rule.refresh_from_db()
    assert (rule.terms_b, rule.distance, rule.cited_rule, rule.category, rule.platform_actions) == (
        "红包",
        9,
        "网络交易监督管理办法第十四条",
        "inducement",
        "taobao:block",
    ), row


def test_per_platform_actions_are_shown_and_typed_in_words_and_stored_as_codes(manager_client):
    response = post_admin(
        manager_client,
        add_url(m.ComplianceRule),
        m.ComplianceRule,
        combination_data(platform_actions="淘宝：拦截、抖店：警告"),
    )
    assert response.status_code == 302
    rule = m.ComplianceRule.objects.get()
    assert rule.platform_actions == "taobao:block,douyin:warn"
    form = page(manager_client.get(change_url(rule)))
    assert "淘宝：拦截、抖店：警告" in form and "taobao:block" not in form


def test_a_pack_cell_with_an_unknown_platform_action_is_refused_by_name():
    import tablib

    from policies.resources import ComplianceRuleResource

    dataset = ComplianceRuleResource().export()
    data = tablib.Dataset(headers=dataset.headers)
    row = {h: "" for h in dataset.headers} | {"名称": "坏规则", "各平台处理": "淘宝：删除", "用语": "返现"}
    data.append([row[h] for h in dataset.headers])
    result = ComplianceRuleResource().import_data(data, dry_run=True)
    assert result.has_validation_errors() or result.has_errors()
    messages = " ".join(str(e) for r in result.invalid_rows for e in r.error_dict.values()) + " ".join(
        str(e.error) for _i, errors in result.row_errors() for e in errors
    )
    assert "“淘宝：删除”格式不对" in messages and not m.ComplianceRule.objects.filter(name="坏规则").exists()
