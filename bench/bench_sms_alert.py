#!/usr/bin/env python
"""Supervisor SMS latency on PostgreSQL: a keyword review POSTed to the API → the supervisor's alert SMS
accepted by the (local) SMS provider, through a real ``manage.py qcluster`` (django-q2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_sms_alert.py [--reviews 30]

Creates a scratch database ``ha_bench_sms``, migrates it, seeds the policy pack; a shop with an agent and
a supervisor (alert number set), an SMS notification channel, an Alibaba Cloud SMS account pointing at the
local provider (tests/outreach/fake_providers.py: a real HTTP server on 127.0.0.1 that verifies each
request's signature) and an alert template; starts ``manage.py qcluster`` against that database; then
posts one keyword review at a time and polls every 20 ms until the provider has accepted the SMS to the
supervisor's number. The path measured: intake → alert task → delivery task → SMS dispatch task → provider.
Prints p50 / p95 / max beside the floor (p95 ≤ 60 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _alerts  # noqa: E402
import _db  # noqa: E402

BENCH_DB = "ha_bench_sms"
SUPERVISOR_PHONE = "13900009999"


def main() -> int:
    args = _alerts.start(BENCH_DB, reviews=30, timeout=90.0)
    if args is None:
        return 2
    from cases.hooks import certification_checks
    from cases.models import Case, NotificationChannel
    from cases.notifications.choices import ChannelKind
    from outreach.models import SmsAccount, SmsMessage, SmsTemplate, SupervisorPhone
    from reviewdesk.models import Shop
    from tests.factories import UserFactory
    from tests.outreach.fake_providers import AliyunGateway

    gateway = AliyunGateway()
    gateway.__enter__()
    shop = Shop.objects.create(code="bench-sms", platform="taobao", name="短信基准店")
    UserFactory(role="agent", shops=[shop], username="bench-agent")
    supervisor = UserFactory(role="supervisor", shops=[shop], username="bench-supervisor")
    SupervisorPhone.objects.create(user=supervisor, phone=SUPERVISOR_PHONE, phone_masked="139****9999")
    NotificationChannel.objects.create(shop=shop, kind=ChannelKind.SMS, name="主管短信", on_new_case=True)
    SmsAccount.objects.create(
        name="bench",
        provider="aliyun",
        shop=shop,
        endpoint=gateway.base_url + "/",
        access_key_id=gateway.key_id,
        access_key_secret=gateway.secret,
        sign_name="基准店",
        alert_hourly_cap=10_000,
    )
    SmsTemplate.objects.create(
        code="alert",
        name="差评提醒",
        purpose="alert",
        provider="aliyun",
        template_code="SMS_900",
        text="【差评提醒】{shop_name} 案件{case_no}：{rating}星“{excerpt}”",
    )
    key = _alerts.api_key(supervisor, shop)
    certification_checks._items.clear()  # no training data in the scratch database

    items = [
        {
            "shop": shop.code,
            "order_no": f"SMS{n:06d}",
            "rating": "差评",
            "content": "假货！和描述完全不一样，要投诉",
            "reviewed_at": "2026-11-20 13:05:00",
            "buyer_nick": f"t**{n}",
        }
        for n in range(1, args.reviews + 1)
    ]
    cluster = _db.start_qcluster(log=Path("/tmp/ha_bench_sms_qcluster.log"))
    try:
        time.sleep(4)  # let the cluster start its workers
        latencies, missed = _alerts.timed_posts(
            key,
            items,
            mark=lambda: gateway.sends,
            arrived=lambda _case_id, before: gateway.sends > before,
            timeout=args.timeout,
        )
    finally:
        _db.stop(cluster)
        gateway.__exit__(None, None, None)

    wrong_number = sum(1 for r in gateway.records if r["phone"] != SUPERVISOR_PHONE)
    _alerts.print_latencies(
        "supervisor SMS accepted", "SMS accepted", latencies, posted=args.reviews, missed=missed, target=60
    )
    print(f"{'provider calls with a bad signature':<52}{gateway.bad_signatures:>4}")
    print(f"{'SMS to another number':<52}{wrong_number:>4}")
    print(
        f"{'cases opened / SMS rows accepted':<52}{Case.objects.count():>4} / "
        f"{SmsMessage.objects.filter(status='accepted').count()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
