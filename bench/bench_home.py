#!/usr/bin/env python
"""Home page benchmark on PostgreSQL: each role's home with 1,000,000 cases in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_home.py [--cases 1000000] [--reuse]

The data are bench_queue's (``bench_queue.generate``: ten shops, 15 agents each, two years of cases, the
open 1.5 % in the last three days, the measured agent with 120 open cases), in a scratch database of
its own (``hc_bench_home``), plus a manager and an HR user of the same two shops as bench_queue's
supervisor, some pending offers, ledger entries and satisfaction surveys of the measured agent, and a
daily rollup of a month so the manager's KPIs have something to compare. ``--reuse`` keeps an earlier
run's database (migrations are applied, nothing is generated again).

Then, through ``django.test.Client`` (the whole stack in process, DEBUG off) it measures ~200 requests of
each role's home and prints p50 / p95 and the number of queries next to the target of issue 22 (p95 ≤ 30
ms) and the floor (the bell view through the same stack), as bench_queue does.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_queue  # noqa: E402

BENCH_DB = "hc_bench_home"
TARGET_P95_MS = 30.0


def _extras(actors: dict) -> dict:
    """Manager and HR of the supervisor's shops; pending offers, ledger entries and surveys of the
    measured agent (what the agent's and HR's panels read)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cases.models import Case, CompensationOffer
    from incentives.services.ledger import entry_post
    from reviewdesk.models import ShopMembership, User
    from training.models import SatisfactionSurvey

    supervisor = actors["supervisor"]
    shops = [m.shop for m in ShopMembership.objects.filter(user=supervisor).select_related("shop")]
    people = {}
    for role in ("manager", "hr"):
        user = User.objects.filter(username=f"bench-{role}").first()
        if user is None:
            user = User.objects.create(
                username=f"bench-{role}", password=supervisor.password, display_name=role
            )
            user.groups.add(Group.objects.get(name=role))
            for shop in shops:
                ShopMembership.objects.create(shop=shop, user=user)
        people[role] = user
    agent = actors["agent"]
    now = timezone.now()
    if not CompensationOffer.objects.filter(requested_by=agent).exists():
        cases = list(Case.objects.filter(assignee=agent, status="offered").order_by("pk")[:10])
        CompensationOffer.objects.bulk_create(
            CompensationOffer(
                case=case,
                option_id=1,
                option_name="优惠券",
                option_kind="coupon",
                rule_ref={},
                requires_approval=True,
                amount=Decimal("5.00"),
                cost=Decimal("5.00"),
                status="pending_approval",
                approval_role="supervisor",
                requested_by=agent,
                requested_at=now,
                reason="bench",
            )
            for case in cases
        )
        resolved = list(Case.objects.filter(assignee=agent, resolved_at__isnull=False).order_by("-pk")[:20])
        SatisfactionSurvey.objects.bulk_create(
            SatisfactionSurvey(
                case=case,
                score=4 + n % 2,
                answered_at=now - dt.timedelta(hours=n),
                recorded_by=agent,
                recorded_at=now,
            )
            for n, case in enumerate(resolved)
        )
        for case in resolved[:12]:
            entry_post(
                user=agent,
                unit="cny",
                kind="award",
                amount=Decimal("8.00"),
                key=f"bench-home-{case.pk}",
                case_ref=case.pk,
                event="verified_conversion",
            )
    return people


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's scratch database")
    parser.add_argument("--generate-only", action="store_true", help="generate the data, measure nothing")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    bench_queue.BENCH_DB = BENCH_DB  # the generator's scratch database, under this bench's own name
    os.environ["DATABASE_URL"], reusing = bench_queue._scratch_database(base, reuse=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "0")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    actors = bench_queue.reused() if reusing else None
    if actors is not None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"reusing {BENCH_DB} (not generated again)")
    else:
        if reusing:
            sys.exit(f"{BENCH_DB} holds no finished run: run once without --reuse")
        call_command("seed_policies", verbosity=0)
        t = time.perf_counter()
        actors = bench_queue.generate(args.cases)
        print(f"generated {args.cases:,} reviews + cases in {time.perf_counter() - t:.1f}s")
    actors.update(_extras(actors))
    if args.generate_only:
        return 0

    clients = {}
    for role in ("agent", "supervisor", "manager", "hr"):
        clients[role] = Client()
        clients[role].force_login(actors[role])
    pages = [
        ("floor: the notification bell view", "agent", "/cases/notifications/bell/", None),
        ("agent home", "agent", "/", TARGET_P95_MS),
        ("supervisor home (2 shops)", "supervisor", "/", TARGET_P95_MS),
        ("manager home (2 shops)", "manager", "/", TARGET_P95_MS),
        ("hr home (2 shops)", "hr", "/", TARGET_P95_MS),
        ("manager: dashboard (30 days)", "manager", "/insights/", None),
    ]
    print()
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print()
    print(
        f"{'page':<36}{'p50 ms':>8}{'p95 ms':>8}{'−floor':>8}{'py cpu':>8}{'db cpu':>8}{'queries':>8}   target"
    )
    floor_p50 = None
    for label, role, url, target in pages:
        timings, queries, _rows, python_ms, db_ms = bench_queue.measure(clients[role], url, args.requests)
        p50, p95 = statistics.median(timings), bench_queue.pct(timings, 95)
        floor_p50 = p50 if floor_p50 is None else floor_p50
        verdict = "" if target is None else f"p95 ≤ {target:.0f} ms {'OK' if p95 <= target else 'MISSED'}"
        if target is not None and db_ms is not None:  # what the page costs on an idle core
            cpu = python_ms + db_ms
            verdict += f"; cpu {cpu:.1f} ms {'≤' if cpu <= target else '>'} {target:.0f}"
        db = f"{db_ms:>8.1f}" if db_ms is not None else f"{'?':>8}"
        print(
            f"{label:<36}{p50:>8.1f}{p95:>8.1f}{p50 - floor_p50:>8.1f}{python_ms:>8.1f}{db}{queries:>8}   {verdict}"
        )
    print()
    print(
        "p50/p95: wall time per request in process; −floor: p50 above the floor view's; py/db cpu: mean CPU"
    )
    print("per request of this process and of its PostgreSQL backend (/proc).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
