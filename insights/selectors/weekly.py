"""The weekly Top-3 report (seed 000 《差评TOP3分析报告》) for one ISO week and one or all shops.

Counts are 中差评 (rating ≤ 3) of reviews written in the week, Monday 00:00 to the next Monday 00:00
Asia/Shanghai, read from the daily rollup. Share = count ÷ all 中差评 of the week in the scope.
Change = count − the same item's count in the previous ISO week.

Tie rule: items are ranked by count (high first); equal counts are ordered by name (Unicode code
point order, so the same input always gives the same report) and the first three are listed. Items
with the same count as the third that did not make the list are named under the table as "并列第3",
so a tie is never hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import IntegerField, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Review
from insights.choices import NEUTRAL_RATING, Dimension
from insights.hooks import weekly_sections
from insights.models import ReviewRollup
from insights.periods import IsoWeek
from insights.selectors.couriers import CourierMonths, courier_watch
from insights.tables import Table, percent
from reviewdesk.pii import mask_free_text

TOP_N = 3
SAMPLES = 2
SAMPLE_CHARS = 120
UNNAMED = "—"


@dataclass
class TopRow:
    rank: int
    key: str
    label: str
    count: int
    share: object
    previous: int
    change: int
    change_percent: object
    samples: list[str] = field(default_factory=list)


@dataclass
class Section:
    dimension: str
    title: str
    rows: list[TopRow]
    tied: list[str]


@dataclass
class WeeklyData:
    week: IsoWeek
    scope: str
    shop_ids: tuple[int, ...]
    total: int
    previous_total: int
    sections: list[Section]
    couriers: list[CourierMonths]
    courier_months: list[dt.date]
    courier_threshold: object
    built_at: dt.datetime
    # Other apps' tables for the top issue types (insights.hooks.weekly_sections), e.g. work orders.
    extra: list[Table] = field(default_factory=list)

    @property
    def flagged_couriers(self) -> list[CourierMonths]:
        return [c for c in self.couriers if c.flagged]


def _counts(shop_ids, dimension: str, week: IsoWeek) -> dict[str, tuple[str, int]]:
    rows = (
        ReviewRollup.objects.filter(
            shop_id__in=shop_ids, dimension=dimension, day__gte=week.monday, day__lte=week.sunday
        )
        .values("key")
        .annotate(label_max=Max("label"), bad=Sum("neutral") + Sum("negative"))
        .order_by()
    )
    # A SKU's label is its item title and SKU text, where a phone number can be typed too: masked.
    return {
        row["key"]: (mask_free_text(row["label_max"]) or UNNAMED, row["bad"]) for row in rows if row["bad"]
    }


def _samples(shop_ids, dimension: str, key: str, week: IsoWeek) -> list[str]:
    reviews = Review.objects.filter(
        shop_id__in=shop_ids, reviewed_at__gte=week.start, reviewed_at__lt=week.end
    )
    if dimension == Dimension.ISSUE_TYPE:
        reviews = (
            reviews.filter(case__issue_type_id=int(key))
            if key
            else reviews.filter(case__issue_type__isnull=True)
        )
    elif dimension == Dimension.SKU:
        item_id, _sep, sku = key.partition("|")
        reviews = reviews.filter(item_id=item_id, sku=sku)
    else:
        reviews = reviews.filter(courier=key)
    texts = (
        reviews.annotate(
            counted=Coalesce("case__converted_from_rating", "rating", output_field=IntegerField())
        )
        .filter(counted__lte=NEUTRAL_RATING)
        .exclude(Q(content="") & Q(appended_content=""))
        .order_by("-reviewed_at", "-pk")
        .values_list("content", "appended_content")[:SAMPLES]
    )
    samples = []
    for content, appended in texts:
        text = mask_free_text(" / ".join(part for part in (content, appended) if part))
        samples.append(text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + "…")
    return samples


def rank_top(
    counts: dict[str, tuple[str, int]], n: int = TOP_N
) -> tuple[list[tuple[str, str, int]], list[str]]:
    """(top n as (key, label, count), labels tied with the n-th but left out) — see the tie rule above."""
    ordered = sorted(
        ((key, label, count) for key, (label, count) in counts.items()), key=lambda r: (-r[2], r[1], r[0])
    )
    top = ordered[:n]
    tied = [label for _key, label, count in ordered[n:] if top and len(top) == n and count == top[-1][2]]
    return top, tied


def weekly_top3(*, week: IsoWeek, shop_ids, scope: str, now: dt.datetime | None = None) -> WeeklyData:
    shop_ids = tuple(sorted(shop_ids))
    previous = week.previous()
    titles = {
        Dimension.ISSUE_TYPE: _("问题类型TOP3"),
        Dimension.SKU: _("商品规格(SKU)TOP3"),
        Dimension.COURIER: _("物流公司TOP3"),
    }
    sections = []
    total = previous_total = 0
    for dimension in (Dimension.ISSUE_TYPE, Dimension.SKU, Dimension.COURIER):
        counts, before = _counts(shop_ids, dimension, week), _counts(shop_ids, dimension, previous)
        if dimension == Dimension.ISSUE_TYPE:
            total, previous_total = sum(c for _l, c in counts.values()), sum(c for _l, c in before.values())
        if dimension == Dimension.COURIER:  # reviews without a courier are not a courier
            counts.pop("", None)
        top, tied = rank_top(counts)
        rows = []
        for rank, (key, label, count) in enumerate(top, start=1):
            prev = before.get(key, ("", 0))[1]
            rows.append(
                TopRow(
                    rank=rank,
                    key=key,
                    label=label,
                    count=count,
                    share=percent(count, total),
                    previous=prev,
                    change=count - prev,
                    change_percent=percent(count - prev, prev),
                    samples=_samples(shop_ids, dimension, key, week),
                )
            )
        sections.append(Section(dimension=dimension, title=titles[dimension], rows=rows, tied=tied))
    couriers, months, settings = courier_watch(shop_ids=shop_ids, as_of=week.sunday)
    top_issue_keys = [row.key for row in sections[0].rows]
    extra = [
        table
        for builder in weekly_sections.all()
        for table in builder(week=week, shop_ids=shop_ids, top_issue_keys=top_issue_keys)
    ]
    return WeeklyData(
        week=week,
        scope=scope,
        shop_ids=shop_ids,
        total=total,
        previous_total=previous_total,
        sections=sections,
        couriers=couriers,
        courier_months=months,
        courier_threshold=settings.courier_threshold_percent,
        built_at=now or timezone.now(),
        extra=extra,
    )
