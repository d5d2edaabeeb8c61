"""The demo's history: twelve weeks of reviews per demo shop, brought in as the shop's weekly export
(``cases.demo_exports``: the platform's own file format, imported through intake at the time it
arrived), so routing gives each new case to the shop's team at that time; the assignee works it through
the workflow services the same day (contact → verify → offer → answer → resolve), and the ledger pays
by its rules (points for a case handled within its SLA). Some buyers raise their rating in the next
week's export: a conversion the ledger pays where the platform lets buyers revise a review, and
withholds, with the reason, where it does not. Then the rollups and last week's report.

Deterministic and idempotent: a shop that already has the insights demo reviews is left alone. Runs
first among the history builders (``demo_stage``), as it is the oldest part of the story.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.demo_exports import import_export
from cases.models import Case, Review
from insights.periods import last_complete_week
from insights.services.reports import weekly_report_store
from insights.services.rollup import rollup_rebuild_all

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEKS = 12
PER_DAY = (1, 3)
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


IMPORT_AT = dt.time(10, 0)  # each Monday morning the supervisor uploads last week's export
CONVERTED = 0.35  # share of accepted offers whose buyer raises the rating in the next export
REVISED = "客服主动联系处理了，态度很好，改成好评"


def _weeks(now: dt.datetime) -> list[dt.datetime]:
    """The Monday-morning import times of the last WEEKS weeks (Asia/Shanghai), oldest first."""
    today = timezone.localtime(now, SHANGHAI).date()
    monday = today - dt.timedelta(days=today.weekday())
    times = [
        dt.datetime.combine(monday - dt.timedelta(weeks=k), IMPORT_AT, tzinfo=SHANGHAI)
        for k in range(WEEKS, 0, -1)
    ]
    return [t for t in times if t < now]


def _items(shop, *, week_start: dt.datetime, first: int, rng: random.Random) -> list[dict]:
    """The reviews written in the seven days before ``week_start`` (numbered from ``first``)."""
    items, n = [], first
    begin = week_start - dt.timedelta(days=7)
    for day in range(7):
        for _k in range(rng.randint(*PER_DAY)):
            n += 1
            courier, bad_chance = rng.choice(COURIERS)
            item_id, title, sku = rng.choice(ITEMS)
            if rng.random() < bad_chance + 0.1:
                rating, content = rng.choice(NEGATIVE_TEXTS)
            else:
                rating, content = rng.choice((5, 5, 4)), rng.choice(POSITIVE_TEXTS)
            reviewed = (
                begin.replace(hour=0, minute=0)
                + dt.timedelta(days=day, hours=rng.randint(8, 22), minutes=rng.randint(0, 59))
            ).replace(second=0, microsecond=0)
            items.append(
                {
                    "order_no": f"{EXTERNAL_PREFIX}{shop.pk:02d}{n:06d}",
                    "sub_order_no": f"{EXTERNAL_PREFIX}{shop.pk:02d}{n:06d}01",
                    "item_id": item_id,
                    "item_title": title,
                    "sku": sku,
                    "rating": rating,
                    "content": content,
                    "reviewed_at": reviewed,
                    "buyer_nick": f"演示买家{n % 97:02d}",
                    "buyer_ip": f"10.7.{n % 200}.{n % 250 + 1}",
                    "order_amount": "89.00",
                    "shipping_fee": "8.00",
                    "courier": courier,
                }
            )
    return items


RESPONSIBILITY = {"logistics": "courier", "quality": "supplier"}


def _work(case: Case, *, at: dt.datetime, rng: random.Random) -> bool:
    """The assignee works a newly routed case through the workflow services on the day it arrived:
    contact, verify, an offer the agent may make alone, the buyer's answer, resolve. Returns whether
    the buyer accepted the offer (a candidate for a later conversion)."""
    from cases.workflow import offer_options
    from cases.workflow.services import case_act

    by = case.assignee
    step = iter(range(1, 10))

    def act(action, **data):
        nonlocal case
        case = case_act(
            case_id=case.pk,
            action=action,
            by=by,
            version=case.version,
            now=at + dt.timedelta(minutes=20 * next(step)),
            data=data,
        )

    act("record_contact", channel="private_message", reached=True)
    issue = case.issue_type.code if case.issue_type_id else ""
    act("verify", responsibility=RESPONSIBILITY.get(issue, "merchant"), note="演示：已核实")
    options = [o for o in offer_options(case) if not o.requires_approval] if rng.random() < 0.6 else []
    accepted = False
    if options:
        act("offer", option_id=rng.choice(options).option_id)
        accepted = rng.random() < 0.75
        act("buyer_accepts" if accepted else "buyer_declines")
    act("resolve", note="演示：买家满意" if accepted else "演示：已向买家说明处理结果")
    return accepted


def _history(shop, users, *, now: dt.datetime, rng: random.Random) -> dict[str, int]:
    """Import each week's export at its Monday morning, work the routed cases, and let some buyers
    revise in the next week's export."""
    by = users["supervisor1"]
    counts = {"reviews": 0, "cases": 0, "worked": 0, "refused": 0, "revised": 0}
    revise: list[dict] = []
    n = 0
    for at in _weeks(now):
        items = _items(shop, week_start=at, first=n, rng=rng)
        n += len(items)
        for item in revise:  # last week's satisfied buyers raise their rating in this export
            item.update(rating=5, content=REVISED)
        result = import_export(shop, items + revise, by=by, now=at, name="weekly")
        counts["reviews"] += len(items)
        counts["revised"] += len(revise)
        revise = []
        by_order = {item["order_no"]: item for item in items}
        opened = (
            Case.objects.filter(review__shop=shop, review__order_no__in=list(by_order), opened_at=at)
            .select_related("assignee", "issue_type")
            .order_by("pk")
        )
        counts["cases"] += result.cases_opened
        for case in opened:
            if case.assignee is None:
                continue
            try:
                accepted = _work(case, at=at, rng=rng)
            except ValidationError:
                counts["refused"] += 1
                continue
            counts["worked"] += 1
            if accepted and rng.random() < CONVERTED:
                revise.append(dict(by_order[case.review.order_no]))
    return counts


def build_insights_demo(*, shops, users, stdout) -> None:
    now = timezone.now()
    touched = []
    for shop in shops.values():
        if Review.objects.filter(shop=shop, order_no__startswith=EXTERNAL_PREFIX).exists():
            continue
        rng = random.Random(f"insights-demo-{shop.code}")
        counts = _history(shop, users, now=now, rng=rng)
        touched.append(shop.pk)
        stdout.write(
            f"history {shop.code}: {counts['reviews']} reviews in {WEEKS} weekly exports, "
            f"{counts['cases']} cases, {counts['worked']} worked, {counts['revised']} ratings revised"
            + (f", {counts['refused']} refused" if counts["refused"] else "")
        )
    if touched:
        rollup_rebuild_all(shop_ids=touched)
        weekly_report_store(week=last_complete_week(now), shop=None, now=now)


build_insights_demo.demo_stage = 1  # the oldest history: before the recent cases and the ledger's month ends
