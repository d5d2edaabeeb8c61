"""The SLA sweep: warn before, and escalate after, every deadline of every open case — once.

Cost follows what is due, not the table: one query on the partial index
``case_sla_next_check_open`` (open cases with ``sla_next_check_at <= now``), in batches locked with
``FOR UPDATE SKIP LOCKED`` so several clusters share the work instead of doubling it.

For each due case and each clock that is still running (its due time set and its "done" time
empty; the next-response clock has no "done" time: the workflow clears ``next_response_due_at``
when the agent answers), the sweep records
- a WARNING when the warn time (stored by intake at the tier's percentage) has passed but the due
  time has not, notified to the assignee (or, if nobody has the case yet, to the shop's supervisors);
- a BREACH when the due time has passed: ``sla_breached_at`` is set if empty, and the shop's
  members with the tier's escalation role (plus the assignee) are notified.
Events are inserted with ON CONFLICT DO NOTHING … RETURNING and only inserted rows notify, so a rerun,
a retried task or a second cluster announces nothing twice. Finally ``sla_next_check_at`` becomes the
next future warn/due time of the running clocks (empty when none is left).

Intake flags a case whose rating got worse with ``needs_escalation`` and ``sla_next_check_at = now``;
the sweep notifies the escalation role (and assignee) of it once (dedupe key = the worsening time)
and clears the flag in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.utils import timezone

from cases.alerts import Alert, case_contexts, format_time, in_reader_language, notify, role_members
from cases.choices import OPEN_STATUSES
from cases.models import Case, SlaEvent
from cases.notifications.choices import NotificationKind, SlaEventKind, SlaTarget
from cases.sla.clocks import CLOCKS as SLA_CLOCKS
from reviewdesk.choices import Role

logger = logging.getLogger(__name__)

# target → (warn field, due field, done field or None), from the one table (cases.sla.clocks)
CLOCKS: dict[str, tuple[str, str, str | None]] = {c.target: (c.warn, c.due, c.done) for c in SLA_CLOCKS}
CLOCK_FIELDS = sorted({f for fields in CLOCKS.values() for f in fields if f})
BATCH_SIZE = 500


@dataclass
class SweepResult:
    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    deliveries: int = 0
    batches: int = 0
    handoffs_recovered: int = (
        0  # new cases whose routing and alert the sweep finished (ingest.handoff_recover)
    )
    duration_ms: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def running_clocks(case: Mapping) -> list[tuple[str, dt.datetime | None, dt.datetime]]:
    """(target, warn_at, due_at) of each clock still running on a case (a dict of its fields)."""
    clocks = []
    for target, (warn_field, due_field, done_field) in CLOCKS.items():
        due = case.get(due_field)
        if due is None or (done_field and case.get(done_field) is not None):
            continue
        clocks.append((target, case.get(warn_field), due))
    return clocks


def next_check_at(case: Mapping, *, after: dt.datetime) -> dt.datetime | None:
    """The next warn/due time strictly after ``after`` among the running clocks, or None.

    Intake may use it with ``after`` just before the case opened to set ``sla_next_check_at``.
    """
    times = [
        t for _target, warn, due in running_clocks(case) for t in (warn, due) if t is not None and t > after
    ]
    return min(times, default=None)


def due_events(case: Mapping, *, now: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    """(target, kind, due_at) events that are due at ``now``. A breach supersedes its warning."""
    events = []
    for target, warn, due in running_clocks(case):
        if due <= now:
            events.append((target, SlaEventKind.BREACH, due))
        elif warn is not None and warn <= now:
            events.append((target, SlaEventKind.WARNING, due))
    return events


def _insert_events(
    rows: list[tuple[int, str, str, dt.datetime]], *, now: dt.datetime
) -> list[tuple[int, str, str, dt.datetime]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the events this call actually recorded."""
    if not rows:
        return []
    table = connection.ops.quote_name(SlaEvent._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    adapt = connection.ops.adapt_datetimefield_value
    params: list = []
    for case_id, target, kind, due in rows:
        params += [case_id, target, kind, adapt(due), adapt(now)]
    sql = (
        f"INSERT INTO {table} (case_id, target, kind, due_at, created_at) VALUES {values} "
        f"ON CONFLICT (case_id, target, kind, due_at) DO NOTHING RETURNING case_id, target, kind, due_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {(case_id, target, kind) for case_id, target, kind, _due in cursor.fetchall()}
    # Read the due time back from what we sent (SQLite hands RETURNING datetimes back as text).
    return [row for row in rows if row[:3] in inserted]


def _save_checked(rows: list[tuple[int, dt.datetime | None, dt.datetime | None]]) -> None:
    """(case id, next check, breached at) for each swept case, flag cleared: one UPDATE … FROM unnest
    on PostgreSQL (Django's bulk_update builds a CASE per row and field, slow for 500 rows)."""
    if connection.vendor != "postgresql":
        updates = [
            Case(pk=pk, sla_next_check_at=nxt, sla_breached_at=breached, needs_escalation=False)
            for pk, nxt, breached in rows
        ]
        Case.objects.bulk_update(
            updates, ["sla_next_check_at", "sla_breached_at", "needs_escalation"], batch_size=BATCH_SIZE
        )
        return
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET sla_next_check_at = u.next_check, sla_breached_at = u.breached, needs_escalation = false "
            f"FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS u(id, next_check, breached) WHERE c.id = u.id",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )


def _sweep_batch(*, now: dt.datetime, result: SweepResult) -> int:
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=OPEN_STATUSES, sla_next_check_at__lte=now)
            .order_by("sla_next_check_at")
            .values(
                "pk",
                "shop_id",
                "assignee_id",
                "escalation_role",
                "sla_tier_id_ref",
                "sla_breached_at",
                "needs_escalation",
                "rating_worsened_at",
                "rating_worsened_from",
                "rating_worsened_to",
                *CLOCK_FIELDS,
            )[:BATCH_SIZE]
        )
        if not cases:
            return 0
        wanted = [(c["pk"], target, kind, due) for c in cases for target, kind, due in due_events(c, now=now)]
        inserted = _insert_events(wanted, now=now)

        by_pk = {c["pk"]: c for c in cases}
        first_breach: dict[int, dt.datetime] = {}
        for case_id, _target, kind, due in wanted:
            if kind == SlaEventKind.BREACH:
                first_breach[case_id] = min(due, first_breach.get(case_id, due))
        _save_checked(
            [
                (
                    case["pk"],
                    next_check_at(case, after=now),
                    case["sla_breached_at"] or first_breach.get(case["pk"]),
                )
                for case in cases
            ]
        )

        worsened = [c for c in cases if c["needs_escalation"]]
        alerts = _event_alerts(inserted, by_pk) + _worsened_alerts(worsened)
        notifications, deliveries = notify(alerts)
        result.checked += len(cases)
        result.warnings += sum(1 for e in inserted if e[2] == SlaEventKind.WARNING)
        result.breaches += sum(1 for e in inserted if e[2] == SlaEventKind.BREACH)
        result.notifications += notifications
        result.deliveries += deliveries
        result.escalations += len(worsened)
        result.batches += 1
        return len(cases)


def _worsened_alerts(cases: list[dict]) -> list[Alert]:
    if not cases:
        return []
    contexts = case_contexts({c["pk"] for c in cases})
    members = role_members((c["shop_id"], c["escalation_role"] or str(Role.SUPERVISOR)) for c in cases)
    alerts = []
    for case in cases:
        context = contexts[case["pk"]]
        users = set(members.get((case["shop_id"], case["escalation_role"] or str(Role.SUPERVISOR)), set()))
        if case["assignee_id"]:
            users.add(case["assignee_id"])
        when = case["rating_worsened_at"]
        alerts.append(
            Alert(
                kind=NotificationKind.RATING_WORSENED,
                shop_id=case["shop_id"],
                case_id=case["pk"],
                user_ids=users,
                context={
                    "case_id": case["pk"],
                    "case_path": context["case_path"],
                    "shop_name": context["shop_name"],
                    "rating_from": case["rating_worsened_from"],
                    "rating_to": case["rating_worsened_to"],
                    "assignee": context["assignee"],
                },
                dedupe_key=f"rating_worsened:{case['pk']}:{int(when.timestamp()) if when else 0}",
            )
        )
    return alerts


def _event_alerts(inserted: list[tuple[int, str, str, dt.datetime]], cases: dict[int, dict]) -> list[Alert]:
    if not inserted:
        return []
    contexts = case_contexts({case_id for case_id, *_rest in inserted})
    pairs = set()
    for case_id, _target, kind, _due in inserted:
        case = cases[case_id]
        if kind == SlaEventKind.BREACH:
            pairs.add((case["shop_id"], case["escalation_role"] or str(Role.SUPERVISOR)))
        elif case["assignee_id"] is None:
            pairs.add((case["shop_id"], str(Role.SUPERVISOR)))
    members = role_members(pairs)
    # The tier's English name (where the pack has one) for English readers: one query per batch.
    from cases.queries.rows import sla_tier_names_en

    names_en = sla_tier_names_en() if any(c.get("sla_tier_id_ref") for c in cases.values()) else {}
    alerts = []
    for case_id, target, kind, due in inserted:
        case, context = cases[case_id], contexts[case_id]
        if kind == SlaEventKind.BREACH:
            users = set(
                members.get((case["shop_id"], case["escalation_role"] or str(Role.SUPERVISOR)), set())
            )
            notification_kind = NotificationKind.SLA_BREACH
        else:
            users = (
                set()
                if case["assignee_id"]
                else set(members.get((case["shop_id"], str(Role.SUPERVISOR)), set()))
            )
            notification_kind = NotificationKind.SLA_WARNING
        if case["assignee_id"]:
            users.add(case["assignee_id"])
        message_context = {
            "case_id": case_id,
            "case_path": context["case_path"],
            "shop_name": context["shop_name"],
            "target": SlaTarget(target).label,  # lazy: rendered in each recipient's language
            "due_at": format_time(due),
            "assignee": context["assignee"],
            "tier_name": in_reader_language(context["tier_name"], names_en.get(case.get("sla_tier_id_ref"))),
        }
        alerts.append(
            Alert(
                kind=notification_kind,
                shop_id=case["shop_id"],
                case_id=case_id,
                user_ids=users,
                context=message_context,
                dedupe_key=f"{notification_kind}:{target}:{case_id}:{int(due.timestamp())}",
            )
        )
    return alerts


def sla_sweep(*, now: dt.datetime | None = None, max_batches: int = 100) -> SweepResult:
    """Process every case whose next SLA check is due (up to ``max_batches`` × 500 per run)."""
    from cases.imports.storing import handoff_recover

    started = time.perf_counter()
    now = now or timezone.now()
    result = SweepResult()
    try:  # a failure here must not keep the SLA clocks from being swept
        result.handoffs_recovered = handoff_recover(now=now)
    except Exception:
        logger.exception("SLA sweep: recovering lost new-case hand-offs failed")
    for _batch in range(max_batches):
        if _sweep_batch(now=now, result=result) < BATCH_SIZE:
            break
    result.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    return result
