"""Keeping the daily offers rollup (insights.models.OfferRollup) current.

The dashboard's compensation tables count a range's offers by the day their case was opened, per
option and issue type, and by the buyer's answer. Reading that from every offer joined to its case
hashed the whole offers table on each request; the rollup holds the same counts per
(shop, Asia/Shanghai day, option, issue type, answer).

Kept current the way the review rollup is (services.rollup): a (shop, day) is rebuilt from the
offers themselves, DELETE + INSERT in one transaction, so a rebuild is idempotent. What triggers it:

- the workflow publishes ``offer_made`` / ``offer_answered`` on ``cases.signals.case_event`` after
  commit; insights.receivers rebuilds the day of that case at once (a few rows, a few ms), so the
  dashboard is right as soon as the agent's action is;
- ``rollup_rebuild`` (the 5-minute refresh of import batches' days) rebuilds the offers of those
  days too, and the backfill (``rebuild_insights_rollup``) all of them.

Two rebuilds of one shop's days run one after the other (``lock_shop_rollups``: an advisory lock on
PostgreSQL; SQLite serialises writers anyway): each DELETE + INSERT then sees the other's committed rows.

An offer's figures depend only on its own row and its case's shop, platform, opening time and issue
type, which intake sets once; the issue type's *name* is read at query time, so renaming one needs no
rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import TruncDate

from cases.models import Case, CompensationOffer
from insights.models import OfferRollup
from insights.periods import SHANGHAI, day_start

DAY_CHUNK = 500
_LOCK_CLASS = 0x1A5E  # pg_advisory_xact_lock(class, shop): "the rollups of this shop"


def lock_shop_rollups(shop_id: int) -> None:
    """Until the transaction ends, no other rebuild of this shop's rollups runs (PostgreSQL; SQLite
    has one writer anyway). Taken again by the same transaction, it does not wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, shop_id])


def _groups(shop_id: int, first: dt.date, last: dt.date):
    """The rollup's rows for the cases of ``shop_id`` opened on ``first`` … ``last``, grouped in SQL."""
    return (
        CompensationOffer.objects.filter(
            case__shop_id=shop_id,
            case__opened_at__gte=day_start(first),
            case__opened_at__lt=day_start(last + dt.timedelta(days=1)),
        )
        .values(
            day=TruncDate("case__opened_at", tzinfo=SHANGHAI),
            platform=F("case__platform"),
            option=F("option_id"),
            name=F("option_name"),
            issue=F("case__issue_type_id"),
            answer=F("buyer_answer"),
        )
        .annotate(n=Count("pk"), spent=Sum("cost"))
        .order_by()
    )


def _write(shop_id: int, first: dt.date, last: dt.date, days: set[dt.date] | None) -> int:
    rows = [
        OfferRollup(
            shop_id=shop_id,
            day=g["day"],
            platform=g["platform"],
            option_id=g["option"],
            option_name=g["name"],
            issue_type_id=g["issue"],
            answer=g["answer"],
            offers=g["n"],
            cost=g["spent"] or 0,
        )
        for g in _groups(shop_id, first, last)
        if days is None or g["day"] in days
    ]
    OfferRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def offer_rollup_rebuild(*, shop_id: int, days: Iterable[dt.date]) -> int:
    """Recompute the offers rollup rows of ``days`` (case opening days) of one shop; returns rows written."""
    days = set(days)
    if not days:
        return 0
    ordered = sorted(days)
    with transaction.atomic():
        lock_shop_rollups(shop_id)
        for start in range(0, len(ordered), DAY_CHUNK):
            OfferRollup.objects.filter(shop_id=shop_id, day__in=ordered[start : start + DAY_CHUNK]).delete()
        return _write(shop_id, ordered[0], ordered[-1], days)


def offer_rollup_rebuild_case(*, case_id: int) -> int:
    """Rebuild the day of one case (after an offer on it was made or answered)."""
    case = Case.objects.filter(pk=case_id).values("shop_id", "opened_at").first()
    if case is None:
        return 0
    return offer_rollup_rebuild(shop_id=case["shop_id"], days=[case["opened_at"].astimezone(SHANGHAI).date()])


def offer_rollup_rebuild_shop(*, shop_id: int) -> int:
    """Backfill one shop: every day, from the first to the last opening of a case with an offer."""
    with transaction.atomic():
        lock_shop_rollups(shop_id)
        OfferRollup.objects.filter(shop_id=shop_id).delete()
        span = Case.objects.filter(shop_id=shop_id, offers__isnull=False).aggregate(
            first=Min("opened_at"), last=Max("opened_at")
        )
        if span["first"] is None:
            return 0
        first, last = span["first"].astimezone(SHANGHAI).date(), span["last"].astimezone(SHANGHAI).date()
        return _write(shop_id, first, last, None)
