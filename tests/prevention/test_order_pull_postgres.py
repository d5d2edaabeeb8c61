"""Two clusters pulling one shop's orders at once, with real commits on PostgreSQL: the cursor row's lock
(SKIP LOCKED) lets one read each window, the other skips or stops at the moved cursor, and every order is
written once."""

from __future__ import annotations

import datetime as dt

import pytest

from prevention.choices import PullKind
from prevention.models import Order, OrderPullCursor
from prevention.pull_orders import order_pull
from tests.connectors.conftest import connect
from tests.connectors.top_trade_gateway import REFUNDS, TRADES, TopTradeGateway
from tests.factories import ShopFactory
from tests.postgres_race import race_all
from tests.prevention.conftest import NOW

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
H = dt.timedelta(hours=1)


@pytest.fixture
def slow_gateway(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with TopTradeGateway() as running:
        for n in range(40):
            running.add_trade(f"77{n:04d}", modified=NOW - (n + 1) * H)  # over the two days of backfill
        for n in range(10):
            running.add_refund(f"rf{n}", f"77{n:04d}", modified=NOW - H / 2, reason="尺码偏小")
        yield running


def test_two_clusters_pulling_one_shops_orders_at_once_write_each_order_once(slow_gateway):
    shop = ShopFactory(code="pg-order-race", platform="taobao", name="并发订单店")
    connector = connect(shop, slow_gateway)
    connector.backfill_days = 2
    connector.api = {"trades": {"page_size": 10}}
    connector.save(update_fields=["backfill_days", "api"])
    slow_gateway.delay = 0.2

    def pull():
        return order_pull(now=NOW)

    results, errors = race_all([pull, pull], timeout=120)

    assert errors == []
    assert sum(r.created for r in results) == 40
    assert sum(r.errors for r in results) == 0
    assert sum(r.skipped for r in results) >= 1  # the other cluster found the window taken
    assert Order.objects.filter(shop=shop).count() == 40
    assert Order.objects.filter(shop=shop, after_sale_reason="尺码偏小").count() == 10
    # every window was read by one cluster only
    trade_windows = [(s, e, p) for s, e, p in slow_gateway.windows(TRADES)]
    assert len(trade_windows) == len(set(trade_windows))
    refund_windows = slow_gateway.windows(REFUNDS)
    assert len(refund_windows) == len(set(refund_windows))
    cursors = dict(OrderPullCursor.objects.filter(connector=connector).values_list("kind", "cursor_at"))
    assert cursors == {PullKind.TRADES: NOW, PullKind.REFUNDS: NOW}
