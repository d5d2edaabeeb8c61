#!/usr/bin/env python
"""Late-parcel sweep benchmark on PostgreSQL: 1,000,000 orders, 50,000 of them on their way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_late_sweep.py

Creates a scratch database ``hg_bench_late`` (dropped and re-created), migrates it, seeds the policy pack
and fills it server-side (INSERT … SELECT generate_series) over 20 shops: 50,000 orders watched (40,000
in transit, 10,000 awaiting shipment; about 5 % of them late by the seeded rules) and the rest delivered.
Then it measures ``prevention.sweep.late_sweep``:

* the first sweep (it opens the late orders' tasks) and the steady sweep (every late order already has
  its open task: nothing to write), median of several runs (target ≤ 1 s);
* the same after adding another 1,000,000 delivered orders: the figures must not move, because the
  sweep reads the watched orders through the partial index ``prevention_order_watched`` (its EXPLAIN is
  printed) and never a delivered one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _db  # noqa: E402

BENCH_DB = "hg_bench_late"
SHOPS = 20


def fill(Order, shops, count: int, *, watched: int, offset: int) -> None:
    from bench_sla_sweep import insert_series

    shop_ids = [s.pk for s in shops]
    shop_expr = f"(ARRAY{shop_ids})[1 + mod(g, {len(shop_ids)})]"
    # g ≤ watched: on their way (one in five awaiting shipment); the others delivered long ago.
    watched_if = f"g <= {watched}"
    insert_series(
        Order,
        count,
        {
            "shop_id": shop_expr,
            "platform": "'taobao'",
            "order_no": f"'B' || (g + {offset})",
            "buyer_nick": "'买家' || mod(g, 50000)",
            "paid_at": "now() - interval '3 days'",
            # late: one watched order in twenty is past its promise or silent for two days
            "ship_by": "now() + CASE WHEN mod(g, 20) = 0 THEN interval '-2 hours' ELSE interval '20 hours' END",
            "shipped_at": f"CASE WHEN {watched_if} AND mod(g, 5) = 0 THEN NULL ELSE now() - interval '2 days' END",
            "courier": "CASE WHEN mod(g, 3) = 0 THEN '顺丰速运' ELSE '中通快递' END",
            "tracking_no": "'T' || g",
            "status": f"CASE WHEN {watched_if} THEN (CASE WHEN mod(g, 5) = 0 THEN 'awaiting_shipment' "
            "ELSE 'in_transit' END) ELSE 'delivered' END",
            "after_sale": "''",
            "delivered_at": f"CASE WHEN {watched_if} THEN NULL ELSE now() - interval '10 days' END",
            "last_movement_at": "now() - CASE WHEN mod(g, 20) = 1 THEN interval '60 hours' ELSE interval '2 hours' END",
            "station": "'杭州转运中心'",
            "station_since": "now() - interval '3 hours'",
            "source": "'file'",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )


def timed(now):
    from prevention.sweep import late_sweep

    started = time.perf_counter()
    result = late_sweep(now=now)
    return (time.perf_counter() - started) * 1000, result


def measure(label: str, now, *, runs: int):
    from prevention.models import PreventionTask

    PreventionTask.objects.all().delete()
    first_ms, first = timed(now)
    steady = [timed(now) for _ in range(runs)]
    assert all(r.opened == 0 for _ms, r in steady)
    steady_ms = [ms for ms, _r in steady]
    return {
        "label": label,
        "first_ms": first_ms,
        "opened": first.opened,
        "watched": first.watched,
        "late": first.late,
        "steady_ms": statistics.median(steady_ms),
        "steady_max": max(steady_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--watched", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
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
    call_command("seed_policies", verbosity=0)
    from prevention.choices import WATCHED_STATUSES
    from prevention.models import Order
    from reviewdesk.models import Shop

    shops = [
        Shop.objects.create(code=f"bench-late-{n}", platform="taobao", name=f"延迟基准店{n}")
        for n in range(SHOPS)
    ]
    t = time.perf_counter()
    with transaction.atomic():
        fill(Order, shops, args.orders, watched=args.watched, offset=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prevention_order")
    print(
        f"filled {Order.objects.count():,} orders ({args.watched:,} watched) in {time.perf_counter() - t:.1f}s"
    )
    now = timezone.now()
    timed(now)  # warm the connection, the policy cache and the imports
    results = [measure(f"{args.orders:,} orders", now, runs=args.runs)]

    query = Order.objects.filter(status__in=WATCHED_STATUSES).values_list(
        "pk", "shop_id", "status", "ship_by"
    )
    with connection.cursor() as cursor:
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]

    t = time.perf_counter()
    with transaction.atomic():
        fill(Order, shops, args.orders, watched=0, offset=args.orders)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prevention_order")
    total = Order.objects.count()
    print(f"added {args.orders:,} delivered orders ({total:,} in all) in {time.perf_counter() - t:.1f}s")
    results.append(measure(f"{total:,} orders", now, runs=args.runs))

    print()
    print(
        f"{'table':<20}{'watched':>9}{'late':>8}{'opened':>8}{'first sweep':>14}{'steady (median)':>18}{'max':>10}"
    )
    for r in results:
        print(
            f"{r['label']:<20}{r['watched']:>9,}{r['late']:>8,}{r['opened']:>8,}{r['first_ms']:>11.0f} ms"
            f"{r['steady_ms']:>15.0f} ms{r['steady_max']:>7.0f} ms"
        )
    worst = max(max(r["first_ms"], r["steady_max"]) for r in results)
    print(f"\ntarget: every sweep ≤ 1000 ms: {'OK' if worst <= 1000 else 'MISSED'} (worst {worst:.0f} ms)")
    ratio = results[1]["steady_ms"] / results[0]["steady_ms"]
    print(f"steady sweep with twice the delivered orders: ×{ratio:.2f} (constant: ~×1)")
    print("\nEXPLAIN of the sweep's read:")
    print("\n".join("  " + line for line in plan))
    return 0 if worst <= 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
