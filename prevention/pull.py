"""The hourly logistics trace pull (a django-q2 schedule): for each shop with an enabled Taobao/Tmall
connector, the orders on their way whose trace was read longest ago (at most ``PER_SHOP`` a run) are asked
of TOP (``connectors.platforms.top_logistics``) and their steps recorded
(``prevention.orders.order_record_traces``: a step seen before adds nothing, so a rerun or a second
cluster writes nothing twice). A platform error stops that shop's run (a rate limit, a revoked session);
the next run goes on from the orders still least recently read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from connectors.platforms.base import PlatformError
from prevention.choices import OrderStatus
from prevention.models import Order
from prevention.orders import TraceStep, order_record_traces

logger = logging.getLogger(__name__)
PER_SHOP = 200
TOP_PLATFORMS = ("taobao", "tmall")


@dataclass
class PullResult:
    orders: int = 0
    steps: int = 0
    errors: int = 0


def _client(connector, *, timeout=None):
    from connectors.platforms.base import Credentials
    from connectors.platforms.top_logistics import TopLogisticsClient

    return TopLogisticsClient(
        gateway_url=connector.gateway_url,
        credentials=Credentials(
            app_key=connector.app_key,
            app_secret=connector.app_secret,
            session_key=connector.session_key,
            sign_method=connector.sign_method,
            refresh_token=connector.refresh_token,
            sign_secret=connector.sign_secret,
        ),
        api=connector.api,
        timeout=timeout,
    )


def trace_pull(*, shop_ids=None, per_shop: int = PER_SHOP) -> PullResult:
    from connectors.models import Connector

    result = PullResult()
    connectors = Connector.objects.filter(enabled=True, platform__in=TOP_PLATFORMS).select_related("shop")
    if shop_ids is not None:
        connectors = connectors.filter(shop_id__in=shop_ids)
    for connector in connectors:
        orders = Order.objects.filter(shop_id=connector.shop_id, status=OrderStatus.IN_TRANSIT).order_by(
            F("traced_at").asc(nulls_first=True), "pk"
        )[:per_shop]
        client = _client(connector)
        for order in orders:
            try:
                trace = client.trace(order.order_no)
            except PlatformError as exc:
                logger.warning("trace pull of shop %s stopped: %s", connector.shop_id, exc)
                result.errors += 1
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
