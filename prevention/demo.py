"""Prevention demo data (idempotent; ``reviewdesk.hooks.demo_builders``, stage 3: after the history, so a
buyer's earlier bad reviews count against their new order).

A peak season around today (双12, global, with a round-the-clock staffing calendar and the seed's promise),
then, per demo shop, the order export of the last days in the shop's own platform format, imported through
``prevention.orders.order_import`` (as a supervisor uploads it), the parcels' traces recorded through
``order_record_traces`` (as the pull does), and the real sweep and risk rules: the late sweep opens one
task per late order and reason (not shipped in time, no movement, stuck at a station, beyond the delivery
days; timed in the season's calendar), the risk rules flag the new orders of a buyer with two refunds or
returns (and of a buyer with two bad reviews in the history, where there is one). In 家居好物淘宝店 one task
has already been worked: its agent compensated the buyer.

A shop that already has its demo orders is left alone; so is the season when its name (or another
global season covering today) exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

from django.db.models import Count
from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PREFIX = "PVDEMO"
SEASON = "双12"
SEASON_CALENDAR = "大促全天排班"
PROMISE = "双12期间退货退款审核延长至24小时，但我们会优先处理"
RETURNER = "演示退货买家"
WORKED_SHOP, WORKED_BY = "tb-home", "agent1"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# (number, buyer, item, status, courier, hours since payment, hours to the ship-by promise, hours since
# shipping, after-sale, trace: [(hours ago, station, words)])
ITEMS = {
    "mug": ("61000001", "北欧简约陶瓷马克杯", "白色 350ml"),
    "box": ("61000002", "可折叠收纳箱", "大号"),
    "hoodie": ("61000003", "宽松卫衣", "黑色 L"),
    "earphones": ("61000006", "无线蓝牙耳机", "白色"),
}


def _orders(now: dt.datetime, bad_reviewer: str | None) -> list[dict]:
    rows = [
        # Not shipped six hours after the promise.
        dict(no=1, buyer="演示买家A", item="mug", status="awaiting_shipment", paid=-54, ship_by=-6),
        # On time, but the buyer returned two orders before: flagged, insurance suggested.
        dict(no=2, buyer=RETURNER, item="hoodie", status="awaiting_shipment", paid=-3, ship_by=20),
        # No movement for 60 hours (中通).
        dict(
            no=3,
            buyer="演示买家B",
            item="box",
            status="in_transit",
            courier="中通快递",
            paid=-96,
            shipped=-80,
            trace=[(-80, "金华分拨中心", "快件已揽收"), (-60, "金华分拨中心", "快件已发往杭州转运中心")],
        ),
        # Moving, but at one station for 70 hours (韵达).
        dict(
            no=4,
            buyer="演示买家C",
            item="mug",
            status="in_transit",
            courier="韵达快递",
            paid=-92,
            shipped=-86,
            trace=[
                (-86, "义乌分拨中心", "快件已揽收"),
                (-70, "杭州转运中心", "快件到达杭州转运中心"),
                (-10, "杭州转运中心", "快件在杭州转运中心等待装车"),
            ],
        ),
        # 顺丰, shipped four days ago and still on its way (顺丰's rule: three days).
        dict(
            no=5,
            buyer="演示买家D",
            item="earphones",
            status="in_transit",
            courier="顺丰速运",
            paid=-100,
            shipped=-96,
            trace=[
                (-96, "深圳宝安", "顺丰已收件"),
                (-30, "上海浦东", "快件到达上海浦东中转场"),
                (-4, "上海浦东", "派送中"),
            ],
        ),
        # On its way and on time.
        dict(
            no=6,
            buyer="演示买家E",
            item="hoodie",
            status="in_transit",
            courier="圆通速递",
            paid=-30,
            shipped=-20,
            trace=[(-20, "广州白云", "快件已揽收"), (-3, "长沙中转", "快件已到达长沙中转")],
        ),
        # The returner's two earlier orders, and an ordinary delivered one.
        dict(
            no=7,
            buyer=RETURNER,
            item="hoodie",
            status="delivered",
            paid=-500,
            shipped=-490,
            after_sale="return",
        ),
        dict(
            no=8, buyer=RETURNER, item="box", status="delivered", paid=-400, shipped=-390, after_sale="refund"
        ),
        dict(no=9, buyer="演示买家F", item="mug", status="delivered", paid=-300, shipped=-290),
    ]
    if bad_reviewer:
        rows.append(
            dict(no=10, buyer=bad_reviewer, item="mug", status="awaiting_shipment", paid=-2, ship_by=20)
        )
    for row in rows:
        row["paid_at"] = now + row["paid"] * H
        row["ship_by_at"] = now + row["ship_by"] * H if "ship_by" in row else row["paid_at"] + 48 * H
        row["shipped_at"] = now + row["shipped"] * H if "shipped" in row else None
    return rows


def _word(words: dict, value: str) -> str:
    """The export's word for ``value`` (a status or after-sale code) in this mapping."""
    return next((word for word, code in (words or {}).items() if code == value), "")


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def order_file(shop, rows: list[dict]) -> bytes:
    """The shop's order export as its back office writes it: the headers and words of its platform's
    mapping (``OrderMapping``), so the import reads it as it reads a real one."""
    from prevention.orders import mappings_for

    mapping = next(iter(mappings_for(shop.platform).values()))
    columns = mapping.columns
    out = io.StringIO()
    writer = csv.writer(out)
    fields = [name for name in columns if name != "after_sale_reason"]
    writer.writerow([columns[name][0] for name in fields])
    for row in rows:
        item_id, title, sku = ITEMS[row["item"]]
        delivered = row["shipped_at"] + 40 * H if row["status"] == "delivered" else None
        values = {
            "order_no": f"{PREFIX}{row['no']:04d}",
            "buyer_nick": row["buyer"],
            "item_id": item_id,
            "item_title": title,
            "sku": sku,
            "paid_at": _local(row["paid_at"]),
            "ship_by": _local(row["ship_by_at"]),
            "shipped_at": _local(row["shipped_at"]),
            "courier": row.get("courier", "中通快递") if row["shipped_at"] else "",
            "tracking_no": f"DEMO{row['no']:08d}" if row["shipped_at"] else "",
            "status": _word(mapping.status_map, row["status"]),
            "after_sale": _word(mapping.after_sale_map, row.get("after_sale", "")),
            "delivered_at": _local(delivered),
        }
        writer.writerow([values.get(name, "") for name in fields])
    return out.getvalue().encode("utf-8")


def _bad_reviewer(shop) -> str | None:
    """A buyer of the shop's history with at least two bad reviews (the insights demo's), if any."""
    from cases.models import Review

    row = (
        Review.objects.filter(shop=shop, rating__lte=2)
        .exclude(buyer_nick="")
        .values("buyer_nick")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "buyer_nick")
        .first()
    )
    return row["buyer_nick"] if row else None


def peak_season(now: dt.datetime, stdout) -> None:
    """双12 around today, global: its staffing calendar round the clock, the seed's promise, and the
    quality cases' 24-hour commitment (what the sandbox and ``policy_explain`` show)."""
    from policies.models import (
        BusinessCalendar,
        CampaignCommitment,
        CampaignPeriod,
        IssueType,
        OpeningHours,
    )
    from policies.validation import check_engine_rules

    today = timezone.localtime(now, SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - 3 * D, today + 10 * D
    global_periods = CampaignPeriod.objects.filter(shop=None, client=None)
    if (
        global_periods.filter(name=SEASON).exists()
        or global_periods.filter(active=True, starts_at__lt=end, ends_at__gt=start).exists()
    ):
        return
    calendar = BusinessCalendar.objects.filter(name=SEASON_CALENDAR).first()
    if calendar is None:
        calendar = BusinessCalendar(name=SEASON_CALENDAR, active=False)
        calendar.full_clean()
        calendar.save()
        for weekday in range(7):
            hours = OpeningHours(calendar=calendar, weekday=weekday, opens=dt.time(0), closes=dt.time(0))
            hours.full_clean()
            hours.save()
    period = CampaignPeriod(
        name=SEASON,
        name_en="Double 12",
        starts_at=start,
        ends_at=end,
        buyer_promise=PROMISE,
        calendar=calendar,
    )
    period.full_clean()
    check_engine_rules(period)
    period.save()
    quality = IssueType.objects.filter(code="quality").first()
    if quality is not None:
        commitment = CampaignCommitment(campaign=period, issue_type=quality, resolution_minutes=1440)
        commitment.full_clean()
        commitment.save()
    stdout.write(f"prevention demo: peak season {SEASON} {start:%m-%d} – {end:%m-%d}")


def build_prevention_demo(*, shops, users, stdout) -> None:
    from prevention.choices import TaskOutcome, TaskStatus
    from prevention.models import Order, PreventionTask
    from prevention.orders import TraceStep, order_import, order_record_traces
    from prevention.risk import risk_flag_orders
    from prevention.services import prevention_task_record_outcome
    from prevention.sweep import late_sweep

    now = timezone.now()
    peak_season(now, stdout)
    imported = []
    for shop in shops.values():
        if Order.objects.filter(shop=shop, order_no__startswith=PREFIX).exists():
            continue
        rows = _orders(now, _bad_reviewer(shop))
        result = order_import(shop=shop, data=order_file(shop, rows), file_name=f"{shop.code}-orders.csv")
        if not result.ok:
            stdout.write(
                f"prevention demo {shop.code}: order file refused: {result.file_error or result.errors}"
            )
            continue
        orders = {o.order_no: o for o in Order.objects.filter(shop=shop, order_no__startswith=PREFIX)}
        for row in rows:
            if row.get("trace") and row["status"] == "in_transit":
                order_record_traces(
                    order=orders[f"{PREFIX}{row['no']:04d}"],
                    steps=[
                        TraceStep(at=now + hours * H, station=s, description=w)
                        for hours, s, w in row["trace"]
                    ],
                )
        imported.append(shop)
        flagged = risk_flag_orders(order_ids=result.order_ids)
        stdout.write(f"prevention demo {shop.code}: {result.created} orders, {flagged} risky")
    if not imported:
        return
    swept = late_sweep(now=now)
    stdout.write(f"prevention demo: the late sweep opened {swept.opened} tasks")
    shop, agent = shops.get(WORKED_SHOP), users.get(WORKED_BY)
    if shop in imported and agent is not None:
        task = (
            PreventionTask.objects.filter(
                shop=shop, status=TaskStatus.OPEN, order__order_no__startswith=PREFIX
            )
            .order_by("pk")
            .first()
        )
        if task is not None:
            prevention_task_record_outcome(
                task=task,
                by=agent,
                outcome=TaskOutcome.COMPENSATED,
                note="已电话联系买家致歉，5元优惠券已发放，买家表示理解。",
            )


build_prevention_demo.demo_stage = 3
