"""The demo's platform data: rows written as the shop's own review export (its platform's column
headers and rating words, from the import mappings an upload is matched against) and imported through
intake like a file a supervisor uploads (``cases.imports.uploads.reviews_import_file``, source "file").

So the demo's reviews, cases, routing, rating revisions and conversions are what a real export would
give: a later export in which a buyer raised the rating is a conversion the ledger pays by its rules.
``now`` backdates an import (the history of past weeks); the intake, routing and case events all run
at that time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.exceptions import ValidationError

from cases.imports.mapping import mappings_for
from cases.imports.submit import INPUT_FIELDS
from cases.imports.uploads import IntakeResult, reviews_import_file

# Fields an item may carry: the intake's input fields without the platform column and the seller's reply.
FIELDS = tuple(name for name in INPUT_FIELDS if name not in ("platform", "seller_replied", "reply_content"))


def _cell(name: str, value, rating_words: dict[int, str]) -> str:
    if value is None:
        return ""
    if name == "rating":
        return rating_words.get(int(value), str(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def export_bytes(shop, items: list[dict]) -> bytes:
    """``items`` (field → value, ``rating`` 1–5) as a CSV in the first export format of the shop's
    platform (Taobao/Tmall, Douyin, else the generic template). Timestamps are written in local time,
    as the platforms export them."""
    spec = mappings_for(shop.platform)[0]
    rating_words: dict[int, str] = {}
    for word, value in spec.rating_map.items():
        rating_words.setdefault(int(value), word)
    columns = [name for name in FIELDS if name in spec.labels and any(name in item for item in items)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spec.labels[name] for name in columns])
    for item in items:
        writer.writerow([_cell(name, _local(item.get(name)), rating_words) for name in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _local(value):
    from django.utils import timezone

    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def import_export(shop, items: list[dict], *, by, now: dt.datetime, name: str) -> IntakeResult:
    """Import ``items`` as the shop's export file named ``name`` at ``now``; a refused file is an error
    in the demo (its rows are ours), never skipped silently."""
    stamp = _local(now).strftime("%Y%m%d-%H%M")
    result = reviews_import_file(
        shop=shop, data=export_bytes(shop, items), file_name=f"{shop.code}-{name}-{stamp}.csv", by=by, now=now
    )
    if not result.ok:
        raise ValidationError(
            f"demo export {name} for {shop.code} refused: {result.error} {result.errors[:3]}"
        )
    return result
