"""What the alert benches share (``bench_alert_latency.py``, ``bench_sms_alert.py``): Django on a scratch
PostgreSQL database with the test client allowed, the supervisor's API token, the timed loop (one review
posted at a time, polled every 20 ms until its alert has arrived) and the table of its latencies."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import _db


def start(name: str, *, reviews: int, timeout: float) -> argparse.Namespace | None:
    """The bench's arguments (``--reviews``, ``--timeout``: the defaults given), then Django on scratch
    database ``name`` of the run's PostgreSQL server, migrated and seeded, the test client's host
    ``testserver`` allowed (the alerts' robots and SMS provider are local HTTP servers). None, and why on
    stderr, when the run's database is not PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=reviews)
    parser.add_argument(
        "--timeout", type=float, default=timeout, help="give up on one review after this many seconds"
    )
    args = parser.parse_args()
    base = _db.postgres_base_url()
    if base is None:
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return None
    _db.django_on(_db.scratch_database(base, name), OUTBOUND_ALLOWED_HOSTS="127.0.0.1")
    from django.test.utils import setup_test_environment

    setup_test_environment()
    return args


def api_key(user, shop) -> str:
    """A new API token of ``user`` limited to ``shop``: its key."""
    from cases.models import ApiToken
    from cases.models.intake import hash_token_key

    key = ApiToken.new_key()
    token = ApiToken.objects.create(name="bench", user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set([shop])
    return key


def timed_posts(
    key: str,
    items: list[dict],
    *,
    arrived: Callable[[int, object], bool],
    timeout: float,
    mark: Callable[[], object] = lambda: None,
) -> tuple[list[float], int]:
    """POST each review of ``items`` alone to ``/api/v1/reviews/`` and poll until ``arrived(case_id,
    mark())`` (``mark`` is read just before the POST); the seconds each took, and how many did not arrive
    within ``timeout``."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    latencies: list[float] = []
    missed = 0
    for item in items:
        before = mark()
        started = time.perf_counter()
        response = client.post("/api/v1/reviews/", item, content_type="application/json")
        assert response.status_code == 200, response.content
        case_id = response.json()["results"][0]["case_id"]
        assert case_id, response.json()
        while True:
            if arrived(case_id, before):
                latencies.append(time.perf_counter() - started)
                break
            if time.perf_counter() - started > timeout:
                missed += 1
                break
            time.sleep(0.02)
        time.sleep(0.1)
    return latencies, missed


def print_latencies(
    what: str, counted: str, latencies: list[float], *, posted: int, missed: int, target: float
):
    """The table's head and its latency rows: ``what`` is the alert (the rows' label), ``counted`` the
    word for an arrived one; the verdict is OK when p95 ≤ ``target`` seconds and none was missed."""
    ordered = sorted(latencies)
    print()
    print(f"{'measure':<52}{'figure':>10}   target / reference")
    print(f"{f'reviews posted / {counted} / missed':<52}{posted:>4} / {len(ordered)} / {missed}")
    if ordered:
        p95 = _db.percentile(ordered, 0.95)
        verdict = "OK" if p95 <= target and not missed else "MISSED"
        print(f"{f'API POST → {what}, p50':<52}{statistics.median(ordered):>8.2f} s")
        print(f"{f'API POST → {what}, p95':<52}{p95:>8.2f} s   ≤ {target:g} s {verdict}")
        print(f"{f'API POST → {what}, max':<52}{ordered[-1]:>8.2f} s")
