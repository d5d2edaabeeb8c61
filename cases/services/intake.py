"""Intake: validated review values → reviews, revisions, buyers and cases, in one transaction.

Entry points (keyword-only):

* ``reviews_import_file(*, shop, data, file_name, by=None, dry_run=False) -> IntakeResult`` — a
  platform export. All or nothing: any bad row → every bad row reported and nothing written.
* ``reviews_ingest(*, shop, rows, source, by=None, ...) -> IngestOutcome`` — the shared core for
  already validated rows (file, API, admin, demo): upserts, records revisions, triages, opens cases,
  then after commit hands the new case ids to routing and alerts (``hand_off_new_cases``).

Every step works on the whole batch: the number of queries does not grow with the number of rows
(lookups in chunks of 5,000, bulk inserts in batches of 2,000). Imports of one shop are serialised
by locking the shop row, so two concurrent uploads cannot both create the same review.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES, CaseStatus, ImportStatus, IntakeSource, RowStatus
from cases.hooks import case_events
from cases.intake.normalise import TRACKED_FIELDS
from cases.intake.pipeline import ParsedFile, parse_export
from cases.models import Buyer, Case, ImportBatch, Review, ReviewRevision
from cases.services import triage
from reviewdesk.models import Shop

logger = logging.getLogger(__name__)
CHUNK = 5000
INSERT_BATCH = 2000
PREVIEW_ROWS = 20


@dataclass
class ItemOutcome:
    external_id: str
    status: str
    review_id: int | None = None
    case_id: int | None = None


@dataclass
class IngestOutcome:
    batch_id: int | None
    items: dict[str, ItemOutcome]  # external_id -> outcome
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    new_case_ids: list[int] = field(default_factory=list)
    conversion_candidates: list[int] = field(default_factory=list)
    worsened: list[int] = field(default_factory=list)


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
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


class _RollBack(Exception):
    pass


def _json_value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _preview(rows: list[dict]) -> list[dict]:
    keep = ("_row", "external_id", "order_no", "item_title", "rating", "rating_text", "content", "reviewed_at", "buyer_nick")
    return [{k.lstrip("_"): _json_value(r.get(k)) for k in keep} for r in rows[:PREVIEW_ROWS]]


def reviews_import_file(*, shop: Shop, data: bytes, file_name: str, by=None, dry_run: bool = False) -> IntakeResult:
    started = time.monotonic()
    parsed: ParsedFile = parse_export(data, file_name=file_name, shop=shop)
    result = IntakeResult(
        ok=False, dry_run=dry_run, shop_code=shop.code, file_name=file_name, sha256=parsed.sha256,
        mapping=parsed.mapping.name if parsed.mapping else "", sheet=parsed.sheet_name, header_row=parsed.header_row,
        rows=parsed.row_count, errors=[e.as_dict() for e in parsed.errors], error_count=parsed.error_count,
        preview=_preview(parsed.rows),
    )  # fmt: skip
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
                shop=shop, mapping_id=parsed.mapping.id if parsed.mapping else None, source=IntakeSource.FILE,
                file_name=file_name[:255], sha256=parsed.sha256, created_by=by, status=ImportStatus.FAILED,
                row_count=parsed.row_count, error_count=max(parsed.error_count, 1),
                errors=[result.error, *result.errors[:1000]], duration_ms=int((time.monotonic() - started) * 1000),
            )  # fmt: skip
        result.seconds = time.monotonic() - started
        return result
    try:
        with transaction.atomic():
            outcome = reviews_ingest(
                shop=shop, rows=parsed.rows, source=IntakeSource.FILE, by=by, file_name=file_name, sha256=parsed.sha256,
                mapping_id=parsed.mapping.id if parsed.mapping else None, duplicates=parsed.duplicates,
            )  # fmt: skip
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    result.ok = True
    result.created, result.updated = outcome.created, outcome.updated
    result.unchanged = outcome.unchanged + parsed.duplicates
    result.cases_opened = outcome.cases_opened
    result.batch_id = None if dry_run else outcome.batch_id
    result.seconds = time.monotonic() - started
    return result


def _stored(shop: Shop, external_ids: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(external_ids), CHUNK):
        chunk = external_ids[start : start + CHUNK]
        for pk, ext, fp in Review.objects.filter(shop=shop, external_id__in=chunk).values_list("pk", "external_id", "fingerprint"):
            found[ext] = (pk, fp)
    return found


def _upsert_buyers(shop: Shop, new_rows: list[dict], changed: list[tuple[dict, dict]]) -> dict[str, int]:
    """Buyer ids by nick, creating missing buyers with their counters already right."""
    delta: dict[str, list] = {}  # nick -> [reviews, negatives, first, last, last_negative]

    def touch(nick, reviews, negative_delta, when, negative):
        entry = delta.setdefault(nick, [0, 0, None, None, None])
        entry[0] += reviews
        entry[1] += negative_delta
        if when is not None:
            entry[2] = when if entry[2] is None or when < entry[2] else entry[2]
            entry[3] = when if entry[3] is None or when > entry[3] else entry[3]
            if negative:
                entry[4] = when if entry[4] is None or when > entry[4] else entry[4]

    neg = triage.NEGATIVE_RATING_MAX
    for r in new_rows:
        if r.get("buyer_nick"):
            touch(r["buyer_nick"], 1, int(r["rating"] <= neg), r.get("reviewed_at"), r["rating"] <= neg)
    for new, old in changed:
        nick = new.get("buyer_nick")
        if nick:
            was, now = old["rating"] <= neg, new["rating"] <= neg
            moved = nick != old.get("buyer_nick")
            touch(nick, int(moved), int(now) - (0 if moved else int(was)), new.get("reviewed_at"), now)
    if not delta:
        return {}
    nicks = sorted(delta)
    existing: dict[str, Buyer] = {}
    for start in range(0, len(nicks), CHUNK):
        for buyer in Buyer.objects.filter(shop=shop, nick__in=nicks[start : start + CHUNK]):
            existing[buyer.nick] = buyer
    now = timezone.now()
    to_create, to_update = [], []
    for nick in nicks:
        reviews, negatives, first, last, last_negative = delta[nick]
        buyer = existing.get(nick)
        if buyer is None:
            to_create.append(Buyer(
                platform=shop.platform, shop=shop, nick=nick, review_count=reviews, negative_review_count=max(negatives, 0),
                first_review_at=first, last_review_at=last, last_negative_at=last_negative, created_at=now, updated_at=now,
            ))  # fmt: skip
            continue
        buyer.review_count += reviews
        buyer.negative_review_count = max(buyer.negative_review_count + negatives, 0)
        buyer.first_review_at = min(filter(None, (buyer.first_review_at, first)), default=None)
        buyer.last_review_at = max(filter(None, (buyer.last_review_at, last)), default=None)
        buyer.last_negative_at = max(filter(None, (buyer.last_negative_at, last_negative)), default=None)
        buyer.updated_at = now
        to_update.append(buyer)
    Buyer.objects.bulk_create(to_create, batch_size=INSERT_BATCH)
    if to_update:
        Buyer.objects.bulk_update(
            to_update, ["review_count", "negative_review_count", "first_review_at", "last_review_at", "last_negative_at", "updated_at"],
            batch_size=500,
        )  # fmt: skip
    ids = {b.nick: b.pk for b in existing.values()}
    ids.update({b.nick: b.pk for b in to_create})
    return ids


def _review(values: dict, *, shop: Shop, buyer_id, source: str, batch_id, now) -> Review:
    review = Review(
        platform=shop.platform, shop_id=shop.pk, external_id=values["external_id"], buyer_id=buyer_id,
        fingerprint=values["fingerprint"], source=source, last_batch_id=batch_id, received_at=now, created_at=now, updated_at=now,
    )  # fmt: skip
    for name in TRACKED_FIELDS:
        value = values.get(name)
        if value is None and name not in NULLABLE:
            value = ""
        setattr(review, name, value)
    return review


NULLABLE = {"appended_at", "buyer_ip", "buyer_phone", "buyer_address", "order_amount", "shipping_fee", "seller_replied", "reviewed_at", "rating"}


def reviews_ingest(
    *, shop: Shop, rows: list[dict], source: str, by=None, file_name: str = "", sha256: str = "",
    mapping_id: int | None = None, duplicates: int = 0, now: dt.datetime | None = None,
) -> IngestOutcome:  # fmt: skip
    """Store validated rows (each with ``external_id`` and ``fingerprint``, see cases.intake.pipeline)."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).values_list("pk").first()
        batch = ImportBatch.objects.create(
            shop=shop, mapping_id=mapping_id, source=source, file_name=file_name[:255], sha256=sha256, created_by=by,
            status=ImportStatus.COMPLETED, row_count=len(rows) + duplicates,
        )  # fmt: skip
        outcome = IngestOutcome(batch_id=batch.pk, items={})
        stored = _stored(shop, [r["external_id"] for r in rows])
        new_rows, changed_rows = [], []
        for r in rows:
            known = stored.get(r["external_id"])
            if known is None:
                new_rows.append(r)
            elif known[1] == r["fingerprint"]:
                outcome.items[r["external_id"]] = ItemOutcome(r["external_id"], RowStatus.UNCHANGED, review_id=known[0])
            else:
                changed_rows.append(r)
        outcome.unchanged = len(rows) - len(new_rows) - len(changed_rows)
        if new_rows or changed_rows:
            _write(shop=shop, new_rows=new_rows, changed_rows=changed_rows, stored=stored, source=source, by=by,
                   batch=batch, now=now, outcome=outcome)  # fmt: skip
        # Unchanged rows of a review that has a case report that case id too.
        unchanged_ids = [o.review_id for o in outcome.items.values() if o.status == RowStatus.UNCHANGED]
        if unchanged_ids:
            case_ids = _case_ids_for(unchanged_ids)
            for item in outcome.items.values():
                if item.status == RowStatus.UNCHANGED:
                    item.case_id = case_ids.get(item.review_id)
        ImportBatch.objects.filter(pk=batch.pk).update(
            created_count=outcome.created, updated_count=outcome.updated, unchanged_count=outcome.unchanged + duplicates,
            cases_opened=outcome.cases_opened, duration_ms=int((time.monotonic() - started) * 1000),
        )  # fmt: skip
        new_case_ids = list(outcome.new_case_ids)
        worsened = list(outcome.worsened)
        transaction.on_commit(lambda: hand_off_new_cases(case_ids=new_case_ids, worsened_case_ids=worsened))
    return outcome


def _case_ids_for(review_ids: list[int]) -> dict[int, int]:
    found = {}
    for start in range(0, len(review_ids), CHUNK):
        found.update(Case.objects.filter(review_id__in=review_ids[start : start + CHUNK]).values_list("review_id", "pk"))
    return found


def _write(*, shop, new_rows, changed_rows, stored, source, by, batch, now, outcome: IngestOutcome) -> None:
    changed_ids = [stored[r["external_id"]][0] for r in changed_rows]
    before: dict[int, dict] = {}
    for start in range(0, len(changed_ids), CHUNK):
        for values in Review.objects.filter(pk__in=changed_ids[start : start + CHUNK]).values("pk", "buyer_id", *TRACKED_FIELDS):
            before[values["pk"]] = values
    changed_pairs = [(r, before[stored[r["external_id"]][0]]) for r in changed_rows]
    buyer_ids = _upsert_buyers(shop, new_rows, changed_pairs)

    policy = triage.load_policy_for(shop)
    to_triage = list(new_rows)
    case_by_review = _case_ids_for(changed_ids) if changed_ids else {}
    to_triage += [r for r, old in changed_pairs if old["pk"] not in case_by_review]
    triage.annotate_negative_counts(shop=shop, rows=to_triage, policy=policy)
    decisions: dict[str, object] = {}
    for r in to_triage:
        decision = triage.decide_for(triage.facts_for(r, shop=shop, received_at=now), policy)
        if decision.classification.opens_case:
            decisions[r["external_id"]] = decision

    reviews = [_review(r, shop=shop, buyer_id=buyer_ids.get(r.get("buyer_nick")), source=source, batch_id=batch.pk, now=now) for r in new_rows]
    Review.objects.bulk_create(reviews, batch_size=INSERT_BATCH)
    for review in reviews:
        outcome.items[review.external_id] = ItemOutcome(review.external_id, RowStatus.CREATED, review_id=review.pk)
    outcome.created = len(reviews)

    revisions, updated_reviews, rating_moves = [], [], []
    for r, old in changed_pairs:
        review = _review(r, shop=shop, buyer_id=buyer_ids.get(r.get("buyer_nick"), old["buyer_id"]), source=source, batch_id=batch.pk, now=now)
        review.pk = old["pk"]
        updated_reviews.append(review)
        diff = [name for name in TRACKED_FIELDS if _json_value(getattr(review, name)) != _json_value(old[name] if old[name] is not None or name in NULLABLE else "")]
        revisions.append(ReviewRevision(
            review_id=review.pk, before={k: _json_value(old[k]) for k in diff}, after={k: _json_value(getattr(review, k)) for k in diff},
            changed_fields=diff, rating_before=old["rating"], rating_after=review.rating, source=source, batch=batch, by=by, at=now,
        ))  # fmt: skip
        if review.rating != old["rating"]:
            rating_moves.append((review.pk, old["rating"], review.rating))
        outcome.items[review.external_id] = ItemOutcome(review.external_id, RowStatus.UPDATED, review_id=review.pk,
                                                        case_id=case_by_review.get(review.pk))  # fmt: skip
    if updated_reviews:
        Review.objects.bulk_update(updated_reviews, [*TRACKED_FIELDS, "fingerprint", "buyer", "last_batch", "updated_at"], batch_size=500)
        ReviewRevision.objects.bulk_create(revisions, batch_size=INSERT_BATCH)
    outcome.updated = len(updated_reviews)

    clock = triage.WarnClock(policy)
    cases = [
        triage.case_for(review_id=outcome.items[ext].review_id, shop=shop, decision=decision, opened_at=now, clock=clock)
        for ext, decision in decisions.items()
    ]
    Case.objects.bulk_create(cases, batch_size=INSERT_BATCH)
    by_review = {c.review_id: c.pk for c in cases}
    for item in outcome.items.values():
        if item.review_id in by_review:
            item.case_id = by_review[item.review_id]
    outcome.cases_opened = len(cases)
    outcome.new_case_ids = [c.pk for c in cases]
    if rating_moves:
        _apply_rating_moves(rating_moves, now=now, outcome=outcome)


def _apply_rating_moves(moves: list[tuple[int, int, int]], *, now, outcome: IngestOutcome) -> None:
    """A better rating inside the revision window → conversion candidate; a worse one → reopen
    (when resolved/closed), flag for escalation and make the SLA sweep look at it now."""
    by_review = {review_id: (old, new) for review_id, old, new in moves}
    cases = list(Case.objects.select_for_update().filter(review_id__in=list(by_review), opened_at__lt=now))
    events: list[tuple[str, int, dict]] = []
    fields = set()
    for case in cases:
        old, new = by_review[case.review_id]
        if new > old:
            if case.revision_allowed and case.revision_until and now <= case.revision_until:
                case.conversion_candidate_at = now
                case.converted_from_rating = case.converted_from_rating or old
                case.converted_to_rating = new
                fields |= {"conversion_candidate_at", "converted_from_rating", "converted_to_rating"}
                outcome.conversion_candidates.append(case.pk)
                events.append(("conversion_candidate", case.pk, {"from_rating": case.converted_from_rating, "to_rating": new}))
        else:
            if case.conversion_candidate_at is not None:
                events.append(("conversion_reverted", case.pk, {"from_rating": old, "to_rating": new}))
                case.conversion_candidate_at, case.converted_to_rating = None, None
                fields |= {"conversion_candidate_at", "converted_to_rating"}
            case.rating_worsened_at, case.rating_worsened_from, case.rating_worsened_to = now, old, new
            case.needs_escalation = True
            case.sla_next_check_at = now
            fields |= {"rating_worsened_at", "rating_worsened_from", "rating_worsened_to", "needs_escalation", "sla_next_check_at"}
            if case.status not in OPEN_STATUSES:
                case.status = CaseStatus.ASSIGNED if case.assignee_id else CaseStatus.NEW
                case.resolved_at = None
                fields |= {"status", "resolved_at"}
                events.append(("reopened", case.pk, {"reason": "rating_worsened"}))
            outcome.worsened.append(case.pk)
            events.append(("rating_worsened", case.pk, {"from_rating": old, "to_rating": new}))
        case.version += 1
    if cases:
        Case.objects.bulk_update(cases, sorted(fields | {"version", "updated_at"}), batch_size=500)
    if events:
        transaction.on_commit(lambda: _emit(events))


def _emit(events: list[tuple[str, int, dict]]) -> None:
    for event, case_id, payload in events:
        for listener in case_events.all():
            try:
                listener(event=event, case_id=case_id, payload=payload)
            except Exception:  # one listener's failure must not hide the event from the others
                logger.exception("case event listener failed: %s case=%s", event, case_id)


def hand_off_new_cases(*, case_ids: list[int], worsened_case_ids: list[int] = ()) -> None:
    """The single seam to routing and alerts (issue 3, helper C2), called after commit.

    ``cases.services.routing.route_new_cases(case_ids=...)`` assigns, then
    ``cases.services.alerts.alert_new_cases(case_ids=...)`` notifies the shop's supervisors.
    Worsened-rating cases are flagged (``needs_escalation``, ``sla_next_check_at = now``) for the SLA
    sweep. A module that does not exist yet is skipped; an error inside one is not swallowed.
    """
    if not case_ids:
        return
    for module_name, function in (("cases.services.routing", "route_new_cases"), ("cases.services.alerts", "alert_new_cases")):
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        getattr(module, function)(case_ids=list(case_ids))
