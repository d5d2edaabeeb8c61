#!/usr/bin/env python
"""Alert latency on PostgreSQL: a review POSTed to the API → the supervisor's notification stored,
through a real ``manage.py qcluster`` (django-q2, the project's configured broker).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_alert_latency.py [--reviews 50]

Creates a scratch database ``h4_bench_alert``, migrates it, seeds the policy pack, a shop with an
agent and a supervisor and an API token; starts ``manage.py qcluster`` as a subprocess against that
database; then posts one negative review at a time with Django's test client (``POST
/api/v1/reviews/`` with the token, same database) and polls every 20 ms until the supervisor's
``new_case`` Notification row exists. Prints p50 / p95 / max (target: p95 ≤ 5 s).
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

BENCH_DB = "h4_bench_alert"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=50)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="give up on one review after this many seconds"
    )
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = _db.scratch_database(base, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["Q_SYNC"] = "0"
    os.environ.setdefault("OUTBOUND_ALLOWED_HOSTS", "127.0.0.1")  # its robot is a local HTTP server

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    call_command("seed_policies", verbosity=0)
    setup_test_environment()  # the test client's host "testserver" is allowed

    from cases.hooks import certification_checks
    from cases.models import ApiToken, Case, Notification
    from cases.models.intake import hash_token_key
    from cases.notifications.choices import NotificationKind
    from reviewdesk.models import Shop
    from tests.factories import UserFactory

    shop = Shop.objects.create(code="bench-alert", platform="taobao", name="提醒基准店")
    UserFactory(role="agent", shops=[shop], username="bench-agent")
    supervisor = UserFactory(role="supervisor", shops=[shop], username="bench-supervisor")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        name="bench", user=supervisor, prefix=key[:8], key_hash=hash_token_key(key)
    )
    token.shops.set([shop])
    certification_checks._items.clear()  # no training data in the scratch database

    cluster = _db.start_qcluster(log=Path("/tmp/h4_bench_alert_qcluster.log"))
    latencies: list[float] = []
    missed = 0
    try:
        time.sleep(4)  # let the cluster start its workers
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        for n in range(1, args.reviews + 1):
            item = {
                "shop": shop.code,
                "order_no": f"LAT{n:06d}",
                "rating": "差评",
                "content": "快递太慢了，一个星期才到",
                "reviewed_at": "2026-11-20 13:05:00",
                "buyer_nick": f"t**{n}",
            }
            started = time.perf_counter()
            response = client.post("/api/v1/reviews/", item, content_type="application/json")
            assert response.status_code == 200, response.content
            case_id = response.json()["results"][0]["case_id"]
            assert case_id, response.json()
            while True:
                if Notification.objects.filter(
                    user=supervisor, case_id=case_id, kind=NotificationKind.NEW_CASE
                ).exists():
                    latencies.append(time.perf_counter() - started)
                    break
                if time.perf_counter() - started > args.timeout:
                    missed += 1
                    break
                time.sleep(0.02)
            time.sleep(0.1)
    finally:
        _db.stop(cluster)

    ordered = sorted(latencies)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("inf")
    print()
    print(f"{'measure':<52}{'figure':>10}   target / reference")
    print(f"{'reviews posted / notified / missed':<52}{args.reviews:>4} / {len(latencies)} / {missed}")
    if ordered:
        print(f"{'API POST → supervisor notification, p50':<52}{statistics.median(ordered):>8.2f} s")
        print(
            f"{'API POST → supervisor notification, p95':<52}{p95:>8.2f} s   ≤ 5 s {'OK' if p95 <= 5 and not missed else 'MISSED'}"
        )
        print(f"{'API POST → supervisor notification, max':<52}{ordered[-1]:>8.2f} s")
    print(
        f"{'cases opened / assigned':<52}{Case.objects.count():>4} / {Case.objects.filter(assignee__isnull=False).count()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
