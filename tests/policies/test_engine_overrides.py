"""Shop overrides in load_policy, and the loader's cache seeing edits."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from policies.decisions import ReviewFacts
from policies.engine import check_compliance, decide
from policies.loader import load_policy
from policies.models import (
    BusinessCalendar,
    CalendarException,
    ClassificationRule,
    CompensationOption,
    CompensationRule,
    ComplianceRule,
    ContactLimit,
    CustomerTier,
    IssueType,
    OpeningHours,
    PlatformRule,
    SlaTier,
)

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
RECEIVED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)


def facts(text, **kwargs):
    kwargs.setdefault("received_at", RECEIVED)
    return ReviewFacts(platform="taobao", rating=1, text=text, **kwargs)


def test_shop_sla_tier_beats_the_global_one(policy_pack, shop, other_shop):
    logistics = IssueType.objects.get(code="logistics")
    tier = SlaTier(
        shop=shop,
        issue_type=logistics,
        name="旗舰店物流(1小时)",
        first_response_minutes=60,
        handling_role="agent",
        escalation_role="manager",
    )
    tier.full_clean()
    tier.save()
    sla = decide(facts("物流太慢"), load_policy(shop=shop, platform="taobao")).sla
    assert (sla.first_response_minutes, sla.escalation_role, sla.tier.id) == (60, "manager", tier.pk)
    assert decide(facts("物流太慢"), load_policy(platform="taobao")).sla.first_response_minutes == 120
    assert (
        decide(facts("物流太慢"), load_policy(shop=other_shop, platform="taobao")).sla.first_response_minutes
        == 120
    )


def test_shop_platform_rule_and_contact_limit_replace_the_global_ones(policy_pack, shop):
    PlatformRule.objects.create(shop=shop, platform="taobao", reply_max_chars=300, appeal_allowed=False)
    ContactLimit.objects.create(shop=shop, platform="", max_attempts_per_case=2)
    decision = decide(facts("物流太慢"), load_policy(shop=shop, platform="taobao"))
    assert (decision.windows.reply_max_chars, decision.windows.appeal_allowed) == (300, False)
    assert decision.contact_limit.max_attempts_per_case == 2
    assert load_policy(platform="taobao").platform_rule.reply_max_chars == 500


def test_shop_compensation_group_replaces_the_global_group_only(policy_pack, shop):
    quality = IssueType.objects.get(code="quality")
    rule = CompensationRule.objects.create(shop=shop, name="旗舰店质量方案", issue_type=quality)
    CompensationOption.objects.create(
        rule=rule, name="旗舰店补发 + 20元券", kind="reship", formula="none", extra_coupon=Decimal("20")
    )
    names = [
        o.name
        for o in decide(
            facts("质量太差", order_amount=Decimal("80")), load_policy(shop=shop, platform="taobao")
        ).compensation
    ]
    assert "旗舰店补发 + 20元券" in names
    assert "补发 + 10元优惠券" not in names  # the global quality group is replaced …
    assert "退款 + 5元优惠券" in names  # … the global amount bands (another group) still apply


def test_shop_customer_tier_replaces_by_code_and_global_tier_rules_still_match(policy_pack, shop):
    CustomerTier.objects.create(
        shop=shop, code="vip", name="旗舰店VIP", min_annual_spend=Decimal("500"), priority=10
    )
    decision = decide(
        facts("客服态度差", annual_spend=Decimal("600")), load_policy(shop=shop, platform="taobao")
    )
    assert decision.customer_tier == "vip"
    assert decision.customer_tier_rule.name == "旗舰店VIP"
    assert "VIP专属礼包" in [o.name for o in decision.compensation]
    assert (
        decide(facts("客服态度差", annual_spend=Decimal("600")), load_policy(platform="taobao")).customer_tier
        == "ordinary"
    )


def test_shop_classification_and_compliance_rules_add_to_the_global_ones(policy_pack, shop):
    service = IssueType.objects.get(code="service")
    ClassificationRule.objects.create(
        shop=shop, name="旗舰店：发错货", issue_type=service, patterns="发错货", priority=5
    )
    ComplianceRule.objects.create(
        shop=shop, name="旗舰店禁用词", patterns="亲爱滴", action="warn", reason="品牌口吻"
    )
    policy = load_policy(shop=shop, platform="taobao")
    assert decide(facts("发错货了"), policy).classification.issue_type_code == "service"
    assert decide(facts("物流太慢"), policy).classification.issue_type_code == "logistics"
    assert decide(facts("发错货了"), load_policy(platform="taobao")).classification.issue_type_code == "other"
    report = check_compliance("亲爱滴，好评返现哦", platform="taobao", channel="sms", policy=policy)
    assert [(f.action, f.matched) for f in report.findings] == [("block", "好评返现"), ("warn", "亲爱滴")]


def test_shop_calendar_replaces_the_global_calendar(policy_pack, shop):
    calendar = BusinessCalendar.objects.create(shop=shop, name="旗舰店工作日历")
    for weekday in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(18))
    CalendarException.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 21), kind="workday", name="调休"
    )
    late_friday = dt.datetime(2026, 11, 20, 17, 30, tzinfo=SH)
    sla = decide(facts("物流太慢", received_at=late_friday), load_policy(shop=shop, platform="taobao")).sla
    # 30 min on Friday, then the make-up Saturday opens at 08:00 (default hours) → 09:30.
    assert sla.first_response_due_at == dt.datetime(2026, 11, 21, 9, 30, tzinfo=SH)
    assert sla.calendar.name == "旗舰店工作日历"
    assert decide(
        facts("物流太慢", received_at=late_friday), load_policy(platform="taobao")
    ).sla.first_response_due_at == (dt.datetime(2026, 11, 20, 19, 30, tzinfo=SH))


def test_an_edit_is_seen_by_the_next_load_and_unchanged_rules_are_not_reloaded(
    policy_pack, django_assert_num_queries
):
    first = load_policy(platform="taobao")
    with django_assert_num_queries(1):  # only the staleness stamp
        assert load_policy(platform="taobao") is first
    tier = SlaTier.objects.get(issue_type__code="logistics")
    tier.first_response_minutes = 30
    tier.save()
    reloaded = load_policy(platform="taobao")
    assert reloaded is not first
    assert decide(facts("物流太慢"), reloaded).sla.first_response_minutes == 30
    assert decide(facts("物流太慢"), reloaded).sla.tier.version == 2


def test_without_any_rules_the_engine_still_answers(db):
    decision = decide(facts("质量太差", order_amount=Decimal("80")), load_policy(platform="taobao"))
    assert decision.classification.opens_case is True
    assert decision.classification.issue_type_id is None
    assert decision.sla.tier is None
    assert decision.compensation == ()
