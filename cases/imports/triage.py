"""Triage: review values → ReviewFacts → the policy engine's Decision → an unsaved Case and its
shared DecisionRecord.

The policy is loaded once per import (``load_policy``); the counts the malicious signals need are
computed for the whole batch with a constant number of queries (``negative_counts``).
Deadlines come from the engine; the warn times are the tier's percentage of each clock in business
minutes on the same calendar, so a warning never lands in closed hours.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from cases.choices import CaseStatus
from cases.imports.bulk import JsonText, any_of, array_literal
from cases.models import Case, Review
from policies.choices import SignalKind
from policies.decisions import Decision, ReviewFacts
from reviewdesk.i18n_text import neutral
from reviewdesk.money import format_cny

# "Negative" for the per-buyer / per-IP signals: 中评 and 差评 (1–3 on the 1–5 scale).
NEGATIVE_RATING_MAX = 3
LOOKUP_CHUNK = 5000
PARTS_CACHE_MAX = 20_000  # distinct decisions whose JSON a batch keeps


def load_policy_for(shop):
    from policies.loader import load_policy

    return load_policy(shop=shop, platform=shop.platform)


def signal_windows(policy) -> dict[str, tuple[int, ...]]:
    windows: dict[str, set[int]] = {SignalKind.SAME_IP: set(), SignalKind.SAME_BUYER: set()}
    for signal in getattr(policy, "malicious_signals", ()):
        if signal.kind in windows and signal.window_days:
            windows[signal.kind].add(int(signal.window_days))
    return {kind: tuple(sorted(days)) for kind, days in windows.items()}


def negative_counts(*, shop, rows, policy) -> dict[str, dict]:
    """``{external_id: {"_same_ip": {window days: count}, "_same_buyer": {…}}}`` for each negative row
    of the batch, counting this shop's negative reviews already stored plus those of the batch, in
    [t − window, t]. ``rows`` is read once (a list or a ``RowSpool``); only the few values the counts
    need are kept, so a batch on disk stays there."""
    windows = signal_windows(policy)
    wanted = [
        (kind, field, target, windows[kind])
        for kind, field, target in (
            (SignalKind.SAME_IP, "buyer_ip", "_same_ip"),
            (SignalKind.SAME_BUYER, "buyer_nick", "_same_buyer"),
        )
        if windows.get(kind)
    ]
    if not wanted:
        return {}
    batch_ids: set[str] = set()
    negative: list[tuple[str, dt.datetime, str | None, str | None]] = []
    for r in rows:
        batch_ids.add(r["external_id"])
        if r["rating"] <= NEGATIVE_RATING_MAX:
            negative.append((r["external_id"], r["reviewed_at"], r.get("buyer_ip"), r.get("buyer_nick")))
    counts: dict[str, dict] = {}
    for _kind, field, target, days in wanted:
        position = 2 if field == "buyer_ip" else 3
        keyed = [n for n in negative if n[position]]
        if not keyed:
            continue
        earliest = min(n[1] for n in keyed) - dt.timedelta(days=max(days))
        timeline: dict[str, list[dt.datetime]] = defaultdict(list)
        keys = sorted({n[position] for n in keyed})
        for start in range(0, len(keys), LOOKUP_CHUNK):
            stored = Review.objects.filter(
                any_of(
                    field, keys[start : start + LOOKUP_CHUNK], "text" if field == "buyer_nick" else "inet"
                ),
                shop=shop,
                rating__lte=NEGATIVE_RATING_MAX,
                reviewed_at__gte=earliest,
            ).values_list(field, "reviewed_at", "external_id")
            for key, when, external_id in stored.iterator(chunk_size=LOOKUP_CHUNK):
                if external_id not in batch_ids:
                    timeline[key].append(when)
        for n in keyed:
            timeline[n[position]].append(n[1])
        for moments in timeline.values():
            moments.sort()
        for row in keyed:
            external_id, t, moments = row[0], row[1], timeline[row[position]]
            high = bisect.bisect_right(moments, t)
            counts.setdefault(external_id, {})[target] = {
                d: high - bisect.bisect_left(moments, t - dt.timedelta(days=d)) for d in days
            }
    return counts


def facts_for(values: dict, *, shop, received_at: dt.datetime) -> ReviewFacts:
    return ReviewFacts(
        platform=shop.platform,
        rating=values["rating"],
        text=values.get("content") or "",
        appended_text=values.get("appended_content") or "",
        received_at=received_at,
        reviewed_at=values.get("reviewed_at"),
        order_amount=values.get("order_amount"),
        shipping_fee=values.get("shipping_fee"),
        negative_reviews_same_ip=values.get("_same_ip") or {},
        negative_reviews_same_buyer=values.get("_same_buyer") or {},
        shop_id=shop.pk,
    )


def decide_for(facts: ReviewFacts, policy) -> Decision:
    from policies.engine import decide

    return decide(facts, policy)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format_cny(value)


def decision_as_json(decision: Decision) -> dict:
    """The whole decision, compact: what a page needs to explain the case, no rendered texts."""
    return {**_static_json(decision), "windows": _windows_json(decision.windows)}


def _windows_json(w) -> dict:
    return {
        "revision_allowed": w.revision_allowed,
        "revision_until": _iso(w.revision_until),
        "reply_allowed": w.reply_allowed,
        "reply_until": _iso(w.reply_until),
        "reply_max_chars": w.reply_max_chars,
        "appeal_allowed": w.appeal_allowed,
        "appeal_until": _iso(w.appeal_until),
        "may_request_revision": w.may_request_revision,
    }


def _static_json(decision: Decision) -> dict:
    """Every part of ``decision_as_json`` but the platform windows (the only part read from the review's own dates).

    The engine's reasons, signals and the tier's name are stored language-neutral
    (``reviewdesk.i18n_text``: msgid and values) and rendered in each reader's language; records written
    before that hold the text of the language active at intake, which still renders as it is."""
    c, sla = decision.classification, decision.sla
    return {
        "issue_type": c.issue_type_code,
        "issue_type_name": c.issue_type_name,
        "malicious": c.malicious,
        "signals": neutral(list(c.signals)),
        "keywords": list(c.matched_keywords),
        "classification": neutral(c.reason),
        "customer_tier": decision.customer_tier,
        "sla": None
        if sla is None
        else {
            "tier": _tier_name(decision),
            "handling_role": sla.handling_role,
            "escalation_role": sla.escalation_role,
            "warn_at_percent": sla.warn_at_percent,
            "first_response_minutes": sla.first_response_minutes,
            "next_response_minutes": sla.next_response_minutes,
            "public_reply_minutes": sla.public_reply_minutes,
            "resolution_minutes": sla.resolution_minutes,
            "reason": neutral(sla.reason),
        },
        "compensation": [
            {
                "option_id": o.option_id,
                "rule_id": o.rule.id,
                "name": o.name,
                "kind": o.kind,
                "amount": _money(o.amount),
                "cost": _money(o.cost),
                "requires_approval": o.requires_approval,
                "approval_role": o.approval_role,
                "expected_acceptance": o.expected_acceptance,
            }
            for o in decision.compensation
        ],
        "templates": [
            {"id": t.template.id, "name": t.name, "stage": t.stage, "channel": t.channel}
            for t in decision.templates
        ],
        "reasons": neutral(list(decision.reasons)),
    }


def _tier_name(decision: Decision):
    """The SLA tier's name, with its English name when the pack has one (``reviewdesk.i18n_text.named``)."""
    name_en = getattr(decision.sla, "tier_name_en", "")
    return {"name": decision.sla.tier_name, "en": name_en} if name_en else decision.sla.tier_name


class WarnClock:
    """Per-batch caches for turning decisions into case rows: fallback warn times (for an engine
    without them: the same start and tier give the same answer) and the decision's rule-only parts
    (see ``decision_parts``) and the ids of their records."""

    def __init__(self, policy):
        self.policy = policy
        self._cache: dict = {}
        self._parts: dict = {}
        self.record_ids: dict[
            str, int
        ] = {}  # DecisionRecord ids by digest, stored in this clock's transaction

    def _calendar(self, decision: Decision):
        tier_ref = decision.sla.tier if decision.sla else None
        for tier in getattr(self.policy, "sla_tiers", {}).values():
            if tier_ref and tier.ref.id == tier_ref.id and tier.calendar is not None:
                return tier.calendar.spec
        calendar = getattr(self.policy, "calendar", None)
        return calendar.spec if calendar is not None else None

    def warn_at(
        self, decision: Decision, start: dt.datetime, due: dt.datetime | None, minutes: int
    ) -> dt.datetime | None:
        if due is None or not minutes:
            return None
        percent = decision.sla.warn_at_percent
        key = (decision.sla.tier.id if decision.sla.tier else None, start, minutes, percent)
        if key not in self._cache:
            spec = self._calendar(decision)
            warn_minutes = max(1, math.floor(minutes * percent / 100))
            if spec is None:
                self._cache[key] = start + (due - start) * percent / 100
            else:
                from policies.business_time import add_business_minutes

                self._cache[key] = add_business_minutes(start, warn_minutes, spec)
        return self._cache[key]


def _warn(sla, name: str):
    """The engine's own warn time when it provides one (it does since the SlaDecision gained them)."""
    return getattr(sla, name, None)


@dataclass(frozen=True)
class DecisionParts:
    """The rule-only part of a decision as a ``DecisionRecord`` stores it, with its digest."""

    digest: str
    decision: dict
    policy_refs: list


def decision_parts(decision: Decision, clock: WarnClock) -> DecisionParts:
    """The shared part of a decision (everything but the windows) and its policy refs. The engine
    hands out the same memoised objects for the same inputs, so these are cached by the identity of
    the parts they are built from; the cache keeps those parts alive, so an id cannot be reused while
    its entry exists."""
    c, sla, w, appeal, contact = (
        decision.classification,
        decision.sla,
        decision.windows,
        decision.appeal,
        decision.contact_limit,
    )
    parts = (
        c,
        decision.customer_tier_rule,
        w.rule,
        sla,
        decision.compensation,
        decision.templates,
        decision.follow_up_plan,
        appeal.rule if appeal else None,
        contact.rule if contact else None,
    )
    key = (*map(id, parts), decision.customer_tier, decision.reasons)
    cached = clock._parts.get(key)
    if cached is None:
        if len(clock._parts) > PARTS_CACHE_MAX:
            clock._parts.clear()
        refs = [
            {"model": r.model, "id": r.id, "version": r.version, "name": r.name} for r in decision.rule_refs
        ]
        static = _static_json(decision)
        canonical = json.dumps(
            {"decision": static, "policy_refs": refs},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        cached = clock._parts[key] = (parts, DecisionParts(digest=digest, decision=static, policy_refs=refs))
    return cached[1]


def record_ids(parts: list[DecisionParts], clock: WarnClock) -> dict[str, int]:
    """digest -> ``DecisionRecord`` id for each of ``parts``, storing those not stored yet. Only the
    digests this clock has not seen cost anything (most chunks of an import: nothing): one lookup,
    and for the new ones an insert and a second lookup, whatever the number of cases. Records that
    exist are read, never locked, so imports of other shops sharing the decisions do not wait for
    each other; only two imports creating the same new record at once do (the unique index), and the
    second then reuses the first's row (``ON CONFLICT DO NOTHING``)."""
    from cases.models import DecisionRecord

    missing = {p.digest: p for p in parts if p.digest not in clock.record_ids}
    if missing:
        found = dict(
            DecisionRecord.objects.filter(any_of("digest", missing, "text")).values_list("digest", "pk")
        )
        new = [digest for digest in sorted(missing) if digest not in found]
        if new:
            _insert_records([missing[d] for d in new])
            found.update(
                DecisionRecord.objects.filter(any_of("digest", new, "text")).values_list("digest", "pk")
            )
        clock.record_ids.update(found)
    return {p.digest: clock.record_ids[p.digest] for p in parts}


def _insert_records(parts: list[DecisionParts]) -> None:
    """INSERT … ON CONFLICT DO NOTHING of new records. On PostgreSQL the JSON goes as text, one array
    literal per column (``cases.imports.bulk.array_literal``): Django 5.2's ``bulk_create`` sends a
    ``jsonb[]`` parameter that psycopg escapes character by character in Python, 1.9 CPU-s for the
    839 records of the 100k-row bench export."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import DecisionRecord

    if connection.vendor != "postgresql":
        DecisionRecord.objects.bulk_create(
            [DecisionRecord(digest=p.digest, decision=p.decision, policy_refs=p.policy_refs) for p in parts],
            ignore_conflicts=True,
        )
        return
    qn = connection.ops.quote_name
    column = {f.name: qn(f.column) for f in DecisionRecord._meta.concrete_fields}
    sql = (
        f"INSERT INTO {qn(DecisionRecord._meta.db_table)} "
        f"({column['digest']}, {column['decision']}, {column['policy_refs']}, {column['created_at']}) "
        "SELECT d, j::jsonb, r::jsonb, %s FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(d, j, r) "
        f"ON CONFLICT ({column['digest']}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                timezone.now(),
                array_literal(p.digest for p in parts),
                array_literal(json.dumps(p.decision) for p in parts),
                array_literal(json.dumps(p.policy_refs) for p in parts),
            ],
        )


def case_values(
    *,
    review_id: int,
    shop,
    decision: Decision,
    opened_at: dt.datetime,
    clock: WarnClock,
    record_id: int | None = None,
    encoded: bool = False,
) -> dict:
    """The column values (by attname) of the case a decision opens: classification, SLA tier and
    deadlines, platform windows and the decision record (``record_ids``) — frozen at intake.
    ``encoded``: the JSON column as ``JsonText`` (for ``insert_dicts``), else as a Python value."""
    c, sla, w = decision.classification, decision.sla, decision.windows
    windows = _windows_json(w)
    if encoded:  # the engine hands out one classification per distinct answer: encode its lists once
        key = ("classification-json", id(c))
        cached = clock._parts.get(key)
        if cached is None:
            lists = (
                JsonText(json.dumps(neutral(list(c.signals)))),
                JsonText(json.dumps(list(c.matched_keywords))),
            )
            cached = clock._parts[key] = (c, lists)
        signals, keywords = cached[1]
    else:
        signals, keywords = neutral(list(c.signals)), list(c.matched_keywords)
    values = {
        "review_id": review_id,
        "shop_id": shop.pk,
        "platform": shop.platform,
        "status": CaseStatus.NEW,
        "issue_type_id": c.issue_type_id,
        "is_malicious": c.malicious,
        "malicious_signals": signals,
        "matched_keywords": keywords,
        "customer_tier": decision.customer_tier or "",
        "revision_allowed": w.revision_allowed,
        "revision_until": w.revision_until,
        "reply_until": w.reply_until,
        "appeal_until": w.appeal_until,
        "may_request_revision": w.may_request_revision,
        "decision_record_id": record_id,
        "decision_windows": JsonText(json.dumps(windows)) if encoded else windows,
        "opened_at": opened_at,
        "updated_at": opened_at,
    }
    if sla is None:
        return values
    start = decision.facts.received_at or opened_at
    key = ("sla", id(sla), start)
    cached = clock._parts.get(key)
    if cached is None:
        cached = clock._parts[key] = (sla, _sla_values(decision, sla, start, clock))
    values.update(cached[1])
    return values


def _sla_values(decision: Decision, sla, start: dt.datetime, clock: WarnClock) -> dict:
    warns = {
        name: _warn(sla, f"{name}_warn_at")
        or clock.warn_at(decision, start, getattr(sla, f"{name}_due_at"), getattr(sla, f"{name}_minutes"))
        for name in ("first_response", "public_reply", "resolution")
    }
    values = dict(
        handling_role=sla.handling_role or "",
        escalation_role=sla.escalation_role or "",
        sla_tier_id_ref=sla.tier.id if sla.tier else None,
        sla_tier_version=sla.tier.version if sla.tier else None,
        sla_tier_name=sla.tier_name,
        warn_at_percent=sla.warn_at_percent,
        next_response_minutes=sla.next_response_minutes,
        first_response_due_at=sla.first_response_due_at,
        first_response_warn_at=warns["first_response"],
        public_reply_due_at=sla.public_reply_due_at,
        public_reply_warn_at=warns["public_reply"],
        resolution_due_at=sla.resolution_due_at,
        resolution_warn_at=warns["resolution"],
    )
    pending = [
        t
        for t in (
            warns["first_response"],
            sla.first_response_due_at,
            warns["resolution"],
            sla.resolution_due_at,
        )
        if t
    ]
    values["sla_next_check_at"] = min(pending) if pending else None
    return values


def case_row(template: dict, **kwargs) -> dict:
    """A full row for ``cases.imports.bulk.insert_dicts`` (``template`` = ``row_template(Case)``)."""
    return {**template, **case_values(**kwargs, encoded=True)}


def case_for(*, decision: Decision, clock: WarnClock, **kwargs) -> Case:
    """An unsaved Case (demo data, tests); its decision record is stored already."""
    parts = decision_parts(decision, clock)
    record_id = record_ids([parts], clock)[parts.digest]
    return Case(**case_values(decision=decision, clock=clock, record_id=record_id, **kwargs))
