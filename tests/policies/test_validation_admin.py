"""Every validation rule of the policy pack, proven through the admin as a manager edits it: the bad edit
shows its Chinese message and nothing in the database changes; the good edit next to it is accepted."""

from decimal import Decimal

import pytest

from policies import models as m
from tests.policies import admin_support
from tests.policies.admin_support import (
    add_url,
    change_url,
    inline,
    issue_type,
    page,
    post_admin,
    refused,
    reply_template_form,
    snapshot,
)

manager, manager_client = admin_support.manager, admin_support.manager_client

pytestmark = pytest.mark.django_db


# --- compensation: amount bands, negative amounts, options --------------------------------------------


def rule_data(**overrides):
    data = {
        "name": "质量-中额",
        "issue_type": issue_type().pk,
        "customer_tier": "",
        "amount_above": "",
        "amount_up_to": "",
        "priority": "100",
        "note": "",
        "shop": "",
        "active": "on",
    }
    data.update(overrides)
    return data


def option_row(**overrides):
    row = {
        "name": "补发",
        "kind": "reship",
        "formula": "fixed",
        "value": "0",
        "extra_coupon": "0",
        "cost_cap": "",
        "approval_role": "supervisor",
        "expected_acceptance": "",
        "sort_order": "0",
    }
    row.update(overrides)
    return row


@pytest.fixture
def low_band():
    return m.CompensationRule.objects.create(
        name="质量-低额", issue_type=issue_type(), amount_up_to=Decimal("100")
    )


def test_overlapping_amount_band_is_refused(manager_client, low_band):
    before = snapshot(m.CompensationRule)
    response = post_admin(
        manager_client,
        add_url(m.CompensationRule),
        m.CompensationRule,
        rule_data(amount_above="50", amount_up_to="300"),
    )
    assert response.status_code == 200
    assert "金额区间重叠：质量-低额 (0, 100.00] 与 质量-中额 (50, 300]。" in page(response)
    assert snapshot(m.CompensationRule) == before


def test_gapped_amount_band_is_refused(manager_client, low_band):
    before = snapshot(m.CompensationRule)
    response = post_admin(
        manager_client,
        add_url(m.CompensationRule),
        m.CompensationRule,
        rule_data(amount_above="150", amount_up_to="300"),
    )
    assert "金额区间有缺口：质量-低额 (0, 100.00] 与 质量-中额 (150, 300] 之间的金额没有规则。" in page(
        response
    )
    assert snapshot(m.CompensationRule) == before


def test_adjacent_amount_band_is_accepted(manager_client, low_band):
    response = post_admin(
        manager_client,
        add_url(m.CompensationRule),
        m.CompensationRule,
        rule_data(amount_above="100", amount_up_to="300"),
    )
    assert response.status_code == 302
    assert m.CompensationRule.objects.get(name="质量-中额").amount_above == Decimal("100.00")


def test_upper_bound_not_above_lower_bound_is_refused(manager_client):
    data = rule_data(amount_above="300", amount_up_to="100")
    refused(manager_client, m.CompensationRule, data, "金额上限必须大于下限。")


def test_negative_band_amount_is_refused(manager_client):
    data = rule_data(amount_above="-10", amount_up_to="100")
    refused(manager_client, m.CompensationRule, data, "金额不能为负数。")


@pytest.mark.parametrize("field", ["value", "cost_cap", "extra_coupon"])
def test_negative_option_amount_is_refused(manager_client, field):
    data = rule_data() | inline("options", [option_row(**{field: "-5"})])
    refused(manager_client, m.CompensationRule, data, "金额不能为负数。", unchanged=[m.CompensationOption])


def test_rule_with_valid_options_is_saved_with_them(manager_client):
    data = rule_data() | inline(
        "options", [option_row(), option_row(name="补发+券", kind="coupon", value="10", cost_cap="30")]
    )
    response = post_admin(manager_client, add_url(m.CompensationRule), m.CompensationRule, data)
    assert response.status_code == 302
    assert sorted(m.CompensationOption.objects.values_list("name", flat=True)) == ["补发", "补发+券"]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"formula": "percent_of_order", "value": "120"}, "百分比不能超过100。"),
        ({"clamp_to_cap": "on"}, "勾选“按上限封顶”时必须填写成本上限。"),
        ({"expected_acceptance": "101"}, "接受率不能超过100%。"),
    ],
)
def test_option_rules_are_enforced(manager_client, row, message):
    data = rule_data() | inline("options", [option_row(**row)])
    refused(manager_client, m.CompensationRule, data, message)


def test_two_options_with_one_name_are_refused(manager_client):
    data = rule_data() | inline("options", [option_row(), option_row(value="5")])
    refused(manager_client, m.CompensationRule, data, "同一补偿规则内方案名称重复：补发。")


def test_negative_customer_tier_spend_is_refused(manager_client):
    data = {"code": "vip", "name": "VIP", "min_annual_spend": "-1", "priority": "10", "active": "on"}
    refused(manager_client, m.CustomerTier, data, "金额不能为负数。")


# --- SLA tiers -----------------------------------------------------------------------------------


def tier_data(**overrides):
    data = {
        "issue_type": issue_type("logistics", "物流延误").pk,
        "name": "物流2小时",
        "first_response_minutes": "120",
        "next_response_minutes": "180",
        "public_reply_minutes": "1440",
        "resolution_minutes": "2880",
        "handling_role": "agent",
        "escalation_role": "supervisor",
        "warn_at_percent": "80",
        "calendar": "",
        "shop": "",
        "active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("warn_at", ["0", "100"])
def test_warn_at_outside_1_to_99_is_refused(manager_client, warn_at):
    refused(manager_client, m.SlaTier, tier_data(warn_at_percent=warn_at), "预警百分比必须在1到99之间。")


@pytest.mark.parametrize("warn_at", ["1", "99"])
def test_warn_at_at_the_limits_is_accepted(manager_client, warn_at):
    response = post_admin(manager_client, add_url(m.SlaTier), m.SlaTier, tier_data(warn_at_percent=warn_at))
    assert response.status_code == 302
    assert m.SlaTier.objects.get().warn_at_percent == int(warn_at)


def test_tier_without_handling_role_is_refused(manager_client):
    refused(manager_client, m.SlaTier, tier_data(handling_role=""), "每个时效等级都必须指定处理角色。")


def test_zero_first_response_is_refused(manager_client):
    refused(manager_client, m.SlaTier, tier_data(first_response_minutes="0"), "首次响应时限必须大于0。")


def test_second_tier_for_one_issue_type_in_one_scope_is_refused(manager_client, shop):
    logistics = issue_type("logistics", "物流延误")
    m.SlaTier.objects.create(
        issue_type=logistics, name="物流2小时", first_response_minutes=120, handling_role="agent"
    )
    before = snapshot(m.SlaTier)
    response = post_admin(manager_client, add_url(m.SlaTier), m.SlaTier, tier_data(name="物流3小时"))
    assert "该问题类型在此范围(全局/店铺)已有时效等级：物流2小时。" in page(response)
    assert snapshot(m.SlaTier) == before
    # The same issue type in a shop's scope is an override, not a duplicate.
    response = post_admin(
        manager_client, add_url(m.SlaTier), m.SlaTier, tier_data(name="物流3小时", shop=shop.pk)
    )
    assert response.status_code == 302


def test_editing_a_tier_bumps_its_version_and_keeps_the_rule(manager_client):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type("logistics", "物流延误"),
        name="物流2小时",
        first_response_minutes=120,
        handling_role="agent",
    )
    response = post_admin(manager_client, change_url(tier), m.SlaTier, tier_data(first_response_minutes="90"))
    assert response.status_code == 302
    tier.refresh_from_db()
    assert (tier.first_response_minutes, tier.version) == (90, 2)


# --- business calendars ----------------------------------------------------------------------------


def calendar_data(hours=(), exceptions=(), **overrides):
    data = {"name": "默认营业日历", "timezone": "Asia/Shanghai", "shop": "", "active": "on"}
    data.update(overrides)
    return data | inline("hours", list(hours)) | inline("exceptions", list(exceptions))


def test_opening_hours_that_end_before_they_start_are_refused(manager_client):
    data = calendar_data(hours=[{"weekday": "0", "opens": "18:00", "closes": "08:00"}])
    message = "营业时间结束(08:00)不能早于或等于开始(18:00)；营业到午夜请填 00:00。"
    refused(manager_client, m.BusinessCalendar, data, message, unchanged=[m.OpeningHours])


def test_opening_hours_until_midnight_are_accepted(manager_client):
    response = post_admin(
        manager_client,
        add_url(m.BusinessCalendar),
        m.BusinessCalendar,
        calendar_data(hours=[{"weekday": str(d), "opens": "08:00", "closes": "00:00"} for d in range(7)]),
    )
    assert response.status_code == 302
    assert m.OpeningHours.objects.count() == 7
    assert str(m.OpeningHours.objects.first()) == "周一 08:00–24:00"


def test_overlapping_opening_hours_of_one_weekday_are_refused(manager_client):
    hours = [
        {"weekday": "2", "opens": "08:00", "closes": "12:00"},
        {"weekday": "2", "opens": "11:00", "closes": "00:00"},
    ]
    message = "周三的营业时间 08:00–12:00 与 11:00–24:00 重叠。"
    refused(manager_client, m.BusinessCalendar, calendar_data(hours=hours), message)


def test_split_opening_hours_of_one_weekday_are_accepted(manager_client):
    hours = [
        {"weekday": "2", "opens": "08:00", "closes": "12:00"},
        {"weekday": "2", "opens": "12:00", "closes": "00:00"},
    ]
    response = post_admin(
        manager_client, add_url(m.BusinessCalendar), m.BusinessCalendar, calendar_data(hours=hours)
    )
    assert response.status_code == 302
    assert m.OpeningHours.objects.filter(weekday=2).count() == 2


def test_makeup_workday_that_ends_before_it_starts_is_refused(manager_client):
    exceptions = [
        {"date": "2026-10-11", "kind": "workday", "name": "国庆调休", "opens": "20:00", "closes": "09:00"}
    ]
    message = "营业时间结束(09:00)不能早于或等于开始(20:00)"
    data = calendar_data(exceptions=exceptions)
    refused(manager_client, m.BusinessCalendar, data, message, unchanged=[m.CalendarException])


def test_unknown_timezone_is_refused(manager_client):
    refused(
        manager_client, m.BusinessCalendar, calendar_data(timezone="Mars/Olympus"), "未知时区“Mars/Olympus”。"
    )


# --- classification, malicious signals, compliance -------------------------------------------------


def test_bad_regular_expression_is_refused(manager_client):
    data = {
        "name": "质量正则",
        "issue_type": issue_type().pk,
        "match_mode": "regex",
        "patterns": "质量(差",
        "priority": "10",
        "shop": "",
        "active": "on",
    }
    refused(manager_client, m.ClassificationRule, data, "正则表达式“质量(差”无效：")


def test_rule_that_neither_classifies_nor_opens_is_refused(manager_client):
    data = {
        "name": "无用规则",
        "issue_type": "",
        "match_mode": "keywords",
        "patterns": "差",
        "priority": "10",
        "active": "on",
    }
    refused(manager_client, m.ClassificationRule, data, "规则既不归类也不开案，没有作用")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "phrase", "patterns": ""}, "用语类信号至少填写一个用语。"),
        (
            {"kind": "phrase", "match_mode": "regex", "patterns": "返现[", "threshold": ""},
            "正则表达式“返现[”无效：",
        ),
        ({"kind": "same_ip", "threshold": "", "window_days": "30"}, "计数/比率类信号必须填写大于0的阈值。"),
        ({"kind": "same_buyer", "threshold": "3", "window_days": ""}, "计数类信号必须填写统计窗口天数。"),
        ({"kind": "return_rate", "threshold": "150", "window_days": ""}, "退货率阈值是百分比，不能超过100。"),
    ],
)
def test_malicious_signal_rules_are_enforced(manager_client, data, message):
    payload = {
        "name": "信号",
        "match_mode": "keywords",
        "patterns": "",
        "threshold": "",
        "window_days": "",
        "active": "on",
    } | data
    refused(manager_client, m.MaliciousSignal, payload, message)


def compliance_data(**overrides):
    data = {
        "name": "好评返现",
        "platforms": ["taobao", "tmall"],
        "channels": [],
        "match_mode": "keywords",
        "patterns": "好评返现\n返现",
        "action": "block",
        "reason": "淘宝禁止好评返现。",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_compliance_rule_platforms_are_check_boxes_stored_as_codes(manager_client):
    form_page = page(manager_client.get(add_url(m.ComplianceRule)))
    assert 'type="checkbox" name="platforms" value="taobao"' in form_page
    assert 'type="checkbox" name="channels" value="public_reply"' in form_page
    response = post_admin(
        manager_client,
        add_url(m.ComplianceRule),
        m.ComplianceRule,
        compliance_data(platforms=["tmall", "taobao"], channels=["public_reply"]),
    )
    assert response.status_code == 302
    rule = m.ComplianceRule.objects.get()
    assert (rule.platforms, rule.channels) == ("taobao,tmall", "public_reply")
    edit_page = page(manager_client.get(change_url(rule)))
    assert 'value="taobao" id="id_platforms_0" checked' in edit_page.replace(
        'type="checkbox" name="platforms" ', ""
    )


def test_compliance_rule_with_unknown_platform_is_refused(manager_client):
    message = "选择一个有效的选项。 amazon 不在可用的选项中。"
    refused(manager_client, m.ComplianceRule, compliance_data(platforms=["amazon"]), message)


def test_compliance_rule_with_bad_regex_is_refused(manager_client):
    data = compliance_data(match_mode="regex", patterns="返(现")
    refused(manager_client, m.ComplianceRule, data, "正则表达式“返(现”无效：")


# --- platform rules, templates, contact limits ------------------------------------------------------


def platform_data(**overrides):
    data = {
        "platform": "taobao",
        "shop": "",
        "active": "on",
        "case_rating_max": "3",
        "revision_allowed": "on",
        "revision_max_count": "1",
        "revision_window_days": "30",
        "revision_note": "",
        "reply_allowed": "on",
        "reply_window_days": "30",
        "reply_max_chars": "500",
        "appeal_allowed": "on",
        "appeal_window_days": "30",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"revision_window_days": ""}, "允许修改评价时必须填写修改期限。"),
        ({"appeal_window_days": ""}, "允许申诉时必须填写申诉期限。"),
        ({"case_rating_max": "6"}, "开案评分上限"),
    ],
)
def test_platform_rule_rules_are_enforced(manager_client, overrides, message):
    refused(manager_client, m.PlatformRule, platform_data(**overrides), message)


def test_platform_rule_for_a_shop_of_another_platform_is_refused(manager_client, other_shop):
    data = platform_data(shop=other_shop.pk)
    refused(manager_client, m.PlatformRule, data, "店铺所在平台与规则的平台不一致。")


def template_data(**overrides):
    """A private first-contact message naming the order, unless overridden."""
    first_contact = {
        "name": "私信首联",
        "channel": "private_message",
        "body": "亲，订单{order_no}给您添麻烦了。",
    }
    return reply_template_form(**(first_contact | overrides))


def test_template_with_unknown_placeholder_is_refused(manager_client):
    data = template_data(body="亲，{buyer_phone} 您好，订单{order_no}")
    refused(manager_client, m.ReplyTemplate, data, "未知占位符：{buyer_phone}。可用：{order_no}")


def test_template_with_unpaired_brace_is_refused(manager_client):
    refused(
        manager_client,
        m.ReplyTemplate,
        template_data(body="亲，订单{order_no"),
        "模板格式错误(花括号不成对？)",
    )


def test_active_template_that_breaks_its_platforms_compliance_rules_is_refused(manager_client):
    m.ComplianceRule.objects.create(
        name="请改好评",
        platforms="taobao,tmall",
        patterns="更新评价\n修改评价",
        action="block",
        reason="淘宝规则禁止要求买家修改评价。",
    )
    body = "亲，问题已经解决，方便的话能否帮忙更新评价？"
    response = post_admin(manager_client, add_url(m.ReplyTemplate), m.ReplyTemplate, template_data(body=body))
    assert "启用中的模板违反淘宝的合规规则：“更新评价”：淘宝规则禁止要求买家修改评价。" in page(response)
    assert m.ReplyTemplate.objects.count() == 0
    # The same wording is allowed where the rule does not apply (Douyin), and as an inactive draft.
    assert (
        post_admin(
            manager_client,
            add_url(m.ReplyTemplate),
            m.ReplyTemplate,
            template_data(body=body, platform="douyin"),
        ).status_code
        == 302
    )
    assert (
        post_admin(
            manager_client,
            add_url(m.ReplyTemplate),
            m.ReplyTemplate,
            template_data(name="草稿", body=body, active=""),
        ).status_code
        == 302
    )
    assert m.ReplyTemplate.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"max_attempts_per_case": "0"}, "每案最多联系次数至少为1。"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "免打扰开始和结束不能相同。"),
    ],
)
def test_contact_limit_rules_are_enforced(manager_client, overrides, message):
    data = {
        "platform": "",
        "max_attempts_per_case": "3",
        "min_minutes_between": "60",
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "active": "on",
    } | overrides
    refused(manager_client, m.ContactLimit, data, message)


def test_appeal_checklist_needs_reasons_and_evidence(manager_client):
    data = {"platform": "jd", "reason": "", "evidence_required": "咚咚聊天截图", "active": "on"}
    response = post_admin(manager_client, add_url(m.AppealChecklist), m.AppealChecklist, data)
    assert response.status_code == 200
    assert m.AppealChecklist.objects.count() == 0
