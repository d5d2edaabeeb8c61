"""A small but complete policy pack (every model, global rows and a shop's overrides) for the pack,
import-export and sandbox tests, plus helpers to read a workbook back as plain cells."""

import datetime as dt
import io
from decimal import Decimal

from policies import models as m


def build_pack(shop) -> None:
    quality = m.IssueType.objects.create(
        code="quality", name="产品质量", name_en="Product quality", sort_order=10
    )
    logistics = m.IssueType.objects.create(code="logistics", name="物流延误", sort_order=20)
    m.IssueType.objects.create(
        code="malicious", name="恶意差评", is_malicious=True, compensable=False, sort_order=30
    )
    m.IssueType.objects.create(code="other", name="其他", is_fallback=True, sort_order=90)
    vip = m.CustomerTier.objects.create(code="vip", name="VIP", min_annual_spend=Decimal("1000"), priority=10)
    m.CustomerTier.objects.create(
        code="vip", name="店铺VIP", min_annual_spend=Decimal("800"), priority=10, shop=shop
    )
    m.CustomerTier.objects.create(code="ordinary", name="普通客户", priority=100)

    calendar = m.BusinessCalendar.objects.create(name="默认营业日历")
    for weekday in range(7):
        m.OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(8), closes=dt.time(0))
    m.CalendarException.objects.create(
        calendar=calendar, date=dt.date(2026, 10, 1), kind="holiday", name="国庆节"
    )
    m.CalendarException.objects.create(
        calendar=calendar,
        date=dt.date(2026, 10, 11),
        kind="workday",
        name="国庆调休",
        opens=dt.time(9),
        closes=dt.time(18),
    )

    m.PlatformRule.objects.create(
        platform="taobao",
        revision_allowed=True,
        revision_max_count=1,
        revision_window_days=30,
        reply_window_days=30,
        reply_max_chars=500,
        appeal_window_days=30,
    )
    m.PlatformRule.objects.create(
        platform="taobao",
        shop=shop,
        revision_allowed=True,
        revision_max_count=1,
        revision_window_days=15,
        appeal_window_days=30,
    )
    m.PlatformRule.objects.create(
        platform="douyin",
        revision_allowed=True,
        revision_window_days=30,
        reply_once=True,
        reply_window_days=90,
        appeal_window_days=30,
        may_request_revision=True,
    )

    m.ClassificationRule.objects.create(
        name="质量关键词", issue_type=quality, patterns="质量差\n坏了\n破损", priority=20
    )
    m.ClassificationRule.objects.create(
        name="物流关键词", issue_type=logistics, patterns="物流慢、快递慢", priority=10
    )
    m.ClassificationRule.objects.create(
        name="投诉开案", opens_case=True, patterns="投诉\n差评", priority=5, shop=shop
    )
    m.MaliciousSignal.objects.create(name="返现删评", kind="phrase", patterns="返现\n删评")
    m.MaliciousSignal.objects.create(
        name="同IP批量差评", kind="same_ip", threshold=Decimal("3"), window_days=30
    )

    m.SlaTier.objects.create(
        issue_type=logistics,
        name="物流2小时",
        first_response_minutes=120,
        handling_role="agent",
        escalation_role="supervisor",
        calendar=calendar,
    )
    m.SlaTier.objects.create(
        issue_type=quality,
        name="质量4小时",
        first_response_minutes=240,
        handling_role="supervisor",
        escalation_role="manager",
        warn_at_percent=75,
    )
    m.SlaTier.objects.create(
        issue_type=None,
        name="其他24小时",
        first_response_minutes=1440,
        handling_role="agent",
        escalation_role="supervisor",
    )

    low = m.CompensationRule.objects.create(
        name="质量≤100", issue_type=quality, amount_up_to=Decimal("100"), priority=50
    )
    mid = m.CompensationRule.objects.create(
        name="质量100–300",
        issue_type=quality,
        amount_above=Decimal("100"),
        amount_up_to=Decimal("300"),
        priority=50,
    )
    m.CompensationRule.objects.create(
        name="质量>300", issue_type=quality, amount_above=Decimal("300"), priority=50
    )
    m.CompensationOption.objects.create(
        rule=low,
        name="退款+5元券",
        kind="refund",
        formula="order_amount",
        extra_coupon=Decimal("5"),
        expected_acceptance=80,
    )
    m.CompensationOption.objects.create(
        rule=mid, name="补发+10元券", kind="reship", extra_coupon=Decimal("10")
    )
    vip_rule = m.CompensationRule.objects.create(name="VIP礼包", customer_tier=vip, priority=10)
    m.CompensationOption.objects.create(
        rule=vip_rule,
        name="VIP礼包",
        kind="gift",
        value=Decimal("50"),
        cost_cap=Decimal("30"),
        clamp_to_cap=True,
    )
    ship = m.CompensationRule.objects.create(name="物流赔付", issue_type=logistics, priority=50, shop=shop)
    m.CompensationOption.objects.create(
        rule=ship,
        name="1.5倍运费",
        kind="shipping_compensation",
        formula="multiple_of_shipping",
        value=Decimal("1.5"),
        cost_cap=Decimal("20"),
    )

    m.ComplianceRule.objects.create(
        name="好评返现", platforms="taobao,tmall", patterns="好评返现\n返红包", reason="淘宝禁止好评返现。"
    )
    m.ComplianceRule.objects.create(
        name="公开回复不写电话",
        channels="public_reply",
        match_mode="regex",
        patterns=r"1\d{10}",
        reason="公开回复不得出现手机号。",
    )
    first = m.ReplyTemplate.objects.create(
        name="私信首联",
        channel="private_message",
        stage="first_contact",
        body="亲，订单{order_no}给您添麻烦了，关于{issue}我们马上处理。",
    )
    m.ReplyTemplate.objects.create(
        name="私信首联",
        channel="private_message",
        stage="first_contact",
        shop=shop,
        platform="taobao",
        body="亲，{shop_name}客服{agent_name}为您服务。",
    )
    public = m.ReplyTemplate.objects.create(
        name="公开回复",
        channel="public_reply",
        stage="public_reply",
        issue_type=quality,
        body="感谢反馈，已为您安排{compensation}。",
    )
    m.Macro.objects.create(name="致歉 + 5元券", reply_template=public, compensation_kind="coupon")

    plan = m.FollowUpPlan.objects.create(name="解决后回访")
    m.FollowUpStep.objects.create(plan=plan, name="24小时回访", offset_minutes=1440, template=first)
    m.FollowUpStep.objects.create(
        plan=plan, name="30天升级银卡", offset_minutes=43200, instructions="附复购券"
    )
    m.AppealChecklist.objects.create(
        platform="douyin",
        reason="extortion",
        reason_label="利用评价要挟",
        evidence_required="飞鸽聊天记录\n通话录音",
        max_images=6,
        description_max_chars=100,
    )
    m.ContactLimit.objects.create(platform="", max_attempts_per_case=3)
    m.ContactLimit.objects.create(
        platform="taobao", shop=shop, max_attempts_per_case=2, quiet_start=dt.time(21)
    )
    campaign = m.CampaignPeriod.objects.create(
        name="双11",
        starts_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 12, tzinfo=dt.UTC),
        buyer_promise="双11期间退货退款审核延长至24小时，但我们会优先处理",
        calendar=calendar,
    )
    m.CampaignCommitment.objects.create(campaign=campaign, issue_type=quality, resolution_minutes=1440)


def delete_every_rule() -> None:
    for model in (
        m.Macro,
        m.CampaignCommitment,
        m.CampaignPeriod,
        m.FollowUpStep,
        m.FollowUpPlan,
        m.CompensationOption,
        m.CompensationRule,
        m.CustomerTier,
        m.SlaTier,
        m.OpeningHours,
        m.CalendarException,
        m.BusinessCalendar,
        m.ClassificationRule,
        m.MaliciousSignal,
        m.PlatformRule,
        m.ReplyTemplate,
        m.ComplianceRule,
        m.AppealChecklist,
        m.ContactLimit,
        m.IssueType,
    ):
        model.objects.all().delete()


POLICY_MODELS = [
    m.IssueType,
    m.CustomerTier,
    m.BusinessCalendar,
    m.OpeningHours,
    m.CalendarException,
    m.PlatformRule,
    m.ClassificationRule,
    m.MaliciousSignal,
    m.SlaTier,
    m.CompensationRule,
    m.CompensationOption,
    m.ComplianceRule,
    m.ReplyTemplate,
    m.FollowUpPlan,
    m.FollowUpStep,
    m.AppealChecklist,
    m.ContactLimit,
    m.CampaignPeriod,
    m.CampaignCommitment,
]


def every_rule_snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in POLICY_MODELS}


def workbook_cells(data: bytes) -> dict[str, list[list]]:
    """Sheet name → rows of cell values (header included), blanks as None."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return {
        sheet.title: [[None if v == "" else v for v in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def workbook_bytes(cells: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in cells.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
