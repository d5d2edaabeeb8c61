"""Workflow demo (idempotent): one demo case in every state a worked case reaches, each brought there
through the real services: the reviews arrive in the shop's export (imported through intake two days
ago at 08:00), routing gives each case to the shop's team by its handling role, and the assignee works
it, so its timeline, contacts, replies, offers (one still waiting for approval), follow-ups, evidence
and appeal are what a working day would leave behind.

Runs at the end of the cases demo (cases.demo.build_cases_demo). A shop that already has the
workflow demo reviews (order numbers ``WF…``) is left alone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import Review

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
QUALITY = ("做工太差，洗了一次就开线起球，质量不行，差评", "宽松卫衣", "599.00")
LOGISTICS = ("快递太慢了，一个星期才到，外包装还压坏了", "北欧简约陶瓷马克杯", "59.00")
EXTORTION = ("不给我返现50元就一直差评，给钱我就删评", "无线蓝牙耳机", "159.00")

# (key, review, target state, steps). A step is (who, action, data): "assignee" is whom routing gave
# the case, else a demo username; "{option:NAME}" picks the engine's option by name; "{evidence}" the
# case's evidence ids.
PLAN = [
    ("assigned", LOGISTICS, []),
    (
        "waiting",
        LOGISTICS,
        [
            ("assignee", "record_contact", {"channel": "phone", "reached": False, "note": "无人接听"}),
        ],
    ),
    (
        "talking",
        QUALITY,
        [
            (
                "assignee",
                "record_contact",
                {
                    "channel": "private_message",
                    "reached": True,
                    "text": "亲，非常抱歉衣服让您失望了，方便发张开线的照片给我们吗？",
                },
            ),
            ("assignee", "buyer_replied", {"note": "买家发来照片，袖口开线"}),
        ],
    ),
    (
        "verified",
        QUALITY,
        "talking",
        [("assignee", "verify", {"responsibility": "supplier", "note": "同批次面料问题，供应商确认"})],
    ),
    (
        "pending",
        QUALITY,
        "verified",
        [("assignee", "offer", {"option_id": "{option:全额退款，商品无需退回}", "note": "买家要求全额退款"})],
    ),
    ("offered", QUALITY, "pending", [("manager1", "approve", {"note": "同意，按质量问题全额退款"})]),
    (
        "agreed",
        LOGISTICS,
        "waiting",
        [
            ("assignee", "buyer_replied", {"note": "买家表示东西摔坏了"}),
            ("assignee", "verify", {"responsibility": "courier", "note": "物流轨迹显示中转延误"}),
            ("assignee", "offer", {"option_id": "{option:下次下单免运费}"}),
            ("assignee", "buyer_accepts", {}),
        ],
    ),
    (
        "resolved",
        LOGISTICS,
        "agreed",
        [
            (
                "assignee",
                "public_reply",
                {"text": "亲，物流延误给您添麻烦了，已为您安排补偿，感谢您的耐心。"},
            ),
            ("assignee", "resolve", {"note": "买家满意"}),
        ],
    ),
    ("closed", LOGISTICS, "resolved", [("assignee", "close", {})]),
    (
        "declined",
        QUALITY,
        "verified",
        [
            ("assignee", "offer", {"option_id": "{option:补发 + 10元优惠券}"}),
            ("assignee", "buyer_declines", {"note": "买家不要补发"}),
        ],
    ),
    (
        "malicious",
        EXTORTION,
        [("assignee", "mark_malicious", {"note": "以差评要挟返现50元"})],
    ),
    (
        "appealing",
        EXTORTION,
        "malicious",
        [
            (
                "assignee",
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


def _items(shop, *, at: dt.datetime) -> list[dict]:
    """The plan's reviews as rows of the shop's export (one per plan key, order numbers ``WF…``)."""
    items = []
    for n, (_key, (review, _steps)) in enumerate(_plan().items(), start=1):
        content, title, amount = review
        items.append(
            {
                "order_no": f"WF{shop.pk:02d}{n:06d}",
                "sub_order_no": f"WF{shop.pk:02d}{n:06d}01",
                "item_id": f"62{n:08d}",
                "item_title": title,
                "sku": "默认规格",
                "rating": 1,
                "content": content,
                "reviewed_at": at - dt.timedelta(hours=12),
                "buyer_nick": f"演**{n}",
                "buyer_phone": f"1380000{n:04d}",
                "buyer_address": "浙江省杭州市西湖区文三路100号3栋2单元301室",
                "order_amount": amount,
                "shipping_fee": "8.00",
                "courier": "中通快递",
            }
        )
    return items


DEMO_APPEAL_REASON = "extortion"  # the demo's malicious buyer asks money for deleting the review


def _evidence(case, by, at) -> list[int]:
    """One file per item the platform's checklist for the demo's reason requires (a chat export each)."""
    from cases.workflow.compose import appeal_requirements
    from cases.workflow.services import evidence_add

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
        for item in appeal_requirements(case, reason=DEMO_APPEAL_REASON).evidence_required
    ]


def _fill(data: dict, case, by, at) -> dict:
    from cases.workflow.compose import offer_options

    filled = {}
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("{option:"):
            name = value[len("{option:") : -1]
            value = next(o.option_id for o in offer_options(case) if o.name == name)
        elif value == "{evidence}":
            value = _evidence(case, by, at)
        elif value == "{reason}":
            value = DEMO_APPEAL_REASON
        filled[key] = value
    return filled


def build_workflow_demo(*, shops, users, stdout) -> None:
    from cases.demo_exports import import_export
    from cases.models import Case
    from cases.workflow.services import case_act

    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    start = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(9, 0), tzinfo=SHANGHAI)
    for code in ("tb-home", "dy-fashion"):
        shop = shops.get(code)
        if shop is None or Review.objects.filter(shop=shop, order_no__startswith=f"WF{shop.pk:02d}").exists():
            continue
        items = _items(shop, at=start - dt.timedelta(hours=1))
        import_export(
            shop, items, by=users["supervisor1"], now=start - dt.timedelta(hours=1), name="workflow"
        )
        for item, (_key, (_review_spec, steps)) in zip(items, _plan().items(), strict=True):
            case = Case.objects.select_related("assignee").get(
                review__shop=shop, review__order_no=item["order_no"]
            )
            version = case.version
            for n, (who, action, data) in enumerate(steps):
                at = start + dt.timedelta(
                    minutes=65 * n
                )  # contacts at least an hour apart, in business hours
                by = case.assignee if who == "assignee" else users[who]
                version = case_act(
                    case_id=case.pk,
                    action=action,
                    by=by,
                    version=version,
                    now=at,
                    data=_fill(data, case, by, at),
                ).version
        stdout.write(f"workflow demo {code}: {len(PLAN)} routed cases in every state a worked case reaches")
