"""The logistics trace pull from 抖店 (``logistics.trackNoRouteDetail``) and JD (``jingdong.etms.trace.get``)
through the same loop as TOP's, against the local gateways (real HTTP, signatures verified): steps
recorded once, delivered orders leaving the pull, a platform error stopping the shop with nothing
written, an order without a waybill not asked, and one shop's connector never writing into another."""

from __future__ import annotations

import datetime as dt

import pytest

from prevention.choices import OrderStatus
from prevention.models import Order, TraceEvent
from prevention.pull import trace_pull, trace_pull_task
from tests.connectors.conftest import connect, connect_to, serving
from tests.connectors.douyin_gateway import DouyinGateway
from tests.connectors.jd_gateway import TRACE, JdGateway
from tests.connectors.top_trace_gateway import TopTraceGateway
from tests.factories import ShopFactory
from tests.prevention.conftest import SH, make_order

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 16, 18, 30, tzinfo=SH)
H = dt.timedelta(hours=1)
DY_METHOD = "logistics.trackNoRouteDetail"


class Douyin:
    platform, gateway_class, method = "douyin", DouyinGateway, DY_METHOD

    @staticmethod
    def add(gw, waybill, steps):
        """``steps``: (moment, words, station, delivered)."""
        gw.add_trace(
            waybill,
            [
                (at, words, 3 if done else 1, "已签收" if done else "运输中", station)
                for at, words, station, done in steps
            ],
            code="zhongtong",  # the order's courier 中通快递 as /order/logisticsCompanyList codes it
        )

    @staticmethod
    def asked(gw):
        return [(p.get("logistics_code"), p.get("track_no")) for m, p in gw.calls if m == DY_METHOD]

    @staticmethod
    def expected_call(waybill):
        return ("zhongtong", waybill)


class Jd:
    platform, gateway_class, method = "jd", JdGateway, TRACE

    @staticmethod
    def add(gw, waybill, steps):
        gw.add_trace(
            waybill,
            [
                (at, "妥投" if done else "运输", f"快件到达【{station}】" if station else words)
                for at, words, station, done in steps
            ],
        )

    @staticmethod
    def asked(gw):
        return [p.get("waybillCode") for m, p in gw.calls if m == TRACE]

    @staticmethod
    def expected_call(waybill):
        return waybill


@pytest.fixture(params=[Douyin, Jd], ids=["douyin", "jd"])
def side(request):
    return request.param


@pytest.fixture
def gw(side, settings):
    yield from serving(settings, side.gateway_class())


@pytest.fixture
def shop(side, db):
    return ShopFactory(code=f"{side.platform}-traces", platform=side.platform, name="直连店")


@pytest.fixture
def order(side, shop, gw):
    connect_to(shop, side.platform, gw)
    return make_order(shop, "7001", tracking_no="W7001", shipped_at=T0 - H)


def events(order):
    return list(TraceEvent.objects.filter(order=order).order_by("at").values_list("at", "station"))


def test_the_pull_records_the_trace_once_and_keeps_the_orders_summary(side, gw, order):
    side.add(
        gw,
        "W7001",
        [
            (T0, "已揽收", "杭州萧山营业部", False),
            (T0 + 8 * H, "快件到达杭州转运中心", "杭州转运中心", False),
            (T0 + 15 * H, "快件离开杭州转运中心", "杭州转运中心", False),
        ],
    )
    result = trace_pull()
    assert (result.orders, result.steps, result.errors) == (1, 3, 0)
    assert side.asked(gw) == [side.expected_call("W7001")]
    row = Order.objects.get(pk=order.pk)
    assert row.station == "杭州转运中心"
    assert row.station_since == T0 + 8 * H
    assert row.last_movement_at == T0 + 15 * H
    assert row.status == OrderStatus.IN_TRANSIT and row.traced_at is not None
    again = trace_pull()
    assert (again.orders, again.steps) == (1, 0)  # asked again (still on its way), nothing new written
    assert len(events(order)) == 3
    assert len(side.asked(gw)) == 2


def test_a_delivered_step_delivers_the_order_and_it_leaves_the_pull(side, gw, order):
    side.add(
        gw,
        "W7001",
        [
            (T0, "快件到达杭州转运中心", "杭州转运中心", False),
            (T0 + 40 * H, "已签收，签收人：本人", "", True),
        ],
    )
    trace_pull()
    row = Order.objects.get(pk=order.pk)
    assert row.status == OrderStatus.DELIVERED
    assert row.delivered_at == T0 + 40 * H
    assert trace_pull().orders == 0  # delivered orders are not asked again
    assert len(side.asked(gw)) == 1


def test_a_platform_error_stops_the_shop_and_writes_nothing(side, gw, order, shop):
    second = make_order(shop, "7002", tracking_no="W7002")
    for waybill in ("W7001", "W7002"):
        side.add(gw, waybill, [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
    gw.revoked = True
    result = trace_pull()
    assert (result.orders, result.steps, result.errors) == (0, 0, 1)
    assert len(side.asked(gw)) == 1  # the first refusal stopped the shop: the second order was not asked
    assert TraceEvent.objects.count() == 0
    assert set(Order.objects.filter(pk__in=[order.pk, second.pk]).values_list("traced_at", flat=True)) == {
        None
    }
    assert set(Order.objects.filter(pk__in=[order.pk, second.pk]).values_list("status", flat=True)) == {
        OrderStatus.IN_TRANSIT
    }


def test_a_rate_limit_stops_the_shop_and_the_next_run_goes_on(side, gw, order):
    side.add(gw, "W7001", [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
    gw.ban_calls = 1
    first = trace_pull()
    assert (first.orders, first.errors) == (0, 1)
    assert TraceEvent.objects.count() == 0
    second = trace_pull()
    assert (second.orders, second.steps, second.errors) == (1, 1, 0)


def test_douyin_refuses_a_waybill_that_is_not_its_own_and_it_does_not_stall_the_shop(settings, db):
    """50002 ``isv.business-failed:10015`` (not a 抖音 electronic waybill): a refusal about that order. It
    records nothing and goes to the back of the queue; the shop's other orders are still read, this run
    and the next (it would otherwise come first on every run and stop the shop each time)."""
    for gw in serving(settings, DouyinGateway()):
        shop = ShopFactory(code="dy-traces", platform="douyin", name="抖店")
        connect_to(shop, "douyin", gw)
        order = make_order(shop, "7101", tracking_no="YT7101", courier="圆通速递")
        result = trace_pull()
        assert (result.orders, result.errors) == (0, 1)
        assert Douyin.asked(gw) == [("yuantong", "YT7101")]
        assert TraceEvent.objects.count() == 0
        refused_at = Order.objects.get(pk=order.pk).traced_at
        assert refused_at is not None
        other = make_order(shop, "7102", tracking_no="W7102", courier="中通快递")
        Douyin.add(gw, "W7102", [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
        second = trace_pull(per_shop=1)
        assert (second.orders, second.steps, second.errors) == (1, 1, 0)
        assert TraceEvent.objects.filter(order=other).count() == 1
        assert Order.objects.get(pk=order.pk).traced_at == refused_at


def test_an_order_without_a_waybill_is_not_asked_and_does_not_hold_up_the_others(side, gw, order, shop):
    Order.objects.filter(pk=order.pk).update(traced_at=T0)  # read before: behind a never-read order
    make_order(shop, "7000", tracking_no="")  # never read: it would come first in the queue
    side.add(gw, "W7001", [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
    result = trace_pull(per_shop=1)
    assert (result.orders, result.steps, result.errors) == (1, 1, 0)
    assert side.asked(gw) == [side.expected_call("W7001")]


def test_another_shops_connector_never_writes_here(side, gw, shop):
    """Only shop B is connected: shop A's order on its way (its waybill known to the gateway) is not
    asked and gets nothing; B's pull writes B's order only."""
    order_a = make_order(shop, "7201", tracking_no="W7201")
    shop_b = ShopFactory(code=f"{side.platform}-other", platform=side.platform, name="另一家店")
    connect_to(shop_b, side.platform, gw)
    order_b = make_order(shop_b, "7202", tracking_no="W7202")
    for waybill in ("W7201", "W7202"):
        side.add(gw, waybill, [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
    result = trace_pull()
    assert (result.orders, result.steps) == (1, 1)
    assert side.asked(gw) == [side.expected_call("W7202")]
    assert events(order_a) == [] and len(events(order_b)) == 1
    assert Order.objects.get(pk=order_a.pk).traced_at is None


def test_douyin_reads_the_route_list_as_the_official_sdks_spell_it(settings, db):
    for gw in serving(settings, DouyinGateway()):
        gw.route_key = "route__node_list"
        shop = ShopFactory(code="dy-traces", platform="douyin", name="抖店")
        connect_to(shop, "douyin", gw)
        order = make_order(shop, "7301", tracking_no="W7301")
        Douyin.add(gw, "W7301", [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
        assert trace_pull().steps == 1
        assert events(order) == [(T0, "杭州转运中心")]


def test_the_schedules_task_pulls_every_platform_in_one_loop(settings, db):
    """A Taobao, a 抖店 and a JD shop: one run of the task reads the three traces."""
    with TopTraceGateway() as top, DouyinGateway() as dy, JdGateway() as jd:
        settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
        shops = {p: ShopFactory(code=f"{p}-all", platform=p, name=p) for p in ("taobao", "douyin", "jd")}
        connect(shops["taobao"], top)
        connect_to(shops["douyin"], "douyin", dy)
        connect_to(shops["jd"], "jd", jd)
        orders = {p: make_order(s, f"39{n}", tracking_no=f"W{n}") for n, (p, s) in enumerate(shops.items())}
        top.add_trace(
            orders["taobao"].order_no, [("2026-11-17 02:10:00", "快件到达【杭州转运中心】", "ARRIVAL")]
        )
        Douyin.add(dy, "W1", [(T0, "快件到达杭州转运中心", "杭州转运中心", False)])
        Jd.add(jd, "W2", [(T0, "", "杭州转运中心", False)])
        assert trace_pull_task() == {"orders": 3, "steps": 3, "errors": 0}
        assert {o.shop.platform for o in orders.values() if events(o)} == {"taobao", "douyin", "jd"}
