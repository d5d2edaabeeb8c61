"""Today's inbox of the demo shops: this morning's export of each shop imported through intake
(``cases.demo_exports``, a file in the platform's format, as a supervisor uploads it), so the reviews
are triaged and routed to the shop's team like real ones: every issue type, an extortion review,
repeat negatives from one buyer and IP, good reviews that open nothing. The agent calls the mug's
buyer, and the afternoon's export shows that buyer's rating raised (a conversion, paid by the ledger's
rule where the platform lets buyers revise) and an appended review on another.
Idempotent: a shop that already has the inbox's reviews is left alone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from cases.demo_exports import import_export
from cases.models import Case, Review

# (rating 1–5, content, appended content, item title, amount, shipping fee, courier, buyer, ip)
REVIEWS = [
    (
        1,
        "快递太慢了，下单一个星期才到，物流信息一直不更新",
        "",
        "北欧简约陶瓷马克杯",
        "59.00",
        "8.00",
        "中通快递",
        "小**鱼",
        "10.1.0.1",
    ),
    (
        1,
        "收到时外包装破损，杯子碎了一个，快递野蛮装卸",
        "",
        "北欧简约陶瓷马克杯",
        "59.00",
        "0.00",
        "韵达快递",
        "阿**猫",
        "10.1.0.2",
    ),
    (
        3,
        "质量一般，用了两天把手就松了，做工粗糙",
        "",
        "可折叠收纳箱",
        "89.90",
        "0.00",
        "圆通速递",
        "木**子",
        "10.1.0.3",
    ),
    (
        1,
        "产品质量太差，开线起球，和图片完全不一样",
        "追评：洗了一次就变形了，差评",
        "宽松卫衣",
        "129.00",
        "0.00",
        "申通快递",
        "晴**天",
        "10.1.0.4",
    ),
    (
        2,
        "客服态度很差，问了半天不回复，回复也很敷衍",
        "",
        "儿童保温杯",
        "79.00",
        "0.00",
        "顺丰速运",
        "大**熊",
        "10.1.0.5",
    ),
    (
        3,
        "不会用，说明书看不懂，颜色也和想象的有差别",
        "",
        "多功能料理机",
        "299.00",
        "0.00",
        "京东物流",
        "糖**糖",
        "10.1.0.6",
    ),
    (
        1,
        "不给我返现50元就一直差评，加微信给红包我就删评",
        "",
        "无线蓝牙耳机",
        "159.00",
        "0.00",
        "中通快递",
        "专**评",
        "10.9.9.9",
    ),
    (1, "垃圾东西，差评", "", "无线蓝牙耳机", "159.00", "0.00", "中通快递", "专**评", "10.9.9.9"),
    (1, "差评，再买我就是狗", "", "充电宝", "99.00", "0.00", "中通快递", "专**评", "10.9.9.9"),
    (
        5,
        "很好用，物流也快，好评",
        "",
        "北欧简约陶瓷马克杯",
        "59.00",
        "0.00",
        "中通快递",
        "开**果",
        "10.1.0.7",
    ),
    (
        5,
        "东西不错，不过上次买的有问题投诉过客服，这次还行",
        "",
        "可折叠收纳箱",
        "89.90",
        "0.00",
        "圆通速递",
        "老**户",
        "10.1.0.8",
    ),
    (4, "挺好的，就是包装简单了点", "", "儿童保温杯", "79.00", "0.00", "顺丰速运", "甜**心", "10.1.0.9"),
]
INBOX_PREFIX = "DEMO"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _items(shop, *, now: dt.datetime) -> list[dict]:
    items = []
    for n, (rating, content, appended, title, amount, fee, courier, buyer, ip) in enumerate(REVIEWS, start=1):
        reviewed = (now - dt.timedelta(days=len(REVIEWS) - n, hours=n)).replace(second=0, microsecond=0)
        items.append(
            {
                "order_no": f"{INBOX_PREFIX}{shop.pk:02d}{n:06d}",
                "sub_order_no": f"DEMO{shop.pk:02d}{n:06d}01",
                "item_id": f"60{n:08d}",
                "item_title": title,
                "sku": "默认规格",
                "rating": rating,
                "content": content,
                "appended_content": appended,
                "appended_at": reviewed + dt.timedelta(days=1) if appended else None,
                "reviewed_at": reviewed,
                "buyer_nick": buyer,
                "buyer_ip": ip,
                "order_amount": amount,
                "shipping_fee": fee,
                "courier": courier,
            }
        )
    return items


def _call_the_buyer(case_id: int, *, at: dt.datetime) -> None:
    """The assignee reaches the mug's buyer and arranges a replacement (before the buyer revises)."""
    from cases.workflow.services import case_act

    case = Case.objects.select_related("assignee").filter(pk=case_id).first()
    if case is None or case.assignee is None:
        return
    case_act(
        case_id=case.pk,
        action="record_contact",
        by=case.assignee,
        version=case.version,
        now=at,
        data={"channel": "phone", "reached": True, "note": "买家同意补发一个新杯子"},
    )


def _this_morning(now: dt.datetime) -> dt.datetime:
    """08:30 (Asia/Shanghai) of the last day whose morning is at least two hours past: the export is
    imported then, the buyer is called in business hours, and the afternoon's export is not in the future."""
    local = timezone.localtime(now, SHANGHAI)
    morning = dt.datetime.combine(local.date(), dt.time(8, 30), tzinfo=SHANGHAI)
    return morning if morning + dt.timedelta(hours=2) <= now else morning - dt.timedelta(days=1)


def build_cases_demo(*, shops, users, stdout) -> None:
    morning = _this_morning(timezone.now())
    for shop in shops.values():
        if Review.objects.filter(shop=shop, order_no__startswith=INBOX_PREFIX).exists():
            continue
        items = _items(shop, now=morning)
        result = import_export(shop, items, by=users["supervisor1"], now=morning, name="reviews")
        mug = Case.objects.filter(review__shop=shop, review__order_no=items[0]["order_no"]).first()
        if mug is not None:
            _call_the_buyer(mug.pk, at=morning + dt.timedelta(minutes=30))
        # The afternoon's export: the mug's buyer revises 差评 → 好评 (a conversion where the platform
        # allows it) and the quality complaint gets an appended review.
        later = [dict(items[0]), dict(items[2])]
        later[0]["rating"] = 5
        later[0]["content"] = "客服主动联系补发了，态度很好，改成好评"
        later[1]["appended_content"] = "商家联系后换了新的，这个结实多了"
        later[1]["appended_at"] = morning + dt.timedelta(minutes=50)
        import_export(
            shop, later, by=users["supervisor1"], now=morning + dt.timedelta(minutes=90), name="reviews"
        )
        stdout.write(f"cases demo {shop.code}: {result.rows} reviews imported, {result.cases_opened} cases")
    from cases.demo_workflow import build_workflow_demo

    build_workflow_demo(shops=shops, users=users, stdout=stdout)


build_cases_demo.demo_stage = 2  # after the history (insights.demo), before the QA of it and the ledger
