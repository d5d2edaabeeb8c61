"""The shared core of every intake: validated rows → buyers, reviews, revisions, triage, cases.

``reviews_ingest(*, shop, rows, source, by=None, ...)`` runs in ONE transaction and works on the
batch in chunks of ``CHUNK`` rows, so memory stays flat and the number of queries does not grow
row by row: per chunk a fixed handful of lookups and inserts (COPY on PostgreSQL), whatever the
chunk's size. Imports of one shop are serialised by locking the shop row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.choices import OPEN_STATUSES, CaseStatus, ImportStatus, RowStatus
from cases.imports import triage
from cases.imports.bulk import any_of, insert_dicts, row_template, update_objects
from cases.imports.cells import TRACKED_FIELDS
from cases.imports.spool import RowSpool
from cases.models import Buyer, Case, ImportBatch, PendingHandoff, Review, ReviewRevision
from cases.signals import case_event, cases_opened
from reviewdesk.models import Shop

logger = logging.getLogger(__name__)
CHUNK = 5000


@dataclass
class ItemOutcome:
    external_id: str
    status: str
    review_id: int | None = None
    case_id: int | None = None


@dataclass
class IngestOutcome:
    batch_id: int | None
    items: dict[str, ItemOutcome] = field(default_factory=dict)  # filled when collect_items=True
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    new_case_ids: list[int] = field(default_factory=list)
    conversion_candidates: list[int] = field(default_factory=list)
    worsened: list[int] = field(default_factory=list)
    events: list[tuple[str, int, dict]] = field(default_factory=list)


def json_value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


NOT_NULL_TEXT = {
    name
    for name in TRACKED_FIELDS
    if name
    not in {
        "appended_at",
        "buyer_ip",
        "buyer_phone",
        "buyer_address",
        "order_amount",
        "shipping_fee",
        "seller_replied",
        "reviewed_at",
        "rating",
    }
}


def reviews_ingest(
    *,
    shop: Shop,
    rows: list[dict] | RowSpool,
    source: str,
    by=None,
    file_name: str = "",
    sha256: str = "",
    mapping_id: int | None = None,
    duplicates: int = 0,
    collect_items: bool = True,
    now: dt.datetime | None = None,
) -> IngestOutcome:
    """Store validated rows (each with ``external_id`` and ``fingerprint``, see cases.imports.validation).

    After commit the new case ids go to routing and alerts (``hand_off_new_cases``) and case events
    (conversion_candidate, conversion_reverted, rating_worsened, reopened) to ``cases.signals.case_event``.
    """
    started = time.monotonic()
    replayed_at = now  # an explicit clock (a replay, the demo's history) also routes the new cases at it
    now = now or timezone.now()
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).values_list("pk").first()
        batch = ImportBatch.objects.create(
            shop=shop,
            mapping_id=mapping_id,
            source=source,
            file_name=file_name[:255],
            sha256=sha256,
            created_by=by,
            status=ImportStatus.COMPLETED,
            row_count=len(rows) + duplicates,
        )
        outcome = IngestOutcome(batch_id=batch.pk)
        policy = triage.load_policy_for(shop)
        context = _Context(
            shop=shop, source=source, by=by, batch_id=batch.pk, now=now, policy=policy, collect=collect_items
        )
        counts = triage.negative_counts(shop=shop, rows=rows, policy=policy)
        for chunk in _chunks(rows):
            for r in chunk:
                extra = counts.get(r["external_id"])
                if extra:
                    r.update(extra)
            _ingest_chunk(chunk, context, outcome)
        ImportBatch.objects.filter(pk=batch.pk).update(
            created_count=outcome.created,
            updated_count=outcome.updated,
            unchanged_count=outcome.unchanged + duplicates,
            cases_opened=outcome.cases_opened,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        new_case_ids, worsened, events = (
            list(outcome.new_case_ids),
            list(outcome.worsened),
            list(outcome.events),
        )
        handoff_id = (
            PendingHandoff.objects.create(case_ids=new_case_ids, opened_at=now).pk if new_case_ids else None
        )  # deleted once routed and alerted
        reopened = [case_id for event, case_id, _payload in events if event == "reopened"]
        transaction.on_commit(
            lambda: hand_off_new_cases(
                case_ids=new_case_ids,
                worsened_case_ids=worsened,
                reopened_case_ids=reopened,
                now=replayed_at,
                handoff_id=handoff_id,
            )
        )
        if events:
            transaction.on_commit(lambda: emit_case_events(events))
    return outcome


def _chunks(rows) -> Iterator[list[dict]]:
    """A list in slices of ``CHUNK``; a ``RowSpool`` (cases.imports.spool) as it was spooled."""
    if hasattr(rows, "chunks"):
        yield from rows.chunks()
        return
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


@dataclass
class _Context:
    shop: Shop
    source: str
    by: object
    batch_id: int
    now: dt.datetime
    policy: object
    collect: bool
    clock: triage.WarnClock = None

    def __post_init__(self):
        self.clock = triage.WarnClock(self.policy)


def _ingest_chunk(rows: list[dict], ctx: _Context, outcome: IngestOutcome) -> None:
    shop = ctx.shop
    stored = _stored_reviews(shop, rows)
    new_rows, changed_rows, unchanged_ids = [], [], []
    for r in rows:
        known = stored.get(r["external_id"])
        if known is None:
            new_rows.append(r)
        elif known[1] == r["fingerprint"]:
            unchanged_ids.append((r["external_id"], known[0]))
        else:
            changed_rows.append(r)
    outcome.unchanged += len(unchanged_ids)
    changed_ids = [stored[r["external_id"]][0] for r in changed_rows]
    cases_of = _case_ids_for(changed_ids + [pk for _ext, pk in unchanged_ids] if ctx.collect else changed_ids)
    if ctx.collect:
        for ext, pk in unchanged_ids:
            outcome.items[ext] = ItemOutcome(ext, RowStatus.UNCHANGED, review_id=pk, case_id=cases_of.get(pk))
    if not new_rows and not changed_rows:
        return
    before = (
        {
            v["pk"]: v
            for v in Review.objects.filter(any_of("pk", changed_ids, "bigint")).values(
                "pk", "buyer_id", *TRACKED_FIELDS
            )
        }
        if changed_ids
        else {}
    )
    changed_pairs = [(r, before[stored[r["external_id"]][0]]) for r in changed_rows]
    buyer_ids = _upsert_buyers(shop, new_rows, changed_pairs, now=ctx.now)

    # Triage new reviews, and changed ones that have no case yet (e.g. a good review turned bad).
    decisions: dict[str, object] = {}
    for r in new_rows + [r for r, old in changed_pairs if old["pk"] not in cases_of]:
        decision = triage.decide_for(triage.facts_for(r, shop=shop, received_at=ctx.now), ctx.policy)
        if decision.classification.opens_case:
            decisions[r["external_id"]] = decision

    template = row_template(Review)
    review_rows = []
    for r in new_rows:
        review_rows.append(_review_row(template, r, ctx, buyer_id=buyer_ids.get(r.get("buyer_nick"))))
    review_ids = insert_dicts(Review, review_rows)
    review_id_of = {r["external_id"]: pk for r, pk in zip(new_rows, review_ids, strict=True)}
    outcome.created += len(review_ids)

    rating_moves = []
    if changed_pairs:
        revisions, updated = [], []
        rev_template = row_template(ReviewRevision)
        for r, old in changed_pairs:
            review = Review(
                pk=old["pk"],
                **_review_row(
                    {}, r, ctx, buyer_id=buyer_ids.get(r.get("buyer_nick"), old["buyer_id"]), new=False
                ),
            )
            updated.append(review)
            diff = [n for n in TRACKED_FIELDS if json_value(getattr(review, n)) != json_value(old[n])]
            revisions.append(
                {
                    **rev_template,
                    "review_id": review.pk,
                    "before": {k: json_value(old[k]) for k in diff},
                    "after": {k: json_value(getattr(review, k)) for k in diff},
                    "changed_fields": diff,
                    "rating_before": old["rating"],
                    "rating_after": review.rating,
                    "source": ctx.source,
                    "batch_id": ctx.batch_id,
                    "by_id": getattr(ctx.by, "pk", None),
                    "at": ctx.now,
                }
            )
            review_id_of[r["external_id"]] = review.pk
            if review.rating != old["rating"]:
                rating_moves.append((review.pk, old["rating"], review.rating))
        update_objects(Review, updated, [*TRACKED_FIELDS, "fingerprint", "buyer", "last_batch", "updated_at"])
        insert_dicts(ReviewRevision, revisions)
        outcome.updated += len(updated)

    case_template = row_template(Case)
    parts = {ext: triage.decision_parts(decision, ctx.clock) for ext, decision in decisions.items()}
    record_of = triage.record_ids(
        list(parts.values()), ctx.clock
    )  # the shared part of each decision, stored once
    case_rows = [
        triage.case_row(
            case_template,
            review_id=review_id_of[ext],
            shop=shop,
            decision=decision,
            opened_at=ctx.now,
            clock=ctx.clock,
            record_id=record_of[parts[ext].digest],
        )
        for ext, decision in decisions.items()
    ]
    case_ids = insert_dicts(Case, case_rows)
    outcome.cases_opened += len(case_ids)
    outcome.new_case_ids.extend(case_ids)
    if ctx.collect:
        new_case_of = {row["review_id"]: pk for row, pk in zip(case_rows, case_ids, strict=True)}
        for r in new_rows:
            pk = review_id_of[r["external_id"]]
            outcome.items[r["external_id"]] = ItemOutcome(
                r["external_id"], RowStatus.CREATED, review_id=pk, case_id=new_case_of.get(pk)
            )
        for r, old in changed_pairs:
            pk = old["pk"]
            outcome.items[r["external_id"]] = ItemOutcome(
                r["external_id"],
                RowStatus.UPDATED,
                review_id=pk,
                case_id=cases_of.get(pk) or new_case_of.get(pk),
            )
    if rating_moves:
        _apply_rating_moves(rating_moves, now=ctx.now, outcome=outcome, source=ctx.source)


def _stored_reviews(shop: Shop, rows: list[dict]) -> dict[str, tuple[int, str]]:
    """external id -> (pk, fingerprint) of the chunk's reviews this shop already has."""
    return {
        ext: (pk, fp)
        for pk, ext, fp in Review.objects.filter(
            any_of("external_id", (r["external_id"] for r in rows), "text"), shop=shop
        ).values_list("pk", "external_id", "fingerprint")
    }


def _review_row(template: dict, r: dict, ctx: _Context, *, buyer_id, new: bool = True) -> dict:
    row = template
    for name in TRACKED_FIELDS:
        value = r.get(name)
        row[name] = "" if value is None and name in NOT_NULL_TEXT else value
    row.update(
        buyer_id=buyer_id,
        fingerprint=r["fingerprint"],
        source=ctx.source,
        last_batch_id=ctx.batch_id,
        updated_at=ctx.now,
    )
    if new:
        row.update(
            platform=ctx.shop.platform,
            shop_id=ctx.shop.pk,
            external_id=r["external_id"],
            received_at=ctx.now,
            created_at=ctx.now,
        )
        return dict(row)
    return row


def _case_ids_for(review_ids: list[int]) -> dict[int, int]:
    if not review_ids:
        return {}
    return dict(Case.objects.filter(any_of("review_id", review_ids, "bigint")).values_list("review_id", "pk"))


def _upsert_buyers(
    shop: Shop, new_rows: list[dict], changed: list[tuple[dict, dict]], *, now
) -> dict[str, int]:
    """Buyer ids by nick, creating missing buyers with their counters already right."""
    neg = triage.NEGATIVE_RATING_MAX
    delta: dict[str, list] = {}  # nick -> [reviews, negatives, first, last, last_negative]

    def touch(nick, reviews, negatives, when, negative):
        entry = delta.get(nick)
        if entry is None:
            entry = delta[nick] = [0, 0, when, when, when if negative else None]
        entry[0] += reviews
        entry[1] += negatives
        if when is not None:
            if entry[2] is None or when < entry[2]:
                entry[2] = when
            if entry[3] is None or when > entry[3]:
                entry[3] = when
            if negative and (entry[4] is None or when > entry[4]):
                entry[4] = when

    for r in new_rows:
        if r.get("buyer_nick"):
            touch(r["buyer_nick"], 1, int(r["rating"] <= neg), r.get("reviewed_at"), r["rating"] <= neg)
    for new, old in changed:
        nick = new.get("buyer_nick")
        if nick:
            was, now_negative = old["rating"] <= neg, new["rating"] <= neg
            moved = nick != old.get("buyer_nick")
            touch(
                nick,
                int(moved),
                int(now_negative) - (0 if moved else int(was)),
                new.get("reviewed_at"),
                now_negative,
            )
    if not delta:
        return {}
    existing = {b.nick: b for b in Buyer.objects.filter(any_of("nick", delta, "text"), shop=shop)}
    template = row_template(Buyer)
    to_create, to_update = [], []
    for nick, (reviews, negatives, first, last, last_negative) in delta.items():
        buyer = existing.get(nick)
        if buyer is None:
            to_create.append(
                {
                    **template,
                    "platform": shop.platform,
                    "shop_id": shop.pk,
                    "nick": nick,
                    "review_count": reviews,
                    "negative_review_count": max(negatives, 0),
                    "first_review_at": first,
                    "last_review_at": last,
                    "last_negative_at": last_negative,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        buyer.review_count += reviews
        buyer.negative_review_count = max(buyer.negative_review_count + negatives, 0)
        buyer.first_review_at = min(filter(None, (buyer.first_review_at, first)), default=None)
        buyer.last_review_at = max(filter(None, (buyer.last_review_at, last)), default=None)
        buyer.last_negative_at = max(filter(None, (buyer.last_negative_at, last_negative)), default=None)
        buyer.updated_at = now
        to_update.append(buyer)
    ids = {nick: b.pk for nick, b in existing.items()}
    ids.update(zip((row["nick"] for row in to_create), insert_dicts(Buyer, to_create), strict=True))
    if to_update:
        update_objects(
            Buyer,
            to_update,
            [
                "review_count",
                "negative_review_count",
                "first_review_at",
                "last_review_at",
                "last_negative_at",
                "updated_at",
            ],
        )
    return ids


def _apply_rating_moves(
    moves: list[tuple[int, int, int]], *, now, outcome: IngestOutcome, source: str
) -> None:
    """A better rating inside the revision window → conversion candidate; a worse one → reopen
    (when resolved/closed), flag for escalation and make the SLA sweep look at it now.

    Every event raised here carries ``source``, the intake source of the write (the revision row
    records it too), so listeners can tell platform data from anything else
    (``cases.hooks.PLATFORM_DATA_SOURCES``); the case is marked whatever the source, as the review did
    change, but only platform data may be paid for."""
    by_review = {review_id: (old, new) for review_id, old, new in moves}
    cases = list(Case.objects.select_for_update().filter(review_id__in=list(by_review), opened_at__lt=now))
    fields: set[str] = set()
    for case in cases:
        old, new = by_review[case.review_id]
        if new > old:
            if case.revision_allowed and case.revision_until and now <= case.revision_until:
                case.conversion_candidate_at = now
                case.converted_from_rating = case.converted_from_rating or old
                case.converted_to_rating = new
                fields |= {"conversion_candidate_at", "converted_from_rating", "converted_to_rating"}
                outcome.conversion_candidates.append(case.pk)
                outcome.events.append(
                    (
                        "conversion_candidate",
                        case.pk,
                        {
                            "from_rating": case.converted_from_rating,
                            "to_rating": new,
                            "source": source,
                            "compliance_violations": list(case.compliance_violations),
                        },
                    )
                )  # recorded by the workflow
        else:
            if case.conversion_candidate_at is not None:
                outcome.events.append(
                    ("conversion_reverted", case.pk, {"from_rating": old, "to_rating": new, "source": source})
                )
                case.conversion_candidate_at, case.converted_to_rating = None, None
                fields |= {"conversion_candidate_at", "converted_to_rating"}
            case.rating_worsened_at, case.rating_worsened_from, case.rating_worsened_to = now, old, new
            case.needs_escalation = True
            case.sla_next_check_at = now
            fields |= {
                "rating_worsened_at",
                "rating_worsened_from",
                "rating_worsened_to",
                "needs_escalation",
                "sla_next_check_at",
            }
            if case.status not in OPEN_STATUSES:
                case.status = CaseStatus.ASSIGNED if case.assignee_id else CaseStatus.NEW
                case.resolved_at = None
                fields |= {"status", "resolved_at"}
                outcome.events.append(("reopened", case.pk, {"reason": "rating_worsened"}))
            outcome.worsened.append(case.pk)
            outcome.events.append(
                ("rating_worsened", case.pk, {"from_rating": old, "to_rating": new, "source": source})
            )
        case.version += 1
    if cases:
        update_objects(Case, cases, sorted(fields | {"version", "updated_at"}))


def emit_case_events(events: list[tuple[str, int, dict]]) -> None:
    """Send ``cases.signals.case_event`` for each event (incentives, insights …); called after commit."""
    for event, case_id, payload in events:
        case_event.send_robust(sender=Case, event=event, case_id=case_id, payload=payload)


def hand_off_new_cases(
    *,
    case_ids: list[int],
    worsened_case_ids: list[int] = (),
    reopened_case_ids: list[int] = (),
    now: dt.datetime | None = None,
    handoff_id: int | None = None,
) -> None:
    """The single seam to routing and alerts, called after commit.

    ``cases.routing.assign.route_new_cases(case_ids=...)`` assigns, then
    ``cases.alerts.alert_new_cases(case_ids=...)`` notifies the shop's supervisors.
    Worsened-rating cases need nothing here: intake flagged them (``needs_escalation``,
    ``sla_next_check_at = now``) and the SLA sweep notifies the escalation role.
    The opened and reopened cases are told to ``cases.signals.cases_opened`` (once for the whole import).
    """
    if case_ids or reopened_case_ids:
        cases_opened.send_robust(sender=Case, case_ids=[*case_ids, *reopened_case_ids])
    if not case_ids:
        return
    from cases.alerts import alert_new_cases
    from cases.routing.assign import route_cases, route_new_cases

    if now is None:
        route_new_cases(case_ids=list(case_ids))
    else:  # an ingest given its clock (a replay, the demo's history) routes at that time too
        route_cases(case_ids=sorted({int(pk) for pk in case_ids}), now=now)
    alert_new_cases(
        case_ids=list(case_ids), handoff_id=handoff_id
    )  # the alert task deletes the PendingHandoff


HANDOFF_GRACE = dt.timedelta(minutes=2)  # the normal after-commit path's time before the sweep steps in
HANDOFF_BATCH = 20  # intakes finished per sweep (each with all its new cases)


def handoff_recover(*, now: dt.datetime | None = None) -> int:
    """Finish the hand-off of intakes whose new cases never got it: the process died between the
    intake's commit and the alert task (their ``PendingHandoff`` still there after HANDOFF_GRACE).
    Routes the cases never routed (no assignment attempt at all), then alerts — what
    ``hand_off_new_cases`` would have done; both are idempotent. Run by the SLA sweep every minute;
    returns the cases taken up. The pending rows are locked (SKIP LOCKED) for the run, so two
    clusters sweeping at once split them."""
    from django.db.models import Exists, OuterRef

    from cases.alerts import alert_new_cases_now
    from cases.models import Assignment
    from cases.routing.assign import route_cases

    now = now or timezone.now()
    lost = PendingHandoff.objects.filter(opened_at__lte=now - HANDOFF_GRACE)
    if not lost.exists():  # the usual answer: one query on an index of a near-empty table
        return 0
    with transaction.atomic():
        held = list(lost.select_for_update(skip_locked=True).order_by("opened_at", "pk")[:HANDOFF_BATCH])
        if not held:
            return 0
        pending = sorted({int(pk) for handoff in held for pk in handoff.case_ids})
        never_routed = list(
            Case.objects.filter(any_of("pk", pending, "bigint"), status=CaseStatus.NEW, assignee__isnull=True)
            .exclude(Exists(Assignment.objects.filter(case=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if never_routed:
            route_cases(case_ids=never_routed)
        alert_new_cases_now(case_ids=pending)
        PendingHandoff.objects.filter(pk__in=[handoff.pk for handoff in held]).delete()
    logger.warning("hand-off recovered for %d new case(s) (%d routed now)", len(pending), len(never_routed))
    return len(pending)
