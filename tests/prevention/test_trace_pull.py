"""The logistics trace pull from TOP (``taobao.logistics.trace.search``) against the local gateway:
steps recorded once, the order's summary kept, delivered when the trace says so, errors stop a shop."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.platforms.top_logistics import station_of
from prevention.choices import OrderStatus
from prevention.models import Order, TraceEvent
from prevention.pull import trace_pull
from tests.connectors.conftest import connect, serving
from tests.connectors.top_trace_gateway import TopTraceGateway
from tests.prevention.conftest import SH, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def trace_gateway(settings):
    yield from serving(settings, TopTraceGateway())


@pytest.fixture
def tb_order(shop, trace_gateway):
    connect(shop, trace_gateway)
    return make_order(shop, "3901234567890123", shipped_at=dt.datetime(2026, 11, 16, 18, 0, tzinfo=SH))


def test_the_pull_records_the_trace_once_and_keeps_the_orders_summary(trace_gateway, tb_order):
    trace_gateway.add_trace(
        tb_order.order_no,
        [
            ("2026-11-16 18:30:00", "【杭州萧山营业部】已揽收", "GOT"),
            ("2026-11-17 02:10:00", "快件到达【杭州转运中心】", "ARRIVAL"),
            ("2026-11-17 09:40:00", "【杭州转运中心】滞留，原因：天气", "TRANSPORT"),
        ],
    )
    result = trace_pull()
    assert (result.orders, result.steps, result.errors) == (1, 3, 0)
    order = Order.objects.get(pk=tb_order.pk)
    assert order.station == "杭州转运中心"
    assert order.station_since == dt.datetime(2026, 11, 17, 2, 10, tzinfo=SH)
    assert order.last_movement_at == dt.datetime(2026, 11, 17, 9, 40, tzinfo=SH)
    assert order.traced_at is not None
    again = trace_pull()
    assert (again.orders, again.steps) == (1, 0)
    assert TraceEvent.objects.filter(order=order).count() == 3
    assert trace_gateway.methods().count("taobao.logistics.trace.search") == 2


def test_a_signed_step_delivers_the_order_and_it_leaves_the_pull(trace_gateway, tb_order):
    trace_gateway.add_trace(
        tb_order.order_no,
        [
            ("2026-11-17 02:10:00", "快件到达【杭州转运中心】", "ARRIVAL"),
            ("2026-11-18 10:00:00", "已签收，签收人：本人", "SIGNED"),
        ],
    )
    trace_pull()
    order = Order.objects.get(pk=tb_order.pk)
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at == dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)
    assert trace_pull().orders == 0  # delivered orders are not asked again


def test_a_platform_error_stops_the_shop_and_writes_nothing(trace_gateway, tb_order):
    trace_gateway.add_trace(
        tb_order.order_no, [("2026-11-17 02:10:00", "快件到达【杭州转运中心】", "ARRIVAL")]
    )
    trace_gateway.revoked = True
    result = trace_pull()
    assert (result.orders, result.errors) == (0, 1)
    assert TraceEvent.objects.count() == 0
    assert Order.objects.get(pk=tb_order.pk).traced_at is None


@pytest.mark.parametrize(
    ("text", "station"),
    [
        ("快件到达【杭州转运中心】", "杭州转运中心"),
        ("快件已到达上海浦东分拨中心，准备发往下一站", "上海浦东分拨中心"),
        ("运输中", ""),
    ],
)
def test_the_station_is_read_from_the_steps_words(text, station):
    assert station_of(text) == station


def test_a_connectors_logistics_settings_override_the_defaults_key_by_key():
    """A deployer corrects the trace method in the connector's ``api`` (as for every other TOP call):
    the override is used and the defaults it does not name stay."""
    from connectors.platforms.base import Credentials
    from connectors.platforms.top_logistics import LOGISTICS_API, TopLogisticsClient

    client = TopLogisticsClient(
        gateway_url="http://127.0.0.1:9/router/rest",
        credentials=Credentials(app_key="k", app_secret="s", session_key="x"),
        api={"logistics": {"method": "taobao.logistics.trace.get"}},
    )
    assert client.logistics["method"] == "taobao.logistics.trace.get"
    assert client.logistics["steps"] == LOGISTICS_API["steps"]
