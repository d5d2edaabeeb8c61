"""Two clusters pulling one 抖店 or JD shop's orders at once, with real commits on PostgreSQL: the shared
loop's cursor lock (SKIP LOCKED) holds for these platforms too: each window read by one cluster, every
order written once."""

from __future__ import annotations

import datetime as dt

import pytest

from prevention.choices import PullKind
from prevention.models import Order, OrderPullCursor
from prevention.pull_orders import order_pull
from tests.connectors.conftest import connect_to
from tests.factories import ShopFactory
from tests.postgres_race import race_all
from tests.prevention.conftest import NOW
from tests.prevention.test_order_pull_douyin_jd import Douyin, Jd

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
H = dt.timedelta(hours=1)


@pytest.mark.parametrize("side", [Douyin, Jd], ids=["douyin", "jd"])
def test_two_clusters_pulling_one_shops_orders_at_once_write_each_order_once(side, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with side.gateway_class() as gw:
        for n in range(30):
            side.add(gw, f"88{n:04d}", updated=NOW - (n + 1) * H)  # over the two days of backfill
        shop = ShopFactory(code=f"pg-{side.platform}-race", platform=side.platform, name="并发订单店")
        connector = connect_to(shop, side.platform, gw)
        connector.backfill_days = 2
        connector.api = {**connector.api, "trades": {"page_size": 10}}
        connector.save(update_fields=["backfill_days", "api"])
        gw.delay = 0.2

        def pull():
            return order_pull(now=NOW)

        results, errors = race_all([pull, pull], timeout=120)
        windows = side.windows(gw)

    assert errors == []
    assert sum(r.created for r in results) == 30
    assert sum(r.errors for r in results) == 0
    assert sum(r.skipped for r in results) >= 1  # the other cluster found the window taken
    assert Order.objects.filter(shop=shop).count() == 30
    assert len(windows) == len(set(windows))  # every window and page asked by one cluster only
    cursors = dict(OrderPullCursor.objects.filter(connector=connector).values_list("kind", "cursor_at"))
    # 抖店's after-sales follow its orders (one cluster reads them); JD's client reads orders only
    assert cursors == (
        {PullKind.TRADES: NOW, PullKind.REFUNDS: NOW} if side is Douyin else {PullKind.TRADES: NOW}
    )
