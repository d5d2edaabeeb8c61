#!/usr/bin/env python
"""SLA sweep benchmark on PostgreSQL: 1,000,000 cases, 100,000 of them open.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_sla_sweep.py [--cases 1000000]

Creates a scratch database ``h4_bench_sla`` (dropped and re-created), migrates it, and fills it
server-side (INSERT … SELECT generate_series) with one review per case: 10 % of the cases open, each
with its next SLA check in the future; the closed 90 % keep stale check times in the past (the
partial index must ignore them). Then it measures ``sla_sweep``:

* nothing due: median and max of several runs (target ≤ 250 ms), with EXPLAIN ANALYZE of the
  sweep's due-case query (it must use the partial index ``case_sla_next_check_open``);
* 0 / 100 / 1,000 due (warnings for the assignee): the time grows with what is due, not with the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _db  # noqa: E402

BENCH_DB = "h4_bench_sla"


def insert_series(model, count: int, expressions: dict[str, str]) -> None:
    """INSERT … SELECT over generate_series(1, count) AS g: ``expressions`` give SQL per column
    (attname); every other NOT NULL column gets its Python default as a parameter."""
    from django.db import connection
    from django.db.models import JSONField
    from psycopg.types.json import Jsonb

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in expressions:
            values.append(expressions[field.attname])
        elif field.null:
            values.append("NULL")
        else:
            default = field.get_default()
            values.append("%s")
            params.append(Jsonb(default) if isinstance(field, JSONField) else default)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count])


def timed_sweep(now):
    from cases.sla.sweep import sla_sweep

    started = time.perf_counter()
    result = sla_sweep(now=now)
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=int, default=10, help="one case in N is open")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = _db.scratch_database(base, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from cases.choices import OPEN_STATUSES
    from cases.models import Case, Notification, Review, SlaEvent
    from cases.sla.sweep import CLOCK_FIELDS
    from reviewdesk.models import Shop
    from tests.factories import UserFactory

    shop = Shop.objects.create(code="bench-sla", platform="taobao", name="时效基准店")
    agent = UserFactory(role="agent", shops=[shop], username="bench-agent")
    UserFactory(role="supervisor", shops=[shop], username="bench-supervisor")
    now = timezone.now()

    t = time.perf_counter()
    with transaction.atomic():
        insert_series(
            Review,
            args.cases,
            {
                "platform": "'taobao'",
                "shop_id": str(shop.pk),
                "external_id": "'b' || g",
                "fingerprint": "md5(g::text)",
                "rating": "1 + mod(g, 3)",
                "rating_text": "'差评'",
                "content": "'物流太慢，质量一般'",
                "buyer_nick": "'买家' || mod(g, 5000)",
                "reviewed_at": "now() - g * interval '30 seconds'",
                "received_at": "now() - g * interval '30 seconds'",
                "created_at": "now()",
                "updated_at": "now()",
                "source": "'file'",
            },
        )
        first_review = Review.objects.order_by("pk").values_list("pk", flat=True).first()
        open_if = f"mod(g, {args.open_share}) = 0"
        insert_series(
            Case,
            args.cases,
            {
                "review_id": f"{first_review} + g - 1",
                "shop_id": str(shop.pk),
                "platform": "'taobao'",
                "status": f"CASE WHEN {open_if} THEN 'assigned' ELSE 'closed' END",
                "assignee_id": f"CASE WHEN {open_if} THEN {agent.pk} END",
                "handling_role": "'agent'",
                "escalation_role": "'supervisor'",
                "sla_tier_name": "'其他(24小时)'",
                "opened_at": "now() - g * interval '30 seconds'",
                "updated_at": "now()",
                # open: every clock in the future (1 h … 17 h ahead); closed: stale times in the past.
                "first_response_warn_at": f"CASE WHEN {open_if} THEN now() + interval '1 hour' + mod(g, 1000) * interval '1 minute' "
                "ELSE now() - interval '2 days' END",
                "first_response_due_at": f"CASE WHEN {open_if} THEN now() + interval '2 hours' + mod(g, 1000) * interval '1 minute' "
                "ELSE now() - interval '1 day' END",
                "sla_next_check_at": f"CASE WHEN {open_if} THEN now() + interval '1 hour' + mod(g, 1000) * interval '1 minute' "
                "ELSE now() - interval '2 days' END",
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_review; ANALYZE cases_case;")
    fill_s = time.perf_counter() - t
    open_count = Case.objects.filter(status__in=OPEN_STATUSES).count()
    print(f"filled {Case.objects.count():,} cases ({open_count:,} open) in {fill_s:.1f}s")

    from django.urls import reverse

    reverse("cases:notifications")  # a running cluster has its URLconf loaded: do not time the first import
    # --- nothing due ----------------------------------------------------------------------------
    timed_sweep(now)  # warm the connection and caches
    idle = [timed_sweep(now) for _ in range(7)]
    idle_ms = [ms for ms, _r in idle]
    assert all(r.checked == 0 for _ms, r in idle)

    due_query = (
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=OPEN_STATUSES, sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .values("pk", "shop_id", "assignee_id", *CLOCK_FIELDS)[:500]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = due_query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]

    # --- 0 / 100 / 1000 due -----------------------------------------------------------------------
    rows = [("0", *timed_sweep(now))]
    for due in (100, 1000):
        ids = list(
            Case.objects.filter(status__in=OPEN_STATUSES, first_response_warn_at__gt=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:due]
        )
        Case.objects.filter(pk__in=ids).update(
            first_response_warn_at=now - dt.timedelta(minutes=1),
            sla_next_check_at=now - dt.timedelta(minutes=1),
        )
        rows.append((str(due), *timed_sweep(now)))
        after_ms, after = timed_sweep(now)
        assert after.checked == 0
    print()
    print(f"{'measure':<52}{'figure':>12}   target / reference")
    print(
        f"{'sweep, nothing due (median of 7)':<52}{statistics.median(idle_ms):>9.1f} ms   ≤ 250 ms "
        f"{'OK' if max(idle_ms) <= 250 else 'MISSED'} (max {max(idle_ms):.1f} ms)"
    )
    for label, ms, result in rows:
        print(
            f"{'sweep, ' + label + ' due':<52}{ms:>9.1f} ms   checked={result.checked} warnings={result.warnings} "
            f"notifications={result.notifications} batches={result.batches}"
        )
    per_case = [(ms - rows[0][1]) / int(label) for label, ms, _r in rows[1:]]
    print(f"{'marginal cost per due case (100 / 1000)':<52}{per_case[0]:>9.2f} / {per_case[1]:.2f} ms")
    print(
        f"{'notifications / SLA events stored':<52}{Notification.objects.count():>12} / {SlaEvent.objects.count()}"
    )
    print()
    print("EXPLAIN ANALYZE of the due-case query (nothing due):")
    for line in plan:
        print("   ", line)
    uses_index = any("case_sla_next_check_open" in line for line in plan)
    print(f"uses the partial index case_sla_next_check_open: {'yes' if uses_index else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
