"""The incremental order pull from TOP (``taobao.trades.sold.increment.get``) against the local gateway:
day windows from the connector's cursor, every page, the upsert shared with the export import, a platform
error that leaves the cursor where the last whole window put it, and one shop's connector never writing
into another shop."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.platforms.top_trades import ship_promise
from prevention.choices import OrderSource, OrderStatus, PullKind
from prevention.models import Order, OrderPullCursor
from prevention.pull_orders import order_pull
from tests.connectors.conftest import connect, serving
from tests.connectors.top_trade_gateway import REFUNDS, TRADES, TopTradeGateway
from tests.factories import ShopFactory
from tests.prevention.conftest import NOW, SH, make_order

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def gw(settings):
    yield from serving(settings, TopTradeGateway())


@pytest.fixture
def connector(shop, gw):
    return connect(shop, gw)


def cursor_of(connector, kind=PullKind.TRADES):
    row = OrderPullCursor.objects.filter(connector=connector, kind=kind).first()
    return row.cursor_at if row else None


def test_the_first_pull_reads_day_windows_of_the_backfill_every_page_and_stores_the_orders(
    shop, gw, connector
):
    connector.api = {"trades": {"page_size": 2}}
    connector.save(update_fields=["api"])
    paid = NOW - 30 * H
    gw.add_trade(
        "4001",
        modified=paid,
        paid=paid,
        order_extra={"consign_due_time": "2_3"},  # promised: 3 days after payment
    )
    gw.add_trade(
        "4002",
        modified=NOW - 2 * H,
        paid=paid,
        status="WAIT_BUYER_CONFIRM_GOODS",
        consign_time="2026-11-17 18:00:00",
        order_extra={"logistics_company": "中通快递", "invoice_no": "ZT4002"},
    )
    for n in range(3, 6):  # three more in the last day: with page_size 2, that day has 3 pages
        gw.add_trade(f"400{n}", modified=NOW - n * H, paid=NOW - 10 * H)
    gw.add_trade("4009", modified=NOW - 3 * H, status="WAIT_BUYER_PAY")  # not paid: not an order yet

    result = order_pull(now=NOW)

    assert (result.errors, result.created, result.updated) == (0, 5, 0)
    trade_windows = gw.windows(TRADES)
    starts = sorted({(s, e) for s, e, _p in trade_windows})
    assert len(starts) == 7  # backfill_days=7, one day each (the platform's limit)
    assert starts[0][0] == "2026-11-11 12:00:00" and starts[-1][1] == "2026-11-18 12:00:00"
    assert all(
        dt.datetime.strptime(e, "%Y-%m-%d %H:%M:%S") - dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S") <= 24 * H
        for s, e in starts
    )
    last_day = [p for s, e, p in trade_windows if e == "2026-11-18 12:00:00"]
    assert last_day == ["1", "2", "3"]  # 4 trades of the last day + the unpaid one = 5 rows, 2 a page
    assert cursor_of(connector) == NOW and cursor_of(connector, PullKind.REFUNDS) == NOW

    promised = Order.objects.get(shop=shop, order_no="4001")
    assert promised.source == OrderSource.CONNECTOR
    assert promised.status == OrderStatus.AWAITING_SHIPMENT
    assert (promised.item_id, promised.item_title, promised.sku) == (
        "6001",
        "纯棉四件套",
        "颜色:米白;尺码:1.8m",
    )
    assert promised.ship_by == paid + dt.timedelta(days=3)
    moving = Order.objects.get(shop=shop, order_no="4002")
    assert (moving.status, moving.courier, moving.tracking_no) == (
        OrderStatus.IN_TRANSIT,
        "中通快递",
        "ZT4002",
    )
    assert moving.shipped_at == dt.datetime(2026, 11, 17, 18, 0, tzinfo=SH)
    assert moving.ship_by == paid + 48 * H  # no promise: the Taobao mapping's 48 hours after payment
    assert not Order.objects.filter(order_no="4009").exists()


def test_the_next_pull_asks_only_what_changed_and_a_rerun_writes_nothing_twice(shop, gw, connector):
    gw.add_trade("4101", modified=NOW - 5 * H)
    order_pull(now=NOW)
    first = Order.objects.get(shop=shop, order_no="4101")
    calls = len(gw.windows(TRADES))

    again = order_pull(now=NOW)  # a rerun at the same moment (or a second cluster after the first)
    assert (again.created, again.updated) == (0, 0)
    assert len(gw.windows(TRADES)) == calls + 1  # only the overlap before the cursor
    assert gw.windows(TRADES)[-1][:2] == ("2026-11-18 11:50:00", "2026-11-18 12:00:00")

    gw.add_trade(
        "4101",
        modified=NOW + 20 * dt.timedelta(minutes=1),
        status="WAIT_BUYER_CONFIRM_GOODS",
        order_extra={"logistics_company": "顺丰速运", "invoice_no": "SF4101"},
    )
    later = order_pull(now=NOW + H)
    assert (later.created, later.updated) == (0, 1)
    assert gw.windows(TRADES)[-1][:2] == ("2026-11-18 11:50:00", "2026-11-18 13:00:00")
    assert Order.objects.filter(shop=shop, order_no="4101").count() == 1
    shipped = Order.objects.get(pk=first.pk)
    assert (shipped.status, shipped.tracking_no) == (OrderStatus.IN_TRANSIT, "SF4101")
    assert cursor_of(connector) == NOW + H


def test_a_pulled_trade_updates_the_imported_order_and_keeps_the_exports_promise(shop, gw, connector):
    promise = NOW + 10 * H
    imported = make_order(
        shop, "4201", status=OrderStatus.AWAITING_SHIPMENT, ship_by=promise, courier="", tracking_no=""
    )
    gw.add_trade(
        "4201",
        modified=NOW - H,
        paid=NOW - 20 * H,
        status="WAIT_BUYER_CONFIRM_GOODS",
        order_extra={"logistics_company": "韵达快递", "invoice_no": "YD4201"},
    )
    result = order_pull(now=NOW)
    assert (result.created, result.updated) == (0, 1)
    order = Order.objects.get(pk=imported.pk)
    assert (order.status, order.courier, order.tracking_no) == (OrderStatus.IN_TRANSIT, "韵达快递", "YD4201")
    assert order.ship_by == promise  # no promise in the trade: the export's stays
    assert order.source == OrderSource.FILE  # where it came from first
    assert Order.objects.filter(shop=shop).count() == 1


def test_a_delivered_order_does_not_go_back_when_an_older_change_is_pulled(shop, gw, connector):
    delivered = make_order(shop, "4301", status=OrderStatus.DELIVERED)
    gw.add_trade("4301", modified=NOW - H, status="WAIT_BUYER_CONFIRM_GOODS")
    order_pull(now=NOW)
    assert Order.objects.get(pk=delivered.pk).status == OrderStatus.DELIVERED


def test_a_platform_error_mid_window_rolls_it_back_and_keeps_the_cursor_of_the_last_whole_window(
    shop, gw, connector
):
    connector.api = {"trades": {"page_size": 1}}
    connector.save(update_fields=["api"])
    OrderPullCursor.objects.create(connector=connector, kind=PullKind.TRADES, cursor_at=NOW - 30 * H)
    gw.add_trade("4401", modified=NOW - 28 * H)  # the first window (-30h10m … -6h10m)
    gw.add_trade("4402", modified=NOW - 2 * H)  # the second window, page 1
    gw.add_trade("4403", modified=NOW - 3 * H)  # the second window, page 2: refused
    gw.ban_after = 2  # window 1 page 1, window 2 page 1 answered; window 2 page 2 refused

    result = order_pull(now=NOW)

    assert result.errors == 1 and result.windows == 1
    assert set(Order.objects.filter(shop=shop).values_list("order_no", flat=True)) == {"4401"}
    first_end = NOW - 30 * H - 10 * dt.timedelta(minutes=1) + 24 * H
    assert cursor_of(connector) == first_end
    assert gw.windows(REFUNDS) == []  # the shop's run stopped: no refunds asked

    gw.ban_after, gw.ban_calls = None, 0
    order_pull(now=NOW)
    assert set(Order.objects.filter(shop=shop).values_list("order_no", flat=True)) == {"4401", "4402", "4403"}
    assert cursor_of(connector) == NOW


def test_a_revoked_session_writes_nothing_and_leaves_no_cursor(shop, gw, connector):
    gw.add_trade("4501", modified=NOW - H)
    gw.revoked = True
    result = order_pull(now=NOW)
    assert result.errors == 1
    assert not Order.objects.exists()
    assert cursor_of(connector) is None


def test_another_shops_connector_never_writes_into_this_shop(shop, gw, connector):
    neighbour = ShopFactory(code="tb-neighbour", platform="tmall", name="天猫邻店")
    gw.sessions.add("seller-session-2")
    connect(neighbour, gw, session_key="seller-session-2")
    mine = make_order(shop, "4601", status=OrderStatus.AWAITING_SHIPMENT, courier="", tracking_no="")
    # the same trade number in the other seller's account, shipped there
    gw.add_trade(
        "4601",
        modified=NOW - H,
        session="seller-session-2",
        status="WAIT_BUYER_CONFIRM_GOODS",
        order_extra={"invoice_no": "X1"},
    )
    gw.add_trade("4602", modified=NOW - H, session="seller-session-2")

    order_pull(now=NOW)

    assert Order.objects.get(pk=mine.pk).status == OrderStatus.AWAITING_SHIPMENT
    assert Order.objects.get(pk=mine.pk).tracking_no == ""
    assert set(Order.objects.filter(shop=shop).values_list("order_no", flat=True)) == {"4601"}
    assert set(Order.objects.filter(shop=neighbour).values_list("order_no", flat=True)) == {"4601", "4602"}
    assert Order.objects.get(shop=neighbour, order_no="4601").platform == "tmall"


def test_only_the_named_shops_are_pulled_and_a_disabled_connector_is_not(shop, gw, connector):
    gw.add_trade("4701", modified=NOW - H)
    assert order_pull(now=NOW, shop_ids=[shop.pk + 1000]).shops == 0
    connector.enabled = False
    connector.save(update_fields=["enabled"])
    assert order_pull(now=NOW).shops == 0
    assert gw.windows(TRADES) == [] and not Order.objects.exists()


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2_7", dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)),
        ("1_2026-11-20 18:00:00", dt.datetime(2026, 11, 20, 18, 0, tzinfo=SH)),
        ("", None),
        ("3_x", None),
        ("2_abc", None),
    ],
)
def test_the_platforms_shipping_promise_is_read(due, expected):
    assert ship_promise(due, dt.datetime(2026, 11, 16, 10, 0, tzinfo=SH)) == expected
