"""Intake of platform export files: parse and validate the whole file, then store it all or nothing.

Entry points (keyword-only):

* ``reviews_import_file(*, shop, data, file_name, by=None, dry_run=False) -> IntakeResult`` — a
  platform export. All or nothing: any bad row → every bad row reported and nothing written.

The rows it has validated go through ``cases.imports.storing.reviews_ingest``, the core shared with
the API, the admin and the demo data (chunked, COPY on PostgreSQL, a number of queries that does
not grow with the number of rows; imports of one shop serialised by locking the shop row).

The upload page keeps a previewed file until it is confirmed (``staged_preview_*``): each preview
under its own random key in ``VAR_DIR/import-staging/``, deleted when confirmed or cancelled, and by
``staged_previews_sweep`` (django-q, hourly) once older than ``IMPORT_STAGING_MAX_AGE_HOURS`` — a
buyer's export abandoned on the preview page must not stay on disk for ever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import ImportStatus, IntakeSource
from cases.imports.bulk import cyclic_gc_paused
from cases.imports.storing import json_value, reviews_ingest
from cases.imports.validation import ParsedFile, parse_export
from cases.models import ImportBatch
from reviewdesk.models import Shop
from reviewdesk.staging import StagingArea
from reviewdesk.staging import sweep as staging_sweep

PREVIEW_ROWS = 20
OPENED_CASES_LISTED = 200  # the result page links these; the rest are in the shop's queue


@dataclass
class IntakeResult:
    """What the command, the upload page and the tests read. ``as_dict()`` is the --json output."""

    ok: bool
    dry_run: bool
    shop_code: str
    file_name: str
    sha256: str
    mapping: str = ""
    sheet: str = ""
    header_row: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    batch_id: int | None = None
    error: dict | None = None  # {"code", "message"} for a file-level problem
    errors: list[dict] = field(default_factory=list)  # row-level problems
    error_count: int = 0
    preview: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)  # header cells that are not imported
    opened_case_ids: list[int] = field(default_factory=list)  # the first OPENED_CASES_LISTED new cases
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}

    @classmethod
    def of_job(cls, job) -> IntakeResult | None:
        """An import job's result as the import pages read it (None before it has one): the job stores
        ``as_dict()`` without its errors, which it keeps apart (``Job.errors``)."""
        if not job.result:
            return None
        return cls(**{**job.result, "errors": job.errors})


class _RollBack(Exception):
    pass


class _Reported:
    """The validated rows as ``reviews_ingest`` reads them, telling ``progress`` after every chunk."""

    def __init__(self, rows, progress):
        self._rows, self._progress = rows, progress

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)

    def chunks(self):
        done, total = 0, len(self._rows)
        self._progress(0, total)
        for chunk in self._rows.chunks():
            yield chunk
            done += len(chunk)
            self._progress(done, total)


def _preview(rows: list[dict]) -> list[dict]:
    keep = (
        "_row",
        "external_id",
        "order_no",
        "item_title",
        "rating",
        "rating_text",
        "content",
        "reviewed_at",
        "buyer_nick",
    )
    return [{k.lstrip("_"): json_value(r.get(k)) for k in keep} for r in rows[:PREVIEW_ROWS]]


def reviews_import_file(
    *, shop: Shop, data: bytes, file_name: str, by=None, dry_run: bool = False, now=None, progress=None
) -> IntakeResult:
    """``now`` (replays, the demo's history): the import's clock, passed to ``reviews_ingest``.
    ``progress(done, total)`` (a job, jobs.runner): told after every stored chunk, inside the import's
    transaction, so an exception it raises (a cancelled job) rolls the whole import back.
    Runs with the cycle collector paused (``cases.imports.bulk.cyclic_gc_paused``)."""
    with cyclic_gc_paused():
        return _import_file(
            shop=shop, data=data, file_name=file_name, by=by, dry_run=dry_run, now=now, progress=progress
        )


def _import_file(*, shop, data, file_name, by, dry_run, now, progress) -> IntakeResult:
    started = time.monotonic()
    parsed: ParsedFile = parse_export(data, file_name=file_name, shop=shop)
    result = IntakeResult(
        ok=False,
        dry_run=dry_run,
        shop_code=shop.code,
        file_name=file_name,
        sha256=parsed.sha256,
        mapping=parsed.mapping.name if parsed.mapping else "",
        sheet=parsed.sheet_name,
        header_row=parsed.header_row,
        rows=parsed.row_count,
        errors=[e.as_dict() for e in parsed.errors],
        error_count=parsed.error_count,
        preview=_preview(parsed.rows.head),
        unknown_columns=list(parsed.unknown_columns),
    )
    if parsed.file_error is not None:
        result.error = {"code": str(parsed.file_error.code), "message": parsed.file_error.message}
    elif parsed.error_count:
        result.error = {
            "code": "bad_rows",
            "message": _("有%(n)d处错误，整个文件未导入。请修正后重新上传。") % {"n": parsed.error_count},
        }
    if result.error is not None:
        if not dry_run:
            ImportBatch.objects.create(
                shop=shop,
                mapping_id=parsed.mapping.id if parsed.mapping else None,
                source=IntakeSource.FILE,
                file_name=file_name[:255],
                sha256=parsed.sha256,
                created_by=by,
                status=ImportStatus.FAILED,
                row_count=parsed.row_count,
                error_count=max(parsed.error_count, 1),
                errors=[result.error, *result.errors[:1000]],
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        parsed.rows.discard()
        result.seconds = time.monotonic() - started
        return result
    try:
        with transaction.atomic():
            outcome = reviews_ingest(
                shop=shop,
                rows=parsed.rows if progress is None else _Reported(parsed.rows, progress),
                source=IntakeSource.FILE,
                by=by,
                file_name=file_name,
                sha256=parsed.sha256,
                mapping_id=parsed.mapping.id if parsed.mapping else None,
                duplicates=parsed.duplicates,
                collect_items=False,
                now=now,
            )
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    finally:
        parsed.rows.discard()
    result.ok = True
    result.created, result.updated = outcome.created, outcome.updated
    result.unchanged = outcome.unchanged + parsed.duplicates
    result.cases_opened = outcome.cases_opened
    result.opened_case_ids = [] if dry_run else list(outcome.new_case_ids[:OPENED_CASES_LISTED])
    result.batch_id = None if dry_run else outcome.batch_id
    result.seconds = time.monotonic() - started
    return result


# --- previews staged for the upload page -------------------------------------------------------------

_STAGED = StagingArea("import-staging")


def staged_preview_put(*, data: bytes) -> str:
    """Keep a previewed file for its confirmation; returns its key (reviewdesk.staging)."""
    return _STAGED.put(data)


def staged_preview_read(*, key: str) -> bytes | None:
    """The staged bytes, or None when the key is malformed, already used, cancelled or swept."""
    return _STAGED.read(key)


def staged_preview_discard(*, key: str) -> bool:
    """Delete a staged preview (confirmed or cancelled); True when there was one."""
    return _STAGED.discard(key)


def staged_previews_sweep(*, max_age: timedelta | None = None) -> dict:
    """The hourly django-q task (migration cases.0013): deletes abandoned staged uploads of every
    staging area, the policy pack's included (``reviewdesk.staging.sweep``)."""
    return staging_sweep(max_age=max_age)
