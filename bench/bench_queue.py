#!/usr/bin/env python
"""Queue benchmark on PostgreSQL: the agent workspace with 1,000,000 cases in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_queue.py [--cases 1000000] [--reuse]

Creates a scratch database ``reviewdesk_bench_queue`` (dropped and re-created), migrates it, seeds the
default policy pack, then generates the data in SQL (``INSERT … SELECT generate_series``), shaped like
two years of a ten-shop business:

* 1,000,000 reviews, one case each, opened over 730 days; 98.5 % resolved or closed long ago, the open
  1.5 % opened in the last three days (per shop: each of 15 agents has up to 30 open cases, the rest
  wait unassigned); the measured agent has 120 open cases, so every page is full;
* SLA due and warn times per clock as intake stores them, some breached, some near breach;
* follow-up tasks for the cases resolved in the last 30 days (done when past), a few due now;
* one case with a 200-event timeline.

``--reuse`` keeps the scratch database of an earlier run (its data is not generated again; new
migrations are applied and the tables analyzed): the generation takes minutes, a reused run only
the measuring.

Then, through ``django.test.Client`` (the whole Django stack, in process: URL routing, session,
middleware, view, template; DEBUG off and no test instrumentation of the templates, as production
runs), it measures ~200 requests of each page and reports p50 / p95 server
time and the number of queries, next to the targets of issue 4 (and a floor: the tiny bell view
through the same stack, to tell the machine's speed from the page's cost): the agent's queue page (50 rows)
p95 ≤ 60 ms and ≤ 10 queries whatever the page size; the case page with 200 events ≤ 15 queries.

On a shared machine the wall clock measures the queue for the CPU as much as the page: the run
prints the load average, each page's p50 above the floor's, and the mean CPU per request of this
process and of its PostgreSQL backend (read from /proc, so the server must run on this host) — the
page's own cost, which the wall clock approaches on an idle core.
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

import _db  # noqa: E402

BENCH_DB = "reviewdesk_bench_queue"
SHOPS = 10
AGENTS_PER_SHOP = 15
MEASURED_AGENT_OPEN = 120


def _scratch_database(base_url: str, *, reuse: bool) -> tuple[str, bool]:
    """The scratch database's URL, and whether it holds an earlier run's data (``reuse`` and it exists)."""
    return _db.reusable_database(base_url, BENCH_DB, reuse=reuse)


def reused() -> dict | None:
    """The actors of an earlier run's data, or None when it did not finish generating."""
    from django.db.models import Count

    from cases.models import Case, CaseEvent
    from reviewdesk.models import User

    agent = User.objects.filter(username="bench-0-a0").first()
    supervisor = User.objects.filter(username="bench-supervisor").first()
    long_ids = (
        CaseEvent.objects.values("case_id").annotate(n=Count("pk")).filter(n__gte=200).values("case_id")
    )
    long_case = Case.objects.filter(pk__in=long_ids).order_by("pk").first()
    if agent is None or supervisor is None or long_case is None:
        return None
    return {"agent": agent, "supervisor": supervisor, "long_case": long_case}


def _insert_select(model, count_sql: str, exprs: dict[str, str]) -> str:
    """``INSERT INTO <table> (every column) SELECT <expr per column> FROM <count_sql> AS g(i)``:
    given expressions where named, NULL for nullable columns, a neutral value for the others."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in exprs:
            continue  # the sequence numbers it
        columns.append(f'"{field.column}"')
        if field.attname in exprs:
            values.append(exprs[field.attname])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'[]'::jsonb" if field.default is list else "'{}'::jsonb")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, models.IntegerField | models.DecimalField):
            values.append("0" if field.default in (None, models.NOT_PROVIDED) else str(field.default))
        else:
            values.append("''")
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {count_sql} AS g(i)"


def generate(total: int) -> dict:
    """Shops, members, 1M reviews and cases, follow-ups, a long timeline. Returns the actors."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from cases.models import Case, CaseEvent, FollowUpTask, Review
    from policies.models import IssueType
    from reviewdesk.models import Shop, ShopMembership, User

    platforms = ["taobao", "tmall", "douyin", "jd", "pdd"]
    shops = [
        Shop.objects.create(code=f"bench-{n}", platform=platforms[n % 5], name=f"基准店铺{n}")
        for n in range(SHOPS)
    ]
    agent_group, supervisor_group = Group.objects.get(name="agent"), Group.objects.get(name="supervisor")
    password = make_password("bench")  # hashed once: 150 PBKDF2 rounds would cost minutes
    agents = User.objects.bulk_create(
        [
            User(username=f"{shop.code}-a{n}", password=password, display_name=f"{shop.code}客服{n}")
            for shop in shops
            for n in range(AGENTS_PER_SHOP)
        ]
    )
    ShopMembership.objects.bulk_create(
        [ShopMembership(shop=shops[k // AGENTS_PER_SHOP], user=agent) for k, agent in enumerate(agents)]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=a.pk, group_id=agent_group.pk) for a in agents]
    )
    supervisor = User.objects.create(username="bench-supervisor", password=password, display_name="主管")
    supervisor.groups.add(supervisor_group)
    for shop in shops[:2]:
        ShopMembership.objects.create(shop=shop, user=supervisor)
    measured = agents[0]
    measured.max_open_cases = 500
    measured.save(update_fields=["max_open_cases"])
    issue_ids = list(IssueType.objects.values_list("pk", flat=True)) or [None]
    agent_ids = "(ARRAY[" + ",".join(str(a.pk) for a in agents) + "])"  # shop n's agents at n*15+1 … n*15+15

    open_per_shop = max(total // SHOPS * 15 // 1000, MEASURED_AGENT_OPEN + 10)
    per_shop = total // SHOPS
    shop_ids = "(ARRAY[" + ",".join(str(s.pk) for s in shops) + "])"
    platform_of = "(ARRAY[" + ",".join(f"'{s.platform}'" for s in shops) + "])"
    issues = "(ARRAY[" + ",".join(str(i) for i in issue_ids) + "])"
    # i = 0 … total-1; shop = i % SHOPS; rank within the shop = i / SHOPS (0 = newest).
    shop = f"{shop_ids}[(i % {SHOPS}) + 1]"
    rank = f"(i / {SHOPS})"
    is_open = f"({rank} < {open_per_shop})"
    opened = (
        f"(CASE WHEN {is_open} THEN now() - ({rank} * interval '4 minutes') "
        f"ELSE now() - interval '3 days' - ({rank} * (interval '727 days' / {per_shop})) END)"
    )
    # Open cases: the measured agent's 120 in shop 0, then 30 per agent, the rest unassigned.
    agent_slot = f"({rank} - CASE WHEN i % {SHOPS} = 0 THEN {MEASURED_AGENT_OPEN} ELSE 0 END) / 30"

    def agent_of(k: str) -> str:  # the k-th agent (0-based) of the row's shop
        return f"{agent_ids}[(i % {SHOPS}) * {AGENTS_PER_SHOP} + 1 + {k}]"

    assignee = (
        f"CASE WHEN NOT {is_open} THEN {agent_of(f'(i % {AGENTS_PER_SHOP})')} "
        f"WHEN i % {SHOPS} = 0 AND {rank} < {MEASURED_AGENT_OPEN} THEN {agents[0].pk} "
        f"WHEN {agent_slot} < {AGENTS_PER_SHOP - 1} THEN {agent_of(f'(1 + {agent_slot})')} "
        f"ELSE NULL END"
    )
    # First response within 2–24 h of opening; warn at 80 %.
    span = "(interval '1 hour' * (2 + (i % 23)))"
    statuses = "(ARRAY['assigned','in_progress','waiting_buyer','verified','offered'])"
    status = (
        f"CASE WHEN NOT {is_open} THEN (CASE WHEN i % 7 = 0 THEN 'resolved' ELSE 'closed' END) "
        f"WHEN ({assignee}) IS NULL THEN 'new' ELSE {statuses}[({rank} % 5) + 1] END"
    )

    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            _insert_select(
                Review,
                f"generate_series(0, {total - 1})",
                {
                    "id": "i + 1",
                    "platform": f"{platform_of}[(i % {SHOPS}) + 1]",
                    "shop_id": shop,
                    "external_id": "'r' || i",
                    "order_no": "'O' || lpad(i::text, 12, '0')",
                    "sub_order_no": "'S' || i",
                    "item_id": "'60' || (i % 5000)",
                    "item_title": "'商品' || (i % 5000)",
                    "rating": "CASE WHEN i % 3 = 0 THEN 3 ELSE 1 END",
                    "rating_text": "'差评'",
                    "content": "'物流太慢，包装破损，客服回复也慢，第' || i || '单'",
                    "reviewed_at": opened,
                    "received_at": opened,
                    "buyer_nick": "'b**' || (i % 200000)",
                    "order_amount": "(10 + i % 500)::numeric",
                    "fingerprint": "md5(i::text)",
                    "source": "'api'",
                    "created_at": opened,
                    "updated_at": opened,
                },
            )
        )
        reviews_s = time.perf_counter() - t
        t = time.perf_counter()
        cursor.execute(
            _insert_select(
                Case,
                f"generate_series(0, {total - 1})",
                {
                    "id": "i + 1",
                    "review_id": "i + 1",
                    "shop_id": shop,
                    "platform": f"{platform_of}[(i % {SHOPS}) + 1]",
                    "status": status,
                    "issue_type_id": f"{issues}[(i % {len(issue_ids)}) + 1]",
                    "handling_role": "'agent'",
                    "escalation_role": "'supervisor'",
                    "sla_tier_name": "'标准(24小时)'",
                    "warn_at_percent": "80",
                    "customer_tier": "'ordinary'",
                    "opened_at": opened,
                    "updated_at": opened,
                    "first_response_due_at": f"{opened} + {span}",
                    "first_response_warn_at": f"{opened} + {span} * 0.8",
                    "first_responded_at": f"CASE WHEN {is_open} AND i % 5 = 0 THEN NULL ELSE {opened} + {span} * 0.5 END",
                    "resolution_due_at": f"{opened} + interval '3 days'",
                    "resolution_warn_at": f"{opened} + interval '58 hours'",
                    "resolved_at": f"CASE WHEN {is_open} THEN NULL ELSE {opened} + interval '1 day' END",
                    "assignee_id": assignee,
                    "assigned_at": f"CASE WHEN ({assignee}) IS NULL THEN NULL ELSE {opened} END",
                    "version": "3",
                    "contact_attempts": f"CASE WHEN {is_open} THEN 0 ELSE 1 END",
                },
            )
        )
        cases_s = time.perf_counter() - t
        # Follow-ups: three per case resolved in the last 30 days (done when past), a few open and due.
        recent = (
            "(SELECT id, shop_id, assignee_id, resolved_at FROM cases_case "
            "WHERE resolved_at > now() - interval '30 days') AS c"
        )
        cursor.execute(
            _insert_select(
                FollowUpTask,
                f"{recent} CROSS JOIN generate_series(0, 2)",
                {
                    "case_id": "c.id",
                    "shop_id": "c.shop_id",
                    "step_ref": "i + 1",
                    "name": "'回访' || (i + 1)",
                    "channel": "'private_message'",
                    "due_at": "c.resolved_at + (i + 1) * interval '7 days'",
                    "done_at": "CASE WHEN c.resolved_at + (i + 1) * interval '7 days' < now() AND c.id % 50 <> 0 "
                    "THEN c.resolved_at + (i + 1) * interval '7 days' END",
                    "done_by_id": "CASE WHEN c.resolved_at + (i + 1) * interval '7 days' < now() AND c.id % 50 <> 0 THEN c.assignee_id END",
                },
            )
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('cases_review', 'id'), {total})")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('cases_case', 'id'), {total})")
        cursor.execute("ANALYZE")
    long_case = (
        Case.objects.filter(assignee=measured, status__in=["in_progress", "waiting_buyer"])
        .order_by("pk")
        .first()
    )
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=long_case,
            actor=measured,
            action="record_contact",
            from_status="in_progress",
            to_status="waiting_buyer",
            version=n + 1,
            payload={"note": f"第{n}次联系"},
            at=now - dt.timedelta(minutes=400 - n),
        )
        for n in range(200)
    )
    return {
        "agent": measured,
        "supervisor": supervisor,
        "long_case": long_case,
        "reviews_s": reviews_s,
        "cases_s": cases_s,
    }


def measure(client, url: str, n: int) -> tuple[list[float], int, int, float, float | None]:
    """Wall times (ms) of ``n`` requests, the queries and rows of one more, and the mean CPU (ms) per
    request of this process and of its PostgreSQL backend — what a request costs on an idle core,
    whatever the other processes of a shared machine are doing to the wall clock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):  # warm: connection, template loaders, policy snapshot
        client.get(url)
    backend = _db.backend_pid()
    timings = []
    backend_start, python_start = _db.backend_cpu_s(backend), time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    python_ms = (time.process_time() - python_start) * 1000 / n
    backend_end = _db.backend_cpu_s(backend)
    db_ms = None if backend_start is None or backend_end is None else (backend_end - backend_start) * 1000 / n
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return timings, len(queries), rows_in(response.content.decode()), python_ms, db_ms


def rows_in(html: str) -> int:
    """The rows a page shows, read from its HTML (not from test instrumentation of the templates, which
    would copy every template's context inside the timed request): queue rows or timeline entries."""
    if '<ol class="timeline">' in html:
        return html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0].count("<li>")
    return html.count('class="urgency-')


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--reuse", action="store_true", help="keep an earlier run's scratch database and data"
    )
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"], reusing = _scratch_database(base, reuse=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Server time as production spends it: DEBUG off (no query log, no debug template engine), and no
    # test instrumentation of the templates (setup_test_environment copies each template's context).
    os.environ.setdefault("DEBUG", "0")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    actors = reused() if reusing else None
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
        actors = generate(args.cases)
        print(
            f"generated {args.cases:,} reviews + cases in {time.perf_counter() - t:.1f}s "
            f"(reviews {actors['reviews_s']:.1f}s, cases {actors['cases_s']:.1f}s)"
        )

    from cases.models import Case, FollowUpTask

    print(
        f"open cases: {Case.objects.filter(resolved_at__isnull=True).count():,}; "
        f"follow-up tasks: {FollowUpTask.objects.count():,}"
    )
    agent_client, supervisor_client = Client(), Client()
    agent_client.force_login(actors["agent"])
    supervisor_client.force_login(actors["supervisor"])
    some_order, some_sub_order, some_nick = (
        Case.objects.filter(shop__code="bench-1", resolved_at__isnull=True)
        .values_list("review__order_no", "review__sub_order_no", "review__buyer_nick")
        .first()
    )
    pages = [
        ("floor: the notification bell view", agent_client, "/cases/notifications/bell/", None, 10),
        ("agent: my queue, page 1 (50 rows)", agent_client, "/cases/queue/", 60.0, 10),
        ("agent: my queue, page 3", agent_client, "/cases/queue/?page=3", 60.0, 10),
        ("agent: shop's unassigned queue", agent_client, "/cases/queue/shop/", None, 10),
        ("supervisor: all open cases of 2 shops", supervisor_client, "/cases/queue/all/", None, 10),
        ("supervisor: breached", supervisor_client, "/cases/queue/breached/", None, 10),
        (
            "supervisor: search by order number",
            supervisor_client,
            f"/cases/queue/all/?q={some_order}",
            25.0,
            10,
        ),
        (
            "supervisor: search by sub-order",
            supervisor_client,
            f"/cases/queue/all/?q={some_sub_order}",
            25.0,
            10,
        ),
        ("supervisor: search by buyer nick", supervisor_client, f"/cases/queue/all/?q={some_nick}", 25.0, 10),
        ("agent: case page, 200-event timeline", agent_client, f"/cases/{actors['long_case'].pk}/", None, 15),
    ]
    print()
    print(
        f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
        f"(1 / 5 / 15 min): other processes stretch the wall clock, not the CPU columns"
    )
    print()
    print(
        f"{'page':<40}{'rows':>5}{'p50 ms':>8}{'p95 ms':>8}{'−floor':>8}{'py cpu':>8}{'db cpu':>8}{'queries':>8}   target"
    )
    floor_p50 = None
    for label, client, url, p95_target, query_target in pages:
        timings, queries, rows, python_ms, db_ms = measure(client, url, args.requests)
        p50, p95 = statistics.median(timings), pct(timings, 95)
        floor_p50 = p50 if floor_p50 is None else floor_p50  # the first page is the floor
        verdicts = [f"≤ {query_target} queries {'OK' if queries <= query_target else 'MISSED'}"]
        if p95_target is not None:
            verdicts.insert(0, f"p95 ≤ {p95_target:.0f} ms {'OK' if p95 <= p95_target else 'MISSED'}")
        db = f"{db_ms:>8.1f}" if db_ms is not None else f"{'?':>8}"
        print(
            f"{label:<40}{rows:>5}{p50:>8.1f}{p95:>8.1f}{p50 - floor_p50:>8.1f}{python_ms:>8.1f}{db}{queries:>8}"
            f"   {'; '.join(verdicts)}"
        )
    print()
    print(
        "p50/p95: wall time per request in process (django.test.Client: routing, session, middleware, view,"
    )
    print("template); −floor: p50 above the floor view's; py cpu / db cpu: mean CPU per request of this")
    print("process and of its PostgreSQL backend (/proc), i.e. the request's cost on an idle core.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
