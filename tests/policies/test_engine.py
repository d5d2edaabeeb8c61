"""The seed numbers through the engine: seed_policies, load_policy, decide."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from policies.decisions import ReviewFacts
from policies.engine import check_compliance, deadline, decide, explain, render_template
from policies.engine.messaging import MISSING
from policies.loader import load_policy
from policies.models import CompensationOption

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
RECEIVED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
REVISION_ASK = "方便的话能否帮忙更新评价？我们可以提供操作视频指导"


def facts(text="", rating=1, platform="taobao", **kwargs) -> ReviewFacts:
    kwargs.setdefault("received_at", RECEIVED)
    kwargs.setdefault("reviewed_at", RECEIVED)
    return ReviewFacts(platform=platform, rating=rating, text=text, **kwargs)


def run(review: ReviewFacts):
    return decide(review, load_policy(platform=review.platform))


def offers_by_name(decision) -> dict:
    return {o.name: o for o in decision.compensation}


def test_logistics_is_two_hours_for_an_agent_escalating_to_supervisor(policy_pack):
    decision = run(facts("物流太慢了，等了一周才到"))
    assert decision.classification.issue_type_code == "logistics"
    assert decision.classification.matched_keywords == ("物流", "太慢")
    sla = decision.sla
    assert (sla.first_response_minutes, sla.handling_role, sla.escalation_role) == (
        120,
        "agent",
        "supervisor",
    )
    assert sla.first_response_due_at == RECEIVED + dt.timedelta(hours=2)
    assert sla.first_response_warn_at == RECEIVED + dt.timedelta(minutes=96)
    assert sla.tier.model == "slatier" and sla.tier.version == 1
    assert "物流延误(2小时)" in sla.reason


def test_quality_is_four_hours_for_a_supervisor_escalating_to_manager(policy_pack):
    sla = run(facts("质量太差，用了两天就坏了")).sla
    assert (sla.first_response_minutes, sla.handling_role, sla.escalation_role) == (
        240,
        "supervisor",
        "manager",
    )


def test_malicious_is_one_hour_for_legal(policy_pack):
    decision = run(facts("不给我返现就一直差评", rating=1))
    assert decision.classification.malicious is True
    assert decision.classification.issue_type_code == "malicious"
    assert decision.classification.signals == ("勒索/敲诈用语：命中“不给我返现就一直差评”",)
    sla = decision.sla
    assert (sla.first_response_minutes, sla.handling_role, sla.escalation_role) == (60, "legal", "manager")
    assert decision.compensation == ()
    assert decision.compensation_reason == "问题类型“恶意差评”不补偿(恶意差评走证据收集与平台申诉)"
    assert decision.appeal.reason_types == (
        "买家利用评价要挟/敲诈",
        "同行恶意评价",
        "评价含辱骂/污言秽语",
        "评价内容与商品无关",
        "评价含广告信息",
        "评价泄露他人信息",
    )
    assert decision.appeal.chosen is None and "同一IP" not in decision.appeal.reasons[0].evidence_required[0]
    assert decision.appeal.appeal_until == RECEIVED + dt.timedelta(days=30)


def test_count_signals_name_themselves(policy_pack):
    decision = run(
        facts("一般", rating=3, negative_reviews_same_ip={7: 4}, return_rate_percent=Decimal("62.5"))
    )
    assert decision.classification.signals == (
        "同一IP批量差评：7天内4条差评(阈值3)",
        "退货率异常：退货率62.5%(阈值50%)",
    )
    assert decision.classification.issue_type_code == "malicious"


def test_an_80_cny_ordinary_quality_complaint_gets_refund_plus_5_coupon(policy_pack):
    decision = run(facts("质量有问题", order_amount=Decimal("80"), annual_spend=Decimal("0")))
    assert decision.customer_tier == "ordinary"
    refund = offers_by_name(decision)["退款 + 5元优惠券"]
    assert (refund.kind, refund.amount, refund.extra_coupon, refund.cost) == (
        "refund",
        Decimal("80.00"),
        Decimal("5.00"),
        Decimal("85.00"),
    )
    assert refund.requires_approval is False
    assert "补发 + 10元优惠券" in offers_by_name(decision)  # the seed-001 quality option is offered too
    names = [o.name for o in decision.compensation]
    assert "主管决定补偿方案" not in names


def test_250_cny_gets_reship_plus_10_coupon(policy_pack):
    decision = run(facts("质量有问题", order_amount=Decimal("250")))
    band = [o for o in decision.compensation if o.rule.name == "按订单金额：100–300元"]
    assert [(o.kind, o.amount, o.extra_coupon, o.cost) for o in band] == [
        ("reship", Decimal("0.00"), Decimal("10.00"), Decimal("10.00"))
    ]
    assert "退款 + 5元优惠券" not in offers_by_name(decision)


def test_above_300_a_supervisor_decides(policy_pack):
    decision = run(facts("质量有问题", order_amount=Decimal("300.01")))
    option = offers_by_name(decision)["主管决定补偿方案"]
    assert (option.requires_approval, option.approval_role) == (True, "supervisor")
    refund = offers_by_name(decision)["全额退款，商品无需退回"]
    assert (refund.amount, refund.requires_approval, refund.approval_role) == (
        Decimal("300.01"),
        True,
        "supervisor",
    )


def test_logistics_with_a_12_cny_shipping_fee_offers_18(policy_pack):
    decision = run(facts("快递太慢了", order_amount=Decimal("250"), shipping_fee=Decimal("12")))
    offers = offers_by_name(decision)
    assert offers["赔偿运费(订单运费的1.5倍)"].amount == Decimal("18.00")
    assert offers["赔偿运费(订单运费的1.5倍)"].expected_acceptance == 75
    assert offers["无门槛优惠券(面值≥订单金额10%)"].amount == Decimal("25.00")
    assert offers["下次下单免运费"].amount == Decimal("0.00")


def test_a_vips_gift_is_capped_at_30(policy_pack):
    decision = run(facts("客服态度很差", order_amount=Decimal("80"), annual_spend=Decimal("1000")))
    assert decision.customer_tier == "vip"
    gift = offers_by_name(decision)["VIP专属礼包"]
    assert (gift.amount, gift.cost, gift.requires_approval) == (Decimal("30.00"), Decimal("30.00"), False)
    # A manager raises the formula: the amount is still clamped to the cap, without approval.
    CompensationOption.objects.filter(name="VIP专属礼包").update(value=Decimal("45"))
    from policies.loader import clear_policy_cache

    clear_policy_cache()
    gift = offers_by_name(run(facts("客服态度很差", annual_spend=Decimal("5000"))))["VIP专属礼包"]
    assert (gift.amount, gift.requires_approval) == (Decimal("30.00"), False)


def test_over_cap_without_clamp_needs_approval_and_amounts_round_half_up(policy_pack):
    option = CompensationOption.objects.get(name="色差无质量问题：5–10元红包代替退货")
    option.value = Decimal("12")
    option.save()
    offer = offers_by_name(run(facts("色差严重，质量一般")))[option.name]
    assert (offer.amount, offer.requires_approval, offer.approval_role) == (
        Decimal("12.00"),
        True,
        "supervisor",
    )
    assert "成本12.00元超过上限10.00元，需客服主管审批" in offer.reason
    # 0.03 × 1.5 = 0.045 → 0.05 (half up, not banker's 0.04)
    shipping = offers_by_name(run(facts("快递太慢", shipping_fee=Decimal("0.03"))))[
        "赔偿运费(订单运费的1.5倍)"
    ]
    assert shipping.amount == Decimal("0.05")


def test_seed_000_revision_wording_is_blocked_on_taobao_and_tmall_and_only_warned_on_douyin(policy_pack):
    for platform in ("taobao", "tmall"):
        report = check_compliance(
            REVISION_ASK, platform=platform, channel="private_message", policy=load_policy(platform=platform)
        )
        assert report.blocked is True
        assert [(f.action, f.matched) for f in report.findings] == [("block", "更新评价")]
    report = check_compliance(
        REVISION_ASK, platform="douyin", channel="private_message", policy=load_policy(platform="douyin")
    )
    assert report.blocked is False
    assert [(f.action, f.matched) for f in report.findings] == [("warn", "更新评价")]


def test_cash_for_good_reviews_is_blocked_everywhere(policy_pack):
    for platform in ("taobao", "tmall", "douyin", "jd", "pdd"):
        report = check_compliance(
            "给个好评返现5元哦", platform=platform, channel="sms", policy=load_policy(platform=platform)
        )
        assert [f.matched for f in report.blocking] == ["好评返现"]


def test_phone_numbers_are_blocked_in_public_replies_only(policy_pack):
    policy = load_policy(platform="taobao")
    text = "已联系您，电话13812345678"
    assert check_compliance(text, platform="taobao", channel="public_reply", policy=policy).blocked is True
    assert (
        check_compliance(text, platform="taobao", channel="private_message", policy=policy).blocked is False
    )
    report = check_compliance("亲" * 501, platform="taobao", channel="public_reply", policy=policy)
    assert (report.too_long, report.max_length, report.blocked) == (True, 500, True)


def test_blame_shifting_is_a_warning(policy_pack):
    report = check_compliance(
        "不是我们的问题，是快递的错",
        platform="jd",
        channel="private_message",
        policy=load_policy(platform="jd"),
    )
    assert [f.action for f in report.findings] == ["warn"]
    assert report.blocked is False


def test_active_templates_pass_compliance_and_render_from_the_whitelist(policy_pack):
    decision = run(facts("物流太慢了"))
    assert {t.name for t in decision.templates} >= {
        "首次私信",
        "满意度调查",
    }
    # It says "we tried to contact you": not offered before a contact attempt is recorded.
    assert "公开回复" not in {t.name for t in decision.templates}
    assert all(not t.compliance.blocked for t in decision.templates)
    first = next(t for t in decision.templates if t.name == "首次私信")
    assert first.text.startswith(f"亲~看到您对订单【{MISSING}】给出的评价啦")
    assert "关于您提到的物流配送的问题" in first.text  # the buyer label, not the internal name


def test_render_template_only_uses_whitelisted_values():
    body = "订单{order_no}，{buyer_nick}，{secret}，{order_no.__class__}，券{coupon_amount}元"
    context = {"order_no": "T123", "secret": "x", "coupon_amount": Decimal("5")}
    assert render_template(body, context) == f"订单T123，{MISSING}，{MISSING}，{MISSING}，券5.00元"


def test_follow_up_revision_step_is_skipped_where_asking_is_forbidden(policy_pack):
    taobao = run(facts("物流太慢了"))
    douyin = run(facts("物流太慢了", platform="douyin"))
    skipped = {s.name: s.skipped for s in taobao.follow_ups}
    assert skipped["24小时回访：评价更新指引"] is True
    assert {s.name: s.skipped for s in douyin.follow_ups}["24小时回访：评价更新指引"] is False
    assert [s.offset_minutes for s in taobao.follow_ups] == [60, 1440, 4320, 43200]


def test_keyword_opens_a_case_at_any_rating_and_good_reviews_do_not(policy_pack):
    assert run(facts("东西不错，但我要投诉快递", rating=5)).classification.opens_case is True
    quiet = run(facts("很好，下次还来", rating=5))
    assert (quiet.classification.opens_case, quiet.sla, quiet.compensation) == (False, None, ())
    other = run(facts("一般般吧", rating=3))
    assert (other.classification.issue_type_code, other.sla.first_response_minutes) == ("other", 1440)


def test_platform_windows_from_the_review_time(policy_pack):
    reviewed = dt.datetime(2026, 11, 1, 12, 0, tzinfo=SH)
    windows = run(facts("物流太慢", reviewed_at=reviewed)).windows
    assert (windows.revision_allowed, windows.revision_until) == (True, reviewed + dt.timedelta(days=30))
    assert (windows.reply_until, windows.reply_max_chars, windows.may_request_revision) == (
        reviewed + dt.timedelta(days=30),
        500,
        False,
    )
    appended = run(facts("物流太慢", appended_text="追评：还是没到")).windows
    assert (appended.reply_allowed, appended.reply_until) == (False, None)
    douyin = run(facts("物流太慢", platform="douyin", reviewed_at=reviewed)).windows
    assert douyin.reply_until == reviewed + dt.timedelta(days=90)


def test_deadline_for_a_clock_started_later(policy_pack):
    policy = load_policy(platform="taobao")
    assert deadline(dt.datetime(2026, 11, 20, 23, 0, tzinfo=SH), 180, policy) == dt.datetime(
        2026, 11, 21, 10, 0, tzinfo=SH
    )


def test_sla_counts_business_hours_across_midnight(policy_pack):
    late = dt.datetime(2026, 11, 20, 23, 30, tzinfo=SH)
    sla = run(facts("物流太慢了", received_at=late)).sla
    assert sla.first_response_due_at == dt.datetime(2026, 11, 21, 9, 30, tzinfo=SH)


def test_explain_names_the_rules(policy_pack):
    text = explain(run(facts("物流太慢了", order_amount=Decimal("250"), shipping_fee=Decimal("12"))))
    assert "问题类型：物流延误/包裹破损" in text
    assert "运费12.00元 × 1.5 = 18.00元" in text
    assert "由客服处理，超时升级给客服主管" in text


def test_decide_runs_zero_queries(policy_pack, django_assert_num_queries):
    policy = load_policy(platform="taobao")
    review = facts("不给我返现就差评，物流也太慢", order_amount=Decimal("80"), shipping_fee=Decimal("12"))
    with django_assert_num_queries(0):
        decision = decide(review, policy)
        explain(decision)
        decide(facts("质量太差", order_amount=Decimal("250")), policy)
    assert decision.classification.malicious is True
