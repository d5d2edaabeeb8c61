"""The default pack's compliance rules, seeded and loaded as in production: the issue's examples are
caught, the corpus meets the targets (recall ≥ 95 %, false alarms ≤ 3 %), every default template passes,
and every rule has its category, cited platform rule and per-platform actions."""

import pytest

from policies import default_pack
from policies.engine import check_compliance, render_template
from policies.loader import load_policy
from policies.models import ComplianceRule
from tests.policies.compliance.corpus import CHANNEL, PLATFORMS, measure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

ISSUE_EXAMPLES = [
    ("给个五星好评吧，好评后联系客服领取5元红包哦", "inducement"),
    ("好 评 返 现", "inducement"),
    ("麻烦您删 评 一下", "revision_request"),
    ("您把评价删掉我们就给您退款", "conditional_offer"),
    ("只要您追评五星，我们就送您一个杯子", "conditional_offer"),
    ("晒图五星评价可返5元", "inducement"),
    ("加我微信 wx_kefu88", "diversion"),
    ("你这种买家就是想白嫖，爱买不买", "abuse"),
]


def check(text, platform="taobao", channel="private_message"):
    return check_compliance(text, platform=platform, channel=channel, policy=load_policy(platform=platform))


@pytest.mark.parametrize("text, category", ISSUE_EXAMPLES)
def test_every_example_of_the_issue_is_blocked_on_taobao_and_tmall(text, category):
    for platform in ("taobao", "tmall"):
        report = check(text, platform)
        assert report.blocked, (platform, text)
        assert category in {f.category for f in report.blocking}
        assert all(
            f.matched and f.matched in text and text[f.start : f.end] == f.matched for f in report.findings
        )


def test_revision_requests_are_blocked_on_taobao_and_only_warned_where_asking_is_allowed():
    for platform in ("douyin", "jd", "pdd"):
        report = check("麻烦您删 评 一下", platform)
        assert not report.blocked and [f.category for f in report.warnings] == ["revision_request"]


def test_personal_data_is_blocked_in_public_replies_only():
    text = "已联系您，电话138 1234 5678"
    assert check(text, channel="public_reply").blocked
    assert not check(text, channel="private_message").findings


def test_the_corpus_meets_the_targets():
    policies = {platform: load_policy(platform=platform) for platform in PLATFORMS}

    def flags(text, platform):
        return bool(
            check_compliance(text, platform=platform, channel=CHANNEL, policy=policies[platform]).findings
        )

    for holdout in (False, True):
        result = measure(flags, holdout=holdout)
        if not holdout:
            assert result["counts"]["violating"] >= 150 and result["counts"]["ordinary"] >= 150
        assert result["recall"]["all"]["all"] >= 95.0, result["missed"]
        assert result["false_alarm"]["all"] <= 3.0, result["false_alarms"]


def test_every_active_default_template_passes_on_every_platform():
    context = {
        "order_no": "4012345678901234",
        "issue": "物流太慢",
        "compensation": "补发 + 10元优惠券",
        "tracking_no": "SF1234567890123",
        "eta_days": 3,
        "shop_name": "旗舰店",
        "coupon_amount": "10.00",
        "member_level": "白银会员",
        "coupon_valid_months": 3,
        "refund_amount": "20.00",
        "buyer_nick": "买家",
        "agent_name": "小王",
    }
    checked = 0
    for template in default_pack.TEMPLATES:
        if template.get("active", True) is False:
            continue
        platforms = [template["platform"]] if template.get("platform") else PLATFORMS
        for platform in platforms:
            text = render_template(template["body"], context)
            report = check(text, platform, template["channel"])
            assert not report.findings, (template["name"], platform, [f.describe() for f in report.findings])
            checked += 1
    assert checked >= len(default_pack.TEMPLATES)


def test_the_inactive_revision_template_is_what_the_rules_stop_on_taobao():
    (template,) = [t for t in default_pack.TEMPLATES if t["name"].startswith("评价更新指引")]
    assert check(template["body"], "taobao").blocked


def test_every_default_rule_has_a_category_a_cited_rule_and_per_platform_actions():
    rules = ComplianceRule.objects.filter(shop__isnull=True)
    categories = {r.category for r in rules}
    assert {
        "inducement",
        "revision_request",
        "conditional_offer",
        "diversion",
        "abuse",
        "personal_data",
    } <= categories
    for rule in rules.exclude(category="other"):
        assert rule.cited_rule and rule.platform_actions, rule.name
