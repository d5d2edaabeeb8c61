#!/usr/bin/env python
"""Work-order sweep benchmark on PostgreSQL: 100,000 open work orders, nothing due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_workorders.py [--open 100000]

Makes a scratch database ``pgf_bench_workorders`` (dropped and re-created), migrates it, seeds the pack and
fills it server-side (INSERT … SELECT generate_series): 10,000 cases of one shop, ``--open`` open work
orders spread over them with their next check 1 to 17 hours ahead, and as many answered ones (no next
check: the partial index ``workorder_sweep_due`` must leave them out). Then it measures
``workorders_sweep`` with nothing due (median and max of 21 runs; target ≤ 5 ms) beside a floor measured
the same way (``SELECT 1`` in a transaction through the same connection), counts its queries, and prints
the plan of its probe; finally 100 orders made due: the time grows with what is due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import django_on, postgres_base_url, scratch_database  # noqa: E402
from bench.bench_sla_sweep import insert_series  # noqa: E402

BENCH_DB = "pgf_bench_workorders"
TARGET_MS = 5.0


def timed(func, runs: int) -> list[float]:
    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        figures.append((time.perf_counter() - started) * 1000)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000, help="open work orders")
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    base = postgres_base_url()
    if base is None:
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    django_on(scratch_database(base, BENCH_DB))

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.models import Case, Review
    from reviewdesk.models import Shop
    from tests.factories import UserFactory
    from workorders.models import RequestType, WorkOrder
    from workorders.sweep import workorders_sweep

    shop = Shop.objects.create(code="bench-wo", platform="taobao", name="工单基准店")
    agent = UserFactory(role="agent", shops=[shop], username="bench-agent")
    kind = RequestType.objects.select_related("department").get(
        department__shop=None, department__code="warehouse", code="verify_stock"
    )
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        insert_series(
            Review,
            args.cases,
            {
                "platform": "'taobao'",
                "shop_id": str(shop.pk),
                "external_id": "'w' || g",
                "fingerprint": "md5(g::text)",
                "rating": "1",
                "rating_text": "'差评'",
                "content": "'发错货了'",
                "buyer_nick": "'买家' || g",
                "reviewed_at": "now()",
                "received_at": "now()",
                "created_at": "now()",
                "updated_at": "now()",
                "source": "'file'",
            },
        )
        first_review = Review.objects.order_by("pk").values_list("pk", flat=True).first()
        insert_series(
            Case,
            args.cases,
            {
                "review_id": f"{first_review} + g - 1",
                "shop_id": str(shop.pk),
                "platform": "'taobao'",
                "status": "'in_progress'",
                "assignee_id": str(agent.pk),
                "handling_role": "'agent'",
                "escalation_role": "'supervisor'",
                "sla_tier_name": "'其他'",
                "opened_at": "now()",
                "updated_at": "now()",
            },
        )
        first_case = Case.objects.order_by("pk").values_list("pk", flat=True).first()
        common = {
            "case_id": f"{first_case} + mod(g, {args.cases})",
            "department_id": str(kind.department_id),
            "request_type_id": str(kind.pk),
            "question": "'请核实库存'",
            "source": "'manual'",
            "raised_by_id": str(agent.pk),
            "raised_at": "now()",
            "warn_at": "now() + interval '1 hour' + mod(g, 1000) * interval '1 minute'",
            "due_at": "now() + interval '2 hours' + mod(g, 1000) * interval '1 minute'",
            "supervisor_at": "now() + interval '4 hours' + mod(g, 1000) * interval '1 minute'",
        }
        insert_series(
            WorkOrder,
            args.open,
            {
                **common,
                "status": "'open'",
                "next_check_at": "now() + interval '1 hour' + mod(g, 1000) * interval '1 minute'",
            },
        )
        insert_series(
            WorkOrder,
            args.open,
            {
                **common,
                "status": "'answered'",
                "answer": "'有货'",
                "answered_at": "now()",
                "answered_by_id": str(agent.pk),
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workorders_workorder; ANALYZE cases_case;")
    open_count = WorkOrder.objects.filter(status="open").count()
    print(
        f"filled {WorkOrder.objects.count():,} work orders ({open_count:,} open) in {time.perf_counter() - started:.1f}s"
    )

    def floor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    workorders_sweep(now=now)  # warm the connection and caches
    idle = timed(lambda: workorders_sweep(now=now), 21)
    floor_ms = timed(floor, 21)
    with CaptureQueriesContext(connection) as queries:
        result = workorders_sweep(now=now)
    assert result.warned == result.to_lead == result.to_supervisor == 0
    probe = WorkOrder.objects.filter(next_check_at__lte=now).values("pk")[:1]
    plan = probe.explain(analyze=True, buffers=True).splitlines()

    ids = list(WorkOrder.objects.filter(status="open").order_by("pk").values_list("pk", flat=True)[:100])
    WorkOrder.objects.filter(pk__in=ids).update(next_check_at=now - dt.timedelta(minutes=1))
    due_ms = timed(lambda: workorders_sweep(now=now), 1)[0]
    assert WorkOrder.objects.filter(pk__in=ids, escalation=1).count() == 100

    print()
    print(f"{'measure':<50}{'figure':>12}   target / reference")
    print(
        f"{'sweep, nothing due (median of 21)':<50}{statistics.median(idle):>9.2f} ms   ≤ {TARGET_MS:.0f} ms (issue #20)"
    )
    print(f"{'sweep, nothing due (max of 21)':<50}{max(idle):>9.2f} ms")
    print(
        f"{'floor: SELECT 1 in a transaction (median)':<50}{statistics.median(floor_ms):>9.2f} ms   same stack"
    )
    print(f"{'queries per sweep with nothing due':<50}{len(queries):>12}")
    for query in queries.captured_queries:
        print("   ", query["sql"][:140])
    print(f"{'sweep, 100 orders warned':<50}{due_ms:>9.2f} ms   grows with what is due")
    verdict = "met" if statistics.median(idle) <= TARGET_MS else "MISSED"
    print(f"\ntarget {verdict}; plan of the sweep's probe (nothing due):")
    for line in plan:
        print("   ", line)
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
