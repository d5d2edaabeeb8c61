"""Demo reviews for the demo shops, entered through the intake service so they are triaged like
real ones: every issue type, an extortion review, repeat negatives from one buyer and IP, good
reviews that open nothing, and a later copy that improves one rating and appends to another.
Idempotent: a shop that already has demo reviews is left alone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.choices import IntakeSource
from cases.models import Review
from cases.services.submit import reviews_submit

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
LEVEL_WORD = {5: "好评", 4: "好评", 3: "中评", 2: "差评", 1: "差评"}


def _items(shop, *, now: dt.datetime) -> list[dict]:
    items = []
    word_ratings = shop.platform in ("taobao", "tmall")
    for n, (rating, content, appended, title, amount, fee, courier, buyer, ip) in enumerate(REVIEWS, start=1):
        reviewed = (now - dt.timedelta(days=len(REVIEWS) - n, hours=n)).replace(second=0, microsecond=0)
        items.append(
            {
                "shop": shop.code,
                "order_no": f"DEMO{shop.pk:02d}{n:06d}",
                "sub_order_no": f"DEMO{shop.pk:02d}{n:06d}01",
                "item_id": f"60{n:08d}",
                "item_title": title,
                "sku": "默认规格",
                "rating": LEVEL_WORD[rating] if word_ratings else str(rating),
                "content": content,
                "appended_content": appended,
                "appended_at": (reviewed + dt.timedelta(days=1)).isoformat() if appended else "",
                "reviewed_at": reviewed.isoformat(),
                "buyer_nick": buyer,
                "buyer_ip": ip,
                "order_amount": amount,
                "shipping_fee": fee,
                "courier": courier,
            }
        )
    return items


def build_cases_demo(*, shops, users, stdout) -> None:
    now = timezone.now()
    for shop in shops.values():
        if Review.objects.filter(shop=shop, source=IntakeSource.DEMO).exists():
            continue
        items = _items(shop, now=now)
        results = reviews_submit(items=items, allowed_shop_ids={shop.pk}, source=IntakeSource.DEMO)
        # A later "export": the mug's buyer revises 差评 → 好评 (a conversion where the platform allows
        # it) and the quality complaint gets an appended review.
        later = [dict(items[0]), dict(items[2])]
        later[0]["rating"] = "好评" if shop.platform in ("taobao", "tmall") else "5"
        later[0]["content"] = "客服主动联系补发了，态度很好，改成好评"
        later[1]["appended_content"] = "商家联系后换了新的，这个结实多了"
        later[1]["appended_at"] = now.replace(microsecond=0).isoformat()
        reviews_submit(items=later, allowed_shop_ids={shop.pk}, source=IntakeSource.DEMO)
        errors = [r for r in results if r.errors]
        cases = sum(1 for r in results if r.case_id)
        stdout.write(
            f"cases demo {shop.code}: {len(results) - len(errors)} reviews, {cases} cases, {len(errors)} errors"
        )
    from cases.demo_workflow import build_workflow_demo

    build_workflow_demo(shops=shops, users=users, stdout=stdout)
