"""Keeping the daily review rollup current.

Choice (documented in the issue's terms): the intake path publishes no "reviews ingested" event, so
the rollup is rebuilt **per affected (shop, day) by an idempotent task** that runs every 5 minutes
(django-q2 schedule, migration 0002). Every review written by intake carries its ``last_batch``;
the task rebuilds the (shop, day) pairs of the reviews of batches newer than its watermark, plus
those of batches created in the last ``OVERLAP`` (a batch with a lower id that committed late is not
missed). A conversion (counted through its case) arrives with such a batch too; its
``cases.signals.case_event`` event only enqueues the refresh sooner (insights.receivers).

Rebuilding a day is DELETE + INSERT of that day's rows in one transaction, computed from the reviews
themselves: running it twice leaves the same rows; two rebuilds of one shop run one after the other
(``lock_shop_rollups``), so one running concurrently with a refresh does too.

The offers rollup (services.offer_rollup) is rebuilt with the same days here, and at once when the
workflow publishes an offer event.

A review's rating for the counts is the one it was counted with as 中差评: ``case.converted_from_rating``
when the buyer later revised it (a conversion does not erase the cause), else its current rating.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Max, Min, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases.models import Case, ImportBatch, Review
from insights.choices import NEGATIVE_RATING_MAX, NEUTRAL_RATING, Dimension
from insights.models import ReviewRollup, RollupState
from insights.periods import SHANGHAI, day_start
from insights.services.offer_rollup import lock_shop_rollups, offer_rollup_rebuild, offer_rollup_rebuild_shop

OVERLAP = dt.timedelta(minutes=15)
DELETE_CHUNK = 500
LABEL_MAX = 340


def _counted_reviews(shop_id: int, first: dt.date, last: dt.date):
    return (
        Review.objects.filter(
            shop_id=shop_id,
            reviewed_at__gte=day_start(first),
            reviewed_at__lt=day_start(last + dt.timedelta(days=1)),
        )
        .annotate(
            day=TruncDate("reviewed_at", tzinfo=SHANGHAI),
            counted_rating=Coalesce("case__converted_from_rating", "rating", output_field=IntegerField()),
        )
        .order_by()
    )


def _counts():
    return {
        "n": Count("pk"),
        "neutral_n": Count("pk", filter=Q(counted_rating=NEUTRAL_RATING)),
        "negative_n": Count("pk", filter=Q(counted_rating__lte=NEGATIVE_RATING_MAX)),
    }


def _rows(
    shop_id: int, platform: str, first: dt.date, last: dt.date, days: set[dt.date]
) -> list[ReviewRollup]:
    reviews = _counted_reviews(shop_id, first, last)
    rows: list[ReviewRollup] = []

    def add(day, dimension, key, label, row):
        if day in days:
            rows.append(
                ReviewRollup(
                    shop_id=shop_id,
                    day=day,
                    platform=platform,
                    dimension=dimension,
                    key=key[:LABEL_MAX],
                    label=label[:LABEL_MAX],
                    reviews=row["n"],
                    neutral=row["neutral_n"],
                    negative=row["negative_n"],
                )
            )

    for row in reviews.values("day", "case__issue_type_id").annotate(
        name=Max("case__issue_type__name"), **_counts()
    ):
        issue_id = row["case__issue_type_id"]
        add(row["day"], Dimension.ISSUE_TYPE, str(issue_id or ""), row["name"] or "", row)
    for row in reviews.values("day", "item_id", "sku").annotate(title=Max("item_title"), **_counts()):
        label = " · ".join(part for part in (row["title"] or row["item_id"], row["sku"]) if part)
        add(row["day"], Dimension.SKU, f"{row['item_id']}|{row['sku']}", label, row)
    for row in reviews.values("day", "courier").annotate(**_counts()):
        add(row["day"], Dimension.COURIER, row["courier"], row["courier"], row)
    return rows


_PG_DAY = "(r.reviewed_at AT TIME ZONE 'Asia/Shanghai')::date"
_PG_COUNTED = "COALESCE(c.converted_from_rating, r.rating)"
_PG_DIMENSIONS = {
    Dimension.ISSUE_TYPE: ("COALESCE(c.issue_type_id::text, '')", "COALESCE(MAX(it.name), '')"),
    Dimension.SKU: (
        "r.item_id || '|' || r.sku",
        "concat_ws(' · ', COALESCE(NULLIF(MAX(r.item_title), ''), NULLIF(r.item_id, '')), NULLIF(r.sku, ''))",
    ),
    Dimension.COURIER: ("r.courier", "r.courier"),
}


def _insert_select_pg(shop_id: int, platform: str, first: dt.date, last: dt.date, days: list[dt.date]) -> int:
    """The same rows as ``_rows``, computed and written by PostgreSQL in one statement per dimension
    (the backfill of a year of a busy shop would otherwise ship every row through Python)."""
    from policies.models import IssueType

    written = 0
    with connection.cursor() as cursor:
        for dimension, (key, label) in _PG_DIMENSIONS.items():
            cursor.execute(
                f"""INSERT INTO {ReviewRollup._meta.db_table} (shop_id, day, platform, dimension, key, label, reviews, neutral, negative)
                SELECT r.shop_id, {_PG_DAY}, %s, %s, LEFT({key}, {LABEL_MAX}), LEFT({label}, {LABEL_MAX}), COUNT(*),
                       COUNT(*) FILTER (WHERE {_PG_COUNTED} = %s), COUNT(*) FILTER (WHERE {_PG_COUNTED} <= %s)
                FROM {Review._meta.db_table} r
                LEFT JOIN {Case._meta.db_table} c ON c.review_id = r.id
                LEFT JOIN {IssueType._meta.db_table} it ON it.id = c.issue_type_id
                WHERE r.shop_id = %s AND r.reviewed_at >= %s AND r.reviewed_at < %s AND {_PG_DAY} = ANY(%s)
                GROUP BY r.shop_id, {_PG_DAY}, {key}{", r.courier" if dimension == Dimension.COURIER else ""}{", r.item_id, r.sku" if dimension == Dimension.SKU else ""}""",
                [
                    platform,
                    str(dimension),
                    NEUTRAL_RATING,
                    NEGATIVE_RATING_MAX,
                    shop_id,
                    day_start(first),
                    day_start(last + dt.timedelta(days=1)),
                    days,
                ],
            )
            written += cursor.rowcount
    return written


def rollup_rebuild(*, shop_id: int, days: Iterable[dt.date], offers: bool = True) -> int:
    """Recompute the rollup rows of ``days`` of one shop from its reviews (and, unless ``offers`` is
    False, the offers rollup of the cases opened on those days); returns rows written."""
    days = set(days)
    if not days:
        return 0
    from reviewdesk.models import Shop

    platform = Shop.objects.filter(pk=shop_id).values_list("platform", flat=True).first()
    if platform is None:
        return 0
    with transaction.atomic():
        lock_shop_rollups(shop_id)  # a concurrent rebuild of these days would insert beside ours
        ordered = sorted(days)
        for start in range(0, len(ordered), DELETE_CHUNK):
            ReviewRollup.objects.filter(
                shop_id=shop_id, day__in=ordered[start : start + DELETE_CHUNK]
            ).delete()
        if connection.vendor == "postgresql":
            written = _insert_select_pg(shop_id, platform, ordered[0], ordered[-1], ordered)
        else:
            rows = _rows(shop_id, platform, ordered[0], ordered[-1], days)
            ReviewRollup.objects.bulk_create(rows, batch_size=2000)
            written = len(rows)
        if offers:
            written += offer_rollup_rebuild(shop_id=shop_id, days=days)
    return written


def rollup_rebuild_pairs(pairs: Iterable[tuple[int, dt.date]]) -> int:
    by_shop: dict[int, set[dt.date]] = defaultdict(set)
    for shop_id, day in pairs:
        by_shop[shop_id].add(day)
    return sum(rollup_rebuild(shop_id=shop_id, days=days) for shop_id, days in sorted(by_shop.items()))


def rollup_rebuild_all(*, shop_ids: Iterable[int] | None = None) -> int:
    """Backfill: every day of every (or the given) shop, from its first to its last review, and its offers."""
    from reviewdesk.models import Shop

    shops = Shop.objects.all() if shop_ids is None else Shop.objects.filter(pk__in=list(shop_ids))
    written = 0
    for shop_id in shops.order_by("pk").values_list("pk", flat=True):
        span = Review.objects.filter(shop_id=shop_id).aggregate(
            first=Min("reviewed_at"), last=Max("reviewed_at")
        )
        with transaction.atomic():
            ReviewRollup.objects.filter(shop_id=shop_id).delete()
            if span["first"] is not None:
                first, last = (
                    span["first"].astimezone(SHANGHAI).date(),
                    span["last"].astimezone(SHANGHAI).date(),
                )
                days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
                written += rollup_rebuild(shop_id=shop_id, days=days, offers=False)
            # A case may open days after its review was written: the offers' days span their own range.
            written += offer_rollup_rebuild_shop(shop_id=shop_id)
    return written


def rollup_refresh(*, now: dt.datetime | None = None) -> int:
    """The scheduled task: rebuild the days touched by import batches since the last run."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(name="default")
        batches = ImportBatch.objects.filter(Q(pk__gt=state.last_batch_id) | Q(created_at__gte=now - OVERLAP))
        batch_ids = list(batches.values_list("pk", flat=True))
        if not batch_ids:
            state.refreshed_at = now
            state.save(update_fields=["refreshed_at"])
            return 0
        pairs = set(
            Review.objects.filter(last_batch_id__in=batch_ids)
            .annotate(day=TruncDate("reviewed_at", tzinfo=SHANGHAI))
            .values_list("shop_id", "day")
            .distinct()
        )
        written = rollup_rebuild_pairs(pairs)
        state.last_batch_id = max(state.last_batch_id, max(batch_ids))
        state.refreshed_at = now
        state.save(update_fields=["last_batch_id", "refreshed_at"])
    return written


def rollup_refreshed_at() -> dt.datetime | None:
    return RollupState.objects.filter(name="default").values_list("refreshed_at", flat=True).first()
