"""Demo data for the dashboard: twelve weeks of reviews per demo shop, entered through intake (so they
are triaged, get their SLA clocks and open cases like real ones), some cases worked through the
workflow services (contact → verify → offer → answer → resolve), then the rollup and last week's report.

Deterministic and idempotent: a shop that already has the insights demo reviews is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.choices import IntakeSource
from cases.models import Case, Review
from cases.services.submit import reviews_submit
from insights.periods import last_complete_week
from insights.services.reports import weekly_report_store
from insights.services.rollup import rollup_rebuild_all

WEEKS = 12
PER_DAY = (1, 4)
EXTERNAL_PREFIX = "INSDEMO"
ITEMS = [
    ("61000001", "北欧简约陶瓷马克杯", "白色 350ml"),
    ("61000001", "北欧简约陶瓷马克杯", "灰色 350ml"),
    ("61000002", "可折叠收纳箱", "大号"),
    ("61000003", "宽松卫衣", "黑色 L"),
    ("61000003", "宽松卫衣", "灰色 XL"),
    ("61000004", "儿童保温杯", "粉色"),
    ("61000005", "多功能料理机", "标准版"),
    ("61000006", "无线蓝牙耳机", "白色"),
]
# courier → chance that a review is 中差评; 韵达 stays above 20 % every month (the courier watch flags it)
COURIERS = [
    ("中通快递", 0.12),
    ("韵达快递", 0.35),
    ("圆通速递", 0.15),
    ("顺丰速运", 0.05),
    ("申通快递", 0.18),
]
NEGATIVE_TEXTS = [
    (1, "快递太慢了，一个星期才到，物流信息也不更新"),
    (1, "外包装破损，东西摔坏了，快递野蛮装卸"),
    (2, "质量一般，用了两天就坏了，做工粗糙"),
    (1, "开线起球，和图片完全不一样，质量太差"),
    (3, "客服回复太慢，态度一般"),
    (3, "不会用，说明书看不懂"),
    (2, "颜色和图片有色差，不太满意"),
]
POSITIVE_TEXTS = ["很好用，物流也快", "质量不错，会回购", "包装很用心，好评", "性价比高"]
LEVEL_WORD = {5: "好评", 4: "好评", 3: "中评", 2: "差评", 1: "差评"}


def _items(shop, *, now: dt.datetime, rng: random.Random) -> list[dict]:
    items, n = [], 0
    word_ratings = shop.platform in ("taobao", "tmall")
    start = now - dt.timedelta(weeks=WEEKS)
    for day in range(WEEKS * 7):
        for _k in range(rng.randint(*PER_DAY)):
            n += 1
            courier, bad_chance = rng.choice(COURIERS)
            item_id, title, sku = rng.choice(ITEMS)
            if rng.random() < bad_chance + 0.1:
                rating, content = rng.choice(NEGATIVE_TEXTS)
            else:
                rating, content = rng.choice((5, 5, 4)), rng.choice(POSITIVE_TEXTS)
            reviewed = (
                start + dt.timedelta(days=day, hours=rng.randint(8, 22), minutes=rng.randint(0, 59))
            ).replace(second=0, microsecond=0)
            items.append(
                {
                    "shop": shop.code,
                    "order_no": f"{EXTERNAL_PREFIX}{shop.pk:02d}{n:06d}",
                    "sub_order_no": f"{EXTERNAL_PREFIX}{shop.pk:02d}{n:06d}01",
                    "item_id": item_id,
                    "item_title": title,
                    "sku": sku,
                    "rating": LEVEL_WORD[rating] if word_ratings else str(rating),
                    "content": content,
                    "reviewed_at": reviewed.isoformat(),
                    "buyer_nick": f"演示买家{n % 97:02d}",
                    "buyer_ip": f"10.7.{n % 200}.{n % 250 + 1}",
                    "order_amount": "89.00",
                    "shipping_fee": "8.00",
                    "courier": courier,
                }
            )
    return items


def _work_cases(shop, users, *, rng: random.Random, limit: int) -> int:
    """Walk some demo cases through the real workflow services; a refusal (quiet hours, limits) skips the case."""
    from cases.choices import ContactChannel, Responsibility
    from cases.services import workflow
    from cases.workflow import offer_options

    agents = [u for u in users.values() if u.has_role("agent") and u.memberships.filter(shop=shop).exists()]
    worked = 0
    cases = Case.objects.filter(
        shop=shop, review__order_no__startswith=EXTERNAL_PREFIX, status__in=["new", "assigned"]
    ).order_by("opened_at")
    for case in cases[:limit]:
        agent = case.assignee or (agents[0] if agents else None)
        if agent is None:
            break
        try:
            if case.status == "new" or case.assignee_id != agent.pk:
                case = workflow.case_claim(case_id=case.pk, by=agent, version=case.version)
            case = workflow.case_record_contact(
                case_id=case.pk,
                by=agent,
                version=case.version,
                channel=ContactChannel.PRIVATE_MESSAGE,
                reached=True,
            )
            case = workflow.case_verify(
                case_id=case.pk,
                by=agent,
                version=case.version,
                responsibility=Responsibility.COURIER,
                note="演示：核实为物流原因",
            )
            options = [o for o in offer_options(case) if not o.requires_approval]
            if options:
                option = rng.choice(options)
                case = workflow.case_offer(
                    case_id=case.pk, by=agent, version=case.version, option_id=option.option_id
                )
                answer = workflow.case_buyer_accepts if rng.random() < 0.75 else workflow.case_buyer_declines
                case = answer(case_id=case.pk, by=agent, version=case.version)
            if rng.random() < 0.7:
                workflow.case_resolve(case_id=case.pk, by=agent, version=case.version)
            worked += 1
        except ValidationError:
            continue
    return worked


def build_insights_demo(*, shops, users, stdout) -> None:
    now = timezone.now()
    touched = []
    for shop in shops.values():
        if Review.objects.filter(shop=shop, order_no__startswith=EXTERNAL_PREFIX).exists():
            continue
        rng = random.Random(f"insights-demo-{shop.code}")
        results = reviews_submit(
            items=_items(shop, now=now, rng=rng), allowed_shop_ids={shop.pk}, source=IntakeSource.DEMO
        )
        worked = _work_cases(shop, users, rng=rng, limit=25)
        touched.append(shop.pk)
        stdout.write(f"insights demo {shop.code}: {len(results)} reviews, {worked} cases worked")
    if touched:
        rollup_rebuild_all(shop_ids=touched)
        weekly_report_store(week=last_complete_week(now), shop=None, now=now)
