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

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _alerts  # noqa: E402
import _db  # noqa: E402

BENCH_DB = "h4_bench_alert"


def main() -> int:
    args = _alerts.start(BENCH_DB, reviews=50, timeout=60.0)
    if args is None:
        return 2
    from cases.hooks import certification_checks
    from cases.models import Case, Notification
    from cases.notifications.choices import NotificationKind
    from reviewdesk.models import Shop
    from tests.factories import UserFactory

    shop = Shop.objects.create(code="bench-alert", platform="taobao", name="提醒基准店")
    UserFactory(role="agent", shops=[shop], username="bench-agent")
    supervisor = UserFactory(role="supervisor", shops=[shop], username="bench-supervisor")
    key = _alerts.api_key(supervisor, shop)
    certification_checks._items.clear()  # no training data in the scratch database

    def notified(case_id, _before) -> bool:
        return Notification.objects.filter(
            user=supervisor, case_id=case_id, kind=NotificationKind.NEW_CASE
        ).exists()

    items = [
        {
            "shop": shop.code,
            "order_no": f"LAT{n:06d}",
            "rating": "差评",
            "content": "快递太慢了，一个星期才到",
            "reviewed_at": "2026-11-20 13:05:00",
            "buyer_nick": f"t**{n}",
        }
        for n in range(1, args.reviews + 1)
    ]
    cluster = _db.start_qcluster(log=Path("/tmp/h4_bench_alert_qcluster.log"))
    try:
        time.sleep(4)  # let the cluster start its workers
        latencies, missed = _alerts.timed_posts(key, items, arrived=notified, timeout=args.timeout)
    finally:
        _db.stop(cluster)

    _alerts.print_latencies(
        "supervisor notification", "notified", latencies, posted=args.reviews, missed=missed, target=5
    )
    print(
        f"{'cases opened / assigned':<52}{Case.objects.count():>4} / {Case.objects.filter(assignee__isnull=False).count()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
