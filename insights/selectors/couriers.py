"""Courier watch (seed 001): a courier whose 中差评 rate on a shop's orders is over the threshold
(default 20 %, InsightSettings) in each of the last N complete calendar months (default 3) is flagged.

Denominator: orders are known to ReviewDesk only through their reviews, so the rate is
中差评 (rating ≤ 3) ÷ all reviews of that courier on that shop in the month. "Over" is strict: exactly
20 % is not over. A month in which the courier has no reviews on the shop has no rate and breaks the
run (the courier is not flagged). Reviews without a courier are not watched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from insights.choices import Dimension
from insights.models import InsightSettings, ReviewRollup
from insights.periods import add_months, complete_months_before
from insights.tables import Table, percent, plain_number
from reviewdesk.models import Shop


@dataclass
class CourierMonths:
    shop_id: int
    shop_name: str
    courier: str
    months: list[tuple[dt.date, int, int]] = field(default_factory=list)  # (month, reviews, 中差评)
    flagged: bool = False


def courier_watch(
    *, shop_ids, as_of: dt.date, settings: InsightSettings | None = None
) -> tuple[list[CourierMonths], list[dt.date], InsightSettings]:
    settings = settings or InsightSettings.current()
    months = complete_months_before(as_of, settings.courier_months)
    rows = (
        ReviewRollup.objects.filter(
            shop_id__in=list(shop_ids),
            dimension=Dimension.COURIER,
            day__gte=months[0],
            day__lt=add_months(months[-1], 1),
        )
        .exclude(key="")
        .annotate(month=TruncMonth("day"))
        .values("shop_id", "key", "month")
        .annotate(reviews_n=Sum("reviews"), neutral_n=Sum("neutral"), negative_n=Sum("negative"))
        .order_by()
    )
    found: dict[tuple[int, str], dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        found[(row["shop_id"], row["key"])][month] = (row["reviews_n"], row["neutral_n"] + row["negative_n"])
    names = dict(Shop.objects.filter(pk__in={s for s, _c in found}).values_list("pk", "name"))
    threshold = Decimal(settings.courier_threshold_percent)
    result = []
    for (shop_id, courier), by_month in found.items():
        entry = CourierMonths(shop_id=shop_id, shop_name=names.get(shop_id, ""), courier=courier)
        for month in months:
            reviews, bad = by_month.get(month, (0, 0))
            entry.months.append((month, reviews, bad))
        # Integer comparison: bad / reviews > threshold %  ⇔  bad·100 > threshold·reviews (no rounding at 20 %).
        entry.flagged = all(
            reviews > 0 and Decimal(bad) * 100 > threshold * reviews for _m, reviews, bad in entry.months
        )
        result.append(entry)
    result.sort(key=lambda e: (not e.flagged, e.shop_name, e.courier))
    return result, months, settings


def courier_table(*, shop_ids, as_of: dt.date) -> Table:
    entries, months, settings = courier_watch(shop_ids=shop_ids, as_of=as_of)
    month_headers = [m.strftime("%Y-%m") for m in months]
    headers = [_("店铺"), _("物流公司")]
    for label in month_headers:
        headers += [
            _("%(m)s 评价数") % {"m": label},
            _("%(m)s 中差评") % {"m": label},
            _("%(m)s 中差评率(%%)") % {"m": label},
        ]
    headers.append(_("建议更换"))
    table = Table(
        "couriers",
        _("物流公司中差评率"),
        headers,
        note=_(
            "分母：该物流公司在该店铺当月的评价数(系统只能通过评价知道订单)；分子：其中的中差评(评分≤3)。"
            "连续%(months)s个完整自然月中差评率高于%(threshold)s%%(等于不算)即标记；某月没有评价即视为未超标。"
        )
        % {"months": settings.courier_months, "threshold": plain_number(settings.courier_threshold_percent)},
    )
    for entry in entries:
        row = [entry.shop_name, entry.courier]
        for _month, reviews, bad in entry.months:
            row += [reviews, bad, percent(bad, reviews)]
        row.append(_("是") if entry.flagged else "")
        table.rows.append(row)
    return table
