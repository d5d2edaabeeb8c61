"""Shop-health demo data (idempotent; ``reviewdesk.hooks.demo_builders``, stage 3).

The last seven days of every demo shop's DSR scores (描述相符, 服务态度, 物流服务) beside the industry
average, as the back office exports them, imported by the manager through ``dsr_import`` (the file's
header found as in a real export, all or nothing). 家居好物淘宝店's 服务态度 slips below the industry
average on the last day, so the trend page shows it and its managers get the alert the import sends.
Nothing is imported when a demo shop has scores already.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

MANAGER = "manager1"
DAYS = 7
DROPPING = ("tb-home", "service")  # below the industry average on the last day
AVERAGES = {"description": Decimal("4.780"), "service": Decimal("4.760"), "logistics": Decimal("4.750")}
HEADERS = [
    "日期",
    "店铺代码",
    "描述相符",
    "描述相符行业均值",
    "服务态度",
    "服务态度行业均值",
    "物流服务",
    "物流服务行业均值",
]


def score(shop_index: int, metric_index: int, day_index: int) -> Decimal:
    """A steady score a little above the average, varying by shop, score and day (deterministic)."""
    wobble = ((shop_index * 7 + metric_index * 3 + day_index * 5) % 5) * Decimal("0.004")
    return Decimal("4.800") + Decimal(shop_index) * Decimal("0.010") + wobble


def dsr_file(shops: list, *, today: dt.date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    days = [today - dt.timedelta(days=k) for k in range(DAYS, 0, -1)]
    for shop_index, shop in enumerate(shops):
        for day_index, day in enumerate(days):
            cells = [day.isoformat(), shop.code]
            for metric_index, (metric, average) in enumerate(AVERAGES.items()):
                value = score(shop_index, metric_index, day_index)
                if (shop.code, metric) == DROPPING and day_index == len(days) - 1:
                    value = average - Decimal("0.050")
                cells += [f"{value:.3f}", f"{average:.3f}"]
            writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def build_health_demo(*, shops, users, stdout) -> None:
    from insights.health.imports import dsr_import
    from insights.health.models import DsrScore
    from insights.periods import local_today

    manager = users.get(MANAGER)
    if manager is None or not shops or DsrScore.objects.filter(shop__in=list(shops.values())).exists():
        return
    ordered = sorted(shops.values(), key=lambda s: s.code)
    result = dsr_import(data=dsr_file(ordered, today=local_today()), file_name="店铺评分.csv", user=manager)
    if result.errors:
        stdout.write(f"health demo: DSR file refused: {result.errors[:3]}")
        return
    stdout.write(f"health demo: {result.new} DSR scores over {DAYS} days of {len(ordered)} shops")


build_health_demo.demo_stage = 3
