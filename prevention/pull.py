"""The hourly logistics trace pull (a django-q2 schedule): for each shop with an enabled connector of a
platform with a trace client (``trace_clients()``: Taobao/Tmall through TOP's
``connectors.platforms.top_logistics``, 抖店 ``douyin_logistics``, JD ``jd_logistics``), the orders on
their way whose trace was read longest ago (at most ``PER_SHOP`` a run) are asked of the platform and
their steps recorded (``prevention.orders.order_record_traces``: a step seen before adds nothing, so a
rerun or a second cluster writes nothing twice). TOP reads a trace by order number; 抖店 and JD by the
parcel's courier and waybill (``TRACE_BY_WAYBILL``), so an order without a waybill is not asked. A
platform error stops that shop's run (a rate limit, a revoked session); the next run goes on from the
orders still least recently read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from connectors.platforms.base import REFUSED, PlatformError
from prevention.choices import OrderStatus
from prevention.models import Order
from prevention.orders import TraceStep, order_record_traces

logger = logging.getLogger(__name__)
PER_SHOP = 200


@dataclass
class PullResult:
    orders: int = 0
    steps: int = 0
    errors: int = 0


def trace_clients() -> dict:
    """Platform -> its trace client (each answers ``trace`` with a ``Trace``)."""
    from connectors.platforms.douyin_logistics import DouyinLogisticsClient
    from connectors.platforms.jd_logistics import JdLogisticsClient
    from connectors.platforms.top_logistics import TopLogisticsClient

    return {
        "taobao": TopLogisticsClient,
        "tmall": TopLogisticsClient,
        "douyin": DouyinLogisticsClient,
        "jd": JdLogisticsClient,
    }


def _client(connector, *, timeout=None):
    from connectors.platforms import client_for

    return client_for(connector, client_class=trace_clients()[connector.platform], timeout=timeout)


def _trace(client, order):
    if getattr(client, "TRACE_BY_WAYBILL", False):
        return client.trace(order.order_no, courier=order.courier, tracking_no=order.tracking_no)
    return client.trace(order.order_no)


def trace_pull(*, shop_ids=None, per_shop: int = PER_SHOP) -> PullResult:
    from connectors.models import Connector

    result = PullResult()
    connectors = (
        Connector.objects.filter(enabled=True, platform__in=list(trace_clients()))
        .select_related("shop")
        .order_by("pk")
    )
    if shop_ids is not None:
        connectors = connectors.filter(shop_id__in=shop_ids)
    for connector in connectors:
        client = _client(connector)
        orders = Order.objects.filter(shop_id=connector.shop_id, status=OrderStatus.IN_TRANSIT)
        if getattr(client, "TRACE_BY_WAYBILL", False):
            orders = orders.exclude(tracking_no="")
        orders = orders.order_by(F("traced_at").asc(nulls_first=True), "pk")[:per_shop]
        for order in orders:
            try:
                trace = _trace(client, order)
            except PlatformError as exc:
                result.errors += 1
                if exc.kind == REFUSED:
                    # The platform refused this order's trace (not its waybill, no trace kept, …): it
                    # goes to the back of the queue, so it does not stall the shop's other orders.
                    logger.warning("trace of order %s refused: %s", order.pk, exc)
                    Order.objects.filter(pk=order.pk).update(traced_at=timezone.now())
                    continue
                logger.warning("trace pull of shop %s stopped: %s", connector.shop_id, exc)
                break
            steps = [
                TraceStep(at=s.at, station=s.station, description=s.description, delivered=s.delivered)
                for s in trace.steps
            ]
            result.steps += order_record_traces(order=order, steps=steps)
            Order.objects.filter(pk=order.pk).update(traced_at=timezone.now())
            result.orders += 1
    return result


def trace_pull_task() -> dict:
    """The schedule's entry (django-q2)."""
    result = trace_pull()
    return {"orders": result.orders, "steps": result.steps, "errors": result.errors}
