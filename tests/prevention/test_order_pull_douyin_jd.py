"""The incremental order pull from 抖店 (``order.searchList``) and JD (``jingdong.pop.order.enSearch``)
through the same loop and cursor as TOP's, against the local gateways (real HTTP, signatures verified):
day windows from the cursor, every page, the export import's upsert, a platform error that leaves the
cursor where the last whole window put it, one shop's connector never writing into another shop, 抖店's
after-sales recording their reasons, and the schedule's task pulling all three platforms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from connectors.platforms.douyin_orders import spec_text
from prevention.choices import AfterSale, OrderSource, OrderStatus, PullKind, ReturnReason
from prevention.models import Order, OrderPullCursor
from prevention.pull_orders import order_pull, order_pull_task
from tests.connectors.conftest import connect, connect_to, serving
from tests.connectors.douyin_gateway import GMT8, DouyinGateway
from tests.connectors.jd_gateway import FMT, JdGateway
from tests.connectors.top_trade_gateway import TopTradeGateway
from tests.factories import ShopFactory
from tests.prevention.conftest import NOW, make_order

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


class Douyin:
    platform, gateway_class = "douyin", DouyinGateway
    states = {"paid": 105, "shipped": 3, "done": 5, "unpaid": 1}

    @staticmethod
    def add(gw, number, *, updated, state="paid", paid=None, parcel=None, promise=None, token=None):
        extra = {"exp_ship_time": int(promise.timestamp())} if promise else {}
        parcels = [(parcel[0], parcel[1], updated)] if parcel else []
        return gw.add_order(
            number,
            updated=updated,
            status=Douyin.states[state],
            paid=paid,
            token=token,
            parcels=parcels,
            **extra,
        )

    @staticmethod
    def windows(gw):
        return [
            (dt.datetime.fromtimestamp(s, dt.UTC), dt.datetime.fromtimestamp(e, dt.UTC), p + 1)
            for s, e, p in gw.windows()
        ]


class Jd:
    platform, gateway_class = "jd", JdGateway
    states = {"paid": "WAIT_SELLER_STOCK_OUT", "shipped": "WAIT_GOODS_RECEIVE_CONFIRM", "done": "FINISHED_L"}
    states["unpaid"] = "WAIT_PAY"

    @staticmethod
    def add(gw, number, *, updated, state="paid", paid=None, parcel=None, promise=None, token=None):
        extra = {"logisticsId": parcel[0], "waybill": parcel[1]} if parcel else {}
        return gw.add_order(number, updated=updated, state=Jd.states[state], paid=paid, token=token, **extra)

    @staticmethod
    def windows(gw):
        def moment(text):
            return dt.datetime.strptime(text, FMT).replace(tzinfo=GMT8)

        return [(moment(s), moment(e), int(p)) for s, e, p in gw.windows()]


# the courier as each platform names it in the order: 抖店 by name, JD by its logistics company id
COURIER = {"douyin": ("中通快递", "中通快递"), "jd": ("1327", "韵达快递")}


@pytest.fixture(params=[Douyin, Jd], ids=["douyin", "jd"])
def side(request):
    return request.param


@pytest.fixture
def gw(side, settings):
    yield from serving(settings, side.gateway_class())


@pytest.fixture
def shop(side, db):
    return ShopFactory(code=f"{side.platform}-orders", platform=side.platform, name="直连店")


@pytest.fixture
def connector(side, shop, gw):
    connector = connect_to(shop, side.platform, gw)
    connector.api = {**connector.api, "trades": {"couriers": {"1327": "韵达快递"}}}
    connector.save(update_fields=["api"])
    return connector


def set_trades(connector, **values):
    connector.api = {**connector.api, "trades": {**connector.api["trades"], **values}}
    connector.save(update_fields=["api"])


def cursor_of(connector):
    row = OrderPullCursor.objects.filter(connector=connector, kind=PullKind.TRADES).first()
    return row.cursor_at if row else None


def numbers(shop):
    return set(Order.objects.filter(shop=shop).values_list("order_no", flat=True))


def test_the_first_pull_reads_day_windows_every_page_and_maps_the_orders(side, shop, gw, connector):
    set_trades(connector, page_size=2)
    paid = NOW - 30 * H
    promise = paid + 72 * H
    side.add(gw, "5001", updated=paid, paid=paid, promise=promise)
    side.add(
        gw,
        "5002",
        updated=NOW - 2 * H,
        paid=paid,
        state="shipped",
        parcel=COURIER[side.platform][:1] + ("T5002",),
    )
    for n in range(3, 6):  # three more in the last day: with page_size 2, that day has 3 pages (4 + 1)
        side.add(gw, f"500{n}", updated=NOW - n * H, paid=NOW - 10 * H)
    side.add(gw, "5009", updated=NOW - 3 * H, state="unpaid")  # not paid: not an order yet

    result = order_pull(now=NOW)

    assert (result.errors, result.created, result.updated, result.refunds) == (0, 5, 0, 0)
    windows = side.windows(gw)
    spans = sorted({(s, e) for s, e, _p in windows})
    assert len(spans) == 7  # backfill_days=7, a day each
    assert spans[0][0] == NOW - 7 * 24 * H and spans[-1][1] == NOW
    assert all(e - s <= 24 * H for s, e in spans)
    last_day = [p for s, e, p in windows if e == NOW]
    # 抖店 answers the unpaid order too (skipped here); JD is asked only the states it maps
    assert last_day == ([1, 2, 3] if side is Douyin else [1, 2])
    assert cursor_of(connector) == NOW
    refunds = OrderPullCursor.objects.filter(connector=connector, kind=PullKind.REFUNDS).first()
    # 抖店's after-sales are read after the orders; JD's client names no refunds: no cursor, no call
    assert (refunds.cursor_at if refunds else None) == (NOW if side is Douyin else None)

    first = Order.objects.get(shop=shop, order_no="5001")
    assert (first.source, first.status, first.platform) == (
        OrderSource.CONNECTOR,
        OrderStatus.AWAITING_SHIPMENT,
        side.platform,
    )
    assert first.paid_at == paid
    # 抖店 promises exp_ship_time; JD's search has no promise: the JD mapping's 24 hours after payment
    assert first.ship_by == (promise if side is Douyin else paid + 24 * H)
    moving = Order.objects.get(shop=shop, order_no="5002")
    assert (moving.status, moving.courier, moving.tracking_no) == (
        OrderStatus.IN_TRANSIT,
        COURIER[side.platform][1],
        "T5002",
    )
    if side is Douyin:
        assert (moving.item_id, moving.item_title, moving.sku) == ("3001", "防晒霜 50ml", "规格:50ml")
        assert moving.shipped_at == NOW - 2 * H
        assert moving.ship_by == paid + 48 * H  # no exp_ship_time: the Douyin mapping's 48 hours
    else:
        assert (moving.item_id, moving.item_title) == ("8001", "保温杯 500ml 黑色")
    assert "5009" not in numbers(shop)


def test_a_rerun_writes_nothing_twice_and_the_next_pull_updates_the_order(side, shop, gw, connector):
    side.add(gw, "5101", updated=NOW - 5 * H)
    order_pull(now=NOW)
    first = Order.objects.get(shop=shop, order_no="5101")
    calls = len(side.windows(gw))

    again = order_pull(now=NOW)  # a rerun at the same moment (or a second cluster after the first)
    assert (again.created, again.updated, again.errors) == (0, 0, 0)
    assert side.windows(gw)[calls:] == [(NOW - 10 * M, NOW, 1)]  # only the overlap before the cursor

    side.add(gw, "5101", updated=NOW + 20 * M, state="shipped", parcel=(COURIER[side.platform][0], "T5101"))
    later = order_pull(now=NOW + H)
    assert (later.created, later.updated) == (0, 1)
    assert side.windows(gw)[-1] == (NOW - 10 * M, NOW + H, 1)
    assert Order.objects.filter(shop=shop, order_no="5101").count() == 1
    shipped = Order.objects.get(pk=first.pk)
    assert (shipped.status, shipped.tracking_no, shipped.courier) == (
        OrderStatus.IN_TRANSIT,
        "T5101",
        COURIER[side.platform][1],
    )
    assert cursor_of(connector) == NOW + H

    side.add(gw, "5101", updated=NOW + 90 * M, state="done")
    order_pull(now=NOW + 2 * H)
    assert Order.objects.get(pk=first.pk).status == OrderStatus.DELIVERED


def test_a_pulled_order_updates_the_imported_one_and_keeps_the_exports_promise(side, shop, gw, connector):
    promise = NOW + 10 * H
    imported = make_order(
        shop, "5201", status=OrderStatus.AWAITING_SHIPMENT, ship_by=promise, courier="", tracking_no=""
    )
    side.add(
        gw,
        "5201",
        updated=NOW - H,
        paid=NOW - 20 * H,
        state="shipped",
        parcel=(COURIER[side.platform][0], "T5201"),
    )
    result = order_pull(now=NOW)
    assert (result.created, result.updated) == (0, 1)
    order = Order.objects.get(pk=imported.pk)
    assert (order.status, order.courier, order.tracking_no) == (
        OrderStatus.IN_TRANSIT,
        COURIER[side.platform][1],
        "T5201",
    )
    assert order.ship_by == promise  # the pulled order carries no promise: the export's stays
    assert order.source == OrderSource.FILE
    assert numbers(shop) == {"5201"}


def test_a_platform_error_mid_window_rolls_it_back_and_keeps_the_cursor(side, shop, gw, connector):
    set_trades(connector, page_size=1)
    OrderPullCursor.objects.create(connector=connector, kind=PullKind.TRADES, cursor_at=NOW - 30 * H)
    side.add(gw, "5401", updated=NOW - 28 * H)  # the first window (-30h10m … -6h10m)
    side.add(gw, "5402", updated=NOW - 2 * H)  # the second window, page 1
    side.add(gw, "5403", updated=NOW - 3 * H)  # the second window, page 2: refused (rate limit)
    gw.ban_after = 2

    result = order_pull(now=NOW)

    assert (result.errors, result.windows) == (1, 1)
    assert numbers(shop) == {"5401"}
    assert cursor_of(connector) == NOW - 30 * H - 10 * M + 24 * H

    gw.ban_after, gw.ban_calls = None, 0
    assert order_pull(now=NOW).errors == 0
    assert numbers(shop) == {"5401", "5402", "5403"}
    assert cursor_of(connector) == NOW


def test_a_revoked_token_writes_nothing_and_leaves_no_cursor(side, shop, gw, connector):
    side.add(gw, "5501", updated=NOW - H)
    gw.revoked = True
    result = order_pull(now=NOW)
    assert (result.errors, result.created) == (1, 0)
    assert not Order.objects.exists()
    assert cursor_of(connector) is None


def test_douyin_after_sales_record_the_reason_and_the_refund_on_their_order(settings):
    gen = serving(settings, DouyinGateway())
    gw = next(gen)
    try:
        shop = ShopFactory(code="dy-refunds", platform="douyin", name="抖店")
        connector = connect_to(shop, "douyin", gw)
        for number in ("5801", "5802", "5803"):
            Douyin.add(gw, number, updated=NOW - 5 * H, state="done")
        gw.add_aftersale("as1", "5801", updated=NOW - 4 * H, kind=0, status=12, reason="尺码偏大")
        gw.add_aftersale("as2", "5802", updated=NOW - 3 * H, kind=1, status=6, reason="质量问题")
        gw.add_aftersale(
            "as3", "5803", updated=NOW - 3 * H, kind=3, status=14, reason="颜色不喜欢"
        )  # exchange
        gw.add_aftersale("as4", "5899", updated=NOW - 2 * H, kind=2, reason="不想要了")  # order not stored
        gw.add_aftersale("as5", "5801", updated=NOW - H, token="other-shop")  # another seller's

        result = order_pull(now=NOW)

        assert (result.errors, result.created, result.refunds, result.reasons, result.unmatched) == (
            0,
            3,
            3,
            2,
            1,
        )
        returned = Order.objects.get(shop=shop, order_no="5801")
        assert (returned.after_sale, returned.after_sale_reason, returned.after_sale_reason_kind) == (
            AfterSale.RETURN,
            "尺码偏大",
            ReturnReason.SIZE,
        )
        asked = Order.objects.get(shop=shop, order_no="5802")  # pending: its reason, no after-sale yet
        assert (asked.after_sale, asked.after_sale_reason) == (AfterSale.NONE, "质量问题")
        exchanged = Order.objects.get(shop=shop, order_no="5803")
        assert (exchanged.after_sale, exchanged.after_sale_reason) == (AfterSale.NONE, "")
        assert OrderPullCursor.objects.get(connector=connector, kind=PullKind.REFUNDS).cursor_at == NOW
        calls = [p for m, p in gw.calls if m == "afterSale.List"]
        assert calls and all(p["order_by"] == ["update_time desc"] for p in calls)

        again = order_pull(now=NOW)  # a rerun reads only the overlap: nothing changed there
        assert (again.refunds, again.reasons) == (0, 0)
    finally:
        gen.close()


def test_a_jd_search_its_api_result_refuses_writes_nothing(settings):
    gen = serving(settings, JdGateway())
    gw = next(gen)
    try:
        shop = ShopFactory(code="jd-refused", platform="jd", name="京东店")
        connector = connect_to(shop, "jd", gw)
        # a deployer's params without the required order_state: the gateway answers apiResult.success false
        connector.api = {**connector.api, "trades": {"params": {"dateType": 0, "sortType": 1}}}
        connector.save(update_fields=["api"])
        Jd.add(gw, "5601", updated=NOW - H)
        result = order_pull(now=NOW)
        assert (result.errors, result.created, result.windows) == (1, 0, 0)
        assert not Order.objects.exists() and cursor_of(connector) is None
    finally:
        gen.close()


def test_another_shops_connector_never_writes_into_this_shop(side, shop, gw, connector):
    neighbour = ShopFactory(code=f"{side.platform}-neighbour", platform=side.platform, name="邻店")
    gw.tokens.add("neighbour-token")
    connect_to(neighbour, side.platform, gw, session_key="neighbour-token")
    mine = make_order(shop, "5701", status=OrderStatus.AWAITING_SHIPMENT, courier="", tracking_no="")
    # the same order number in the other seller's account, shipped there
    side.add(gw, "5701", updated=NOW - H, state="shipped", parcel=("X", "X5701"), token="neighbour-token")
    side.add(gw, "5702", updated=NOW - H, token="neighbour-token")

    result = order_pull(now=NOW)

    assert (result.shops, result.errors) == (2, 0)
    mine.refresh_from_db()
    assert (mine.status, mine.tracking_no) == (OrderStatus.AWAITING_SHIPMENT, "")
    assert numbers(shop) == {"5701"}
    assert numbers(neighbour) == {"5701", "5702"}
    assert Order.objects.get(shop=neighbour, order_no="5701").tracking_no == "X5701"


def test_the_schedules_task_pulls_taobao_douyin_and_jd_shops(settings):
    assert Schedule.objects.filter(func="prevention.pull_orders.order_pull_task").exists()
    gens = [serving(settings, g) for g in (TopTradeGateway(), DouyinGateway(), JdGateway())]
    top, douyin, jd = (next(g) for g in gens)
    try:
        now = timezone.now()
        tb = ShopFactory(code="tb-sched", platform="taobao", name="淘宝店")
        dy = ShopFactory(code="dy-sched", platform="douyin", name="抖店")
        jdshop = ShopFactory(code="jd-sched", platform="jd", name="京东店")
        connect(tb, top)
        connect_to(dy, "douyin", douyin)
        connect_to(jdshop, "jd", jd)
        top.add_trade("6001", modified=now - H)
        Douyin.add(douyin, "6002", updated=now - H)
        Jd.add(jd, "6003", updated=now - H)

        result = order_pull_task()

        assert (result["shops"], result["created"], result["errors"]) == (3, 3, 0)
        assert (numbers(tb), numbers(dy), numbers(jdshop)) == ({"6001"}, {"6002"}, {"6003"})
    finally:
        for g in gens:
            g.close()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([{"name": "颜色", "value": "红"}, {"name": "尺码", "value": "M"}], "颜色:红;尺码:M"),
        ("规格:50ml", "规格:50ml"),
        (None, ""),
        ([{"value": "均码"}, "x"], "均码"),
    ],
)
def test_a_douyin_spec_reads_as_the_exports_sku_text(spec, expected):
    assert spec_text(spec) == expected
