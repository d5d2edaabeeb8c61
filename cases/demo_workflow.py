"""Workflow demo (idempotent): one demo case in every state, each brought there through the real
workflow services so its timeline, contacts, replies, offers (one still waiting for approval),
follow-ups, evidence and appeal are what an agent's day would leave behind.

Runs at the end of the cases demo (cases.demo.build_cases_demo). A shop that already has the
workflow demo reviews (external ids ``wf-demo-…``) is left alone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.choices import IntakeSource
from cases.models import Review
from cases.services import triage

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
QUALITY = ("做工太差，洗了一次就开线起球，质量不行，差评", "宽松卫衣", "599.00")
LOGISTICS = ("快递太慢了，一个星期才到，外包装还压坏了", "北欧简约陶瓷马克杯", "59.00")
EXTORTION = ("不给我返现50元就一直差评，给钱我就删评", "无线蓝牙耳机", "159.00")

# (key, review, target state, steps). A step is (username, action, data); "{option:NAME}" picks the
# engine's option by name; "{evidence}" the case's evidence ids.
PLAN = [
    ("new", LOGISTICS, []),
    ("assigned", LOGISTICS, [("agent1", "claim", {})]),
    (
        "waiting",
        LOGISTICS,
        [
            ("agent1", "claim", {}),
            ("agent1", "record_contact", {"channel": "phone", "reached": False, "note": "无人接听"}),
        ],
    ),
    (
        "talking",
        QUALITY,
        [
            ("agent1", "claim", {}),
            (
                "agent1",
                "record_contact",
                {
                    "channel": "private_message",
                    "reached": True,
                    "text": "亲，非常抱歉衣服让您失望了，方便发张开线的照片给我们吗？",
                },
            ),
            ("agent1", "buyer_replied", {"note": "买家发来照片，袖口开线"}),
        ],
    ),
    (
        "verified",
        QUALITY,
        "talking",
        [("agent1", "verify", {"responsibility": "supplier", "note": "同批次面料问题，供应商确认"})],
    ),
    (
        "pending",
        QUALITY,
        "verified",
        [("agent1", "offer", {"option_id": "{option:全额退款，商品无需退回}", "note": "买家要求全额退款"})],
    ),
    ("offered", QUALITY, "pending", [("supervisor1", "approve", {"note": "同意，按质量问题全额退款"})]),
    (
        "agreed",
        LOGISTICS,
        "waiting",
        [
            ("agent1", "buyer_replied", {"note": "买家表示东西摔坏了"}),
            ("agent1", "verify", {"responsibility": "courier", "note": "物流轨迹显示中转延误"}),
            ("agent1", "offer", {"option_id": "{option:下次下单免运费}"}),
            ("agent1", "buyer_accepts", {}),
        ],
    ),
    (
        "resolved",
        LOGISTICS,
        "agreed",
        [
            ("agent1", "public_reply", {"text": "亲，物流延误给您添麻烦了，已为您安排补偿，感谢您的耐心。"}),
            ("agent1", "resolve", {"note": "买家满意"}),
        ],
    ),
    ("closed", LOGISTICS, "resolved", [("agent1", "close", {})]),
    (
        "declined",
        QUALITY,
        "verified",
        [
            ("agent1", "offer", {"option_id": "{option:补发 + 10元优惠券}"}),
            ("agent1", "buyer_declines", {"note": "买家不要补发"}),
        ],
    ),
    (
        "malicious",
        EXTORTION,
        [("legal1", "claim", {}), ("legal1", "mark_malicious", {"note": "以差评要挟返现50元"})],
    ),
    (
        "appealing",
        EXTORTION,
        "malicious",
        [
            (
                "legal1",
                "file_appeal",
                {
                    "reason_type": "{reason}",
                    "evidence_ids": "{evidence}",
                    "description": "买家以差评要挟返现，聊天记录为证",
                },
            )
        ],
    ),
]


def _plan():
    """PLAN with each "based on" key expanded into the steps of that key."""
    expanded = {}
    for key, review, *rest in PLAN:
        base, steps = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        expanded[key] = (review, (expanded[base][1] if base else []) + steps)
    return expanded


def _review(shop, key: str, review, *, at: dt.datetime) -> Review:
    content, title, amount = review
    n = list(_plan()).index(key) + 1
    return Review.objects.create(
        platform=shop.platform,
        shop=shop,
        external_id=f"wf-demo-{key}",
        order_no=f"WF{shop.pk:02d}{n:06d}",
        item_title=title,
        sku="默认规格",
        rating=1,
        rating_text="差评",
        content=content,
        reviewed_at=at,
        received_at=at,
        buyer_nick=f"演**{n}",
        buyer_phone=f"1380000{n:04d}",
        buyer_address="浙江省杭州市西湖区文三路100号3栋2单元301室",
        order_amount=Decimal(amount),
        shipping_fee=Decimal("8.00"),
        courier="中通快递",
        fingerprint=f"wf-demo-{key}",
        source=IntakeSource.DEMO,
    )


def _open_case(shop, review: Review):
    policy = triage.load_policy_for(shop)
    values = {
        "rating": review.rating,
        "content": review.content,
        "reviewed_at": review.reviewed_at,
        "order_amount": review.order_amount,
        "shipping_fee": review.shipping_fee,
    }
    decision = triage.decide_for(triage.facts_for(values, shop=shop, received_at=review.received_at), policy)
    case = triage.case_for(
        review_id=review.pk,
        shop=shop,
        decision=decision,
        opened_at=review.received_at,
        clock=triage.WarnClock(policy),
    )
    case.save()
    return case


def _evidence(case, by, at) -> list[int]:
    """One file per item the platform's appeal checklist requires (a chat export for each)."""
    from cases.services.workflow import evidence_add
    from cases.workflow.compose import appeal_requirements

    chat = (
        "买家：不给返现50元就一直差评，给钱我就删评\n客服：亲，我们不能以返现换评价，商品问题我们负责处理\n"
    )
    return [
        evidence_add(
            case_id=case.pk,
            by=by,
            file=ContentFile(chat.encode(), name=f"{item}.txt"),
            kind="chat_export",
            checklist_item=item,
            description="演示证据",
            now=at,
        ).pk
        for item in appeal_requirements(case).evidence_required
    ]


def _fill(data: dict, case, by, at) -> dict:
    from cases.workflow.compose import appeal_requirements, offer_options

    filled = {}
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("{option:"):
            name = value[len("{option:") : -1]
            value = next(o.option_id for o in offer_options(case) if o.name == name)
        elif value == "{evidence}":
            value = _evidence(case, by, at)
        elif value == "{reason}":
            value = appeal_requirements(case).reason_types[0]
        filled[key] = value
    return filled


def build_workflow_demo(*, shops, users, stdout) -> None:
    from cases.services.workflow import case_act

    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    start = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(9, 0), tzinfo=SHANGHAI)
    for code in ("tb-home", "dy-fashion"):
        shop = shops.get(code)
        if shop is None or Review.objects.filter(shop=shop, external_id__startswith="wf-demo-").exists():
            continue
        agent = users["agent1" if code == "tb-home" else "agent2"]
        people = {**users, "agent1": agent}
        for key, (review_spec, steps) in _plan().items():
            review = _review(shop, key, review_spec, at=start - dt.timedelta(hours=1))
            case = _open_case(shop, review)
            version = case.version
            for n, (username, action, data) in enumerate(steps):
                at = start + dt.timedelta(
                    minutes=65 * n
                )  # contacts at least an hour apart, inside business hours
                by = people[username]
                version = case_act(
                    case_id=case.pk,
                    action=action,
                    by=by,
                    version=version,
                    now=at,
                    data=_fill(data, case, by, at),
                ).version
        stdout.write(f"workflow demo {code}: {len(PLAN)} cases in every state")
