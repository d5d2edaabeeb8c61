#!/usr/bin/env python
"""SLA attainment benchmark on PostgreSQL: 1,000,000 cases over 12 months, one client's month.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_attainment.py

Re-uses the insights benchmark's generator (bench/bench_insights.py: 20 shops on five platforms, 40
agents, every field derived deterministically) with enough reviews for about 1,000,000 cases (30 % of
the reviews are rated ≤ 3 and get a case), in its own scratch database ``reviewdesk_bench_attainment``.
A client's manager is a member of 5 of the 20 shops (a client's shops), so "all my shops" is one
client. Measured through Django's test client (everything but the network): the attainment page
grouped by agent for that client's last complete calendar month — median and p95 of 21 after a warm-up,
the CPU the request cost (this process + its PostgreSQL backend) and the number of queries, for 40 and
for 200 agents (the query count must not grow with them).

Target (issue 18): ≤ 300 ms p95 for one client's month; query count constant in the number of agents.
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
import bench_insights as insights_bench  # noqa: E402 - the generator and its helpers

BENCH_DB = "reviewdesk_bench_attainment"
CLIENT_SHOPS = 5
TARGET_MS = 300


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="measure again on the previous run's data")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    insights_bench.BENCH_DB = BENCH_DB
    os.environ["DATABASE_URL"] = (
        base.rsplit("/", 1)[0] + "/" + BENCH_DB if args.reuse else _db.scratch_database(base, BENCH_DB)
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cases.models import Case
    from insights.periods import local_today
    from reviewdesk.models import Shop, ShopMembership, User

    if not args.reuse:
        print("setup")
        insights_bench._timed(
            "migrate + seed_policies",
            lambda: (call_command("migrate", verbosity=0), call_command("seed_policies", verbosity=0)),
        )
        insights_bench.generate(round(args.cases / 0.3))
    call_command("migrate", verbosity=0)
    print(f"  load average at the start: {insights_bench._load()}")
    print(f"  cases {Case.objects.count():,}")

    shops = list(Shop.objects.order_by("pk")[:CLIENT_SHOPS])
    viewer, created = User.objects.get_or_create(
        username="bench-client-manager", defaults={"employee_code": "BCM01", "is_staff": True}
    )
    if created:
        viewer.groups.add(Group.objects.get(name="manager"))
        for shop in shops:
            ShopMembership.objects.create(shop=shop, user=viewer)
    first = local_today().replace(day=1)
    end = first - dt.timedelta(days=1)
    start = end.replace(day=1)
    month_cases = Case.objects.filter(
        shop__in=shops, opened_at__date__gte=start, opened_at__date__lte=end
    ).count()
    print(f"  one client ({CLIENT_SHOPS} shops), {start:%Y-%m}: {month_cases:,} cases")
    client = Client()
    client.force_login(viewer)
    url = f"/insights/attainment/?by=agent&start={start}&end={end}"
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]

    def once() -> tuple[float, float]:
        cpu, db_cpu = time.process_time(), insights_bench._backend_cpu(backend)
        t = time.perf_counter()
        response = client.get(url)
        wall = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, response.status_code
        return wall, (time.process_time() - cpu) * 1000 + (insights_bench._backend_cpu(backend) - db_cpu)

    def measure(label: str) -> int:
        once()
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
        ):
            once()
        runs = [once() for _ in range(args.runs)]
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        p95 = insights_bench._p95(walls)
        print(
            f"  {label}: median {statistics.median(walls):.0f} ms, p95 {p95:.0f} ms (target ≤ {TARGET_MS} ms: "
            f"{p95 / TARGET_MS:.2f}× of it), CPU median {statistics.median(cpus):.0f} ms, "
            f"{len(queries)} queries"
        )
        return len(queries)

    print("attainment page, by agent")
    few = measure("40 agents")
    agents = list(User.objects.filter(username__startswith="bench-agent-").order_by("pk"))
    extra = [
        User.objects.get_or_create(username=f"bench-extra-{n}", defaults={"employee_code": f"BX{n:03d}"})[0]
        for n in range(160)
    ]
    everyone = [a.pk for a in agents + extra]
    with connection.cursor() as cur:  # spread the client's cases over 200 agents
        cur.execute(
            "UPDATE cases_case SET assignee_id = (%s::bigint[])[1 + id %% %s] WHERE shop_id = ANY(%s)",
            [everyone, len(everyone), [s.pk for s in shops]],
        )
        cur.execute("ANALYZE cases_case")
    many = measure("200 agents")
    print(f"  queries: {few} with 40 agents, {many} with 200 ({'constant' if few == many else 'GROWS'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
