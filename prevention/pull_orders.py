"""The incremental order and refund pull (a django-q2 schedule): for each shop with an enabled connector
of a platform with an orders client (``ORDER_CLIENTS``: Taobao/Tmall through TOP's
``connectors.platforms.top_trades``, 抖店 ``douyin_orders``, JD ``jd_orders``), the trades and then the
refunds modified since the connector's cursor (``OrderPullCursor``, one per kind) are asked of the
platform, a window of at most a day at a time (TOP's limit), every page of it. A kind the client's
``api`` does not name is not read (JD: orders only, no refund reasons yet).

- **Trades** go through the export import's upsert (``prevention.orders.orders_store``, source
  ``connector``): an order seen before (pulled or imported) is updated in place, never duplicated; a
  delivered order does not go back. ``ship_by`` is the platform's promise when the trade has one, else
  payment plus the platform's order mapping's ``ship_within_hours`` — and then only where the order has
  no ship-by yet (an export's promise stays).
- **Refunds** record on their order (same shop, trade number) the buyer's reason, its category (by the
  shop's reason rules, ``prevention.reasons``, read once per shop) and, once the refund succeeded, the
  after-sale (退货退款 when goods went back, else 仅退款). A refund of an order not stored yet is counted
  and left (its trade arrives with the backfill or the export).

Each window is one transaction holding the cursor row's lock (``SELECT … FOR UPDATE SKIP LOCKED``): its
orders and the cursor's move to the window's end commit together, and a second cluster skips the shop
while the window runs (and stops when it finds the cursor moved), so nothing is written twice. The first
window starts ``overlap_minutes`` before the cursor (changes the platform indexed late), or
``backfill_days`` ago on the first pull. A platform error (rate limit, revoked session, …) rolls the
window back and stops that shop's run, its cursor where the last whole window left it. The refunds are
read only after the trades up to the same moment (a refund changes its trade, so its order is stored by
then): a run whose trades stopped or were taken by another cluster reads no refunds.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from connectors.platforms.base import PlatformError
from prevention.choices import AfterSale, OrderSource, PullKind
from prevention.models import Order, OrderPullCursor
from prevention.orders import OrderImportResult, mappings_for, orders_store
from prevention.reasons import reason_kind, reason_rules

logger = logging.getLogger(__name__)
DEFAULT_SHIP_HOURS = 48


@dataclass
class OrderPullResult:
    shops: int = 0
    windows: int = 0
    trades: int = 0
    created: int = 0
    updated: int = 0
    refunds: int = 0
    reasons: int = 0
    unmatched: int = 0
    errors: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def order_clients() -> dict:
    """Platform -> its orders client (each answers ``window``, ``history``, ``changed`` and ``to_order``,
    TOP's ``to_refund`` too)."""
    from connectors.platforms.douyin_orders import DouyinOrdersClient
    from connectors.platforms.jd_orders import JdOrdersClient
    from connectors.platforms.top_trades import TopTradesClient

    return {
        "taobao": TopTradesClient,
        "tmall": TopTradesClient,
        "douyin": DouyinOrdersClient,
        "jd": JdOrdersClient,
    }


def _client(connector, *, clock=None, timeout=None):
    from connectors.platforms import client_for

    return client_for(
        connector, client_class=order_clients()[connector.platform], clock=clock, timeout=timeout
    )


def _ship_hours(shop) -> int:
    mapping = next(iter(mappings_for(shop.platform).values()), None)
    return mapping.ship_within_hours if mapping else DEFAULT_SHIP_HOURS


def _store_trades(connector, client, raws: list[dict], result: OrderPullResult, reasons) -> None:
    shop = connector.shop
    orders: dict[str, dict] = {}
    for raw in raws:
        values = client.to_order(raw)
        if values:  # newest change first: the first seen of a trade is its latest
            orders.setdefault(values["order_no"], values)
    result.trades += len(orders)
    if not orders:
        return
    hours = _ship_hours(shop)
    defaults = {
        number: {"ship_by": values["paid_at"] + dt.timedelta(hours=hours)}
        for number, values in orders.items()
        if "ship_by" not in values and values.get("paid_at")
    }
    stored = OrderImportResult()
    orders_store(shop, orders, stored, source=OrderSource.CONNECTOR, defaults=defaults)
    result.created += stored.created
    result.updated += stored.updated


def _store_refunds(connector, client, raws: list[dict], result: OrderPullResult, reasons) -> None:
    refunds = [r for r in (client.to_refund(raw) for raw in raws) if r]
    result.refunds += len(refunds)
    if not refunds:
        return
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    refunds.sort(key=lambda r: r["modified"] or epoch)  # the latest change of an order is applied last
    orders = {
        o.order_no: o
        for o in Order.objects.filter(
            shop_id=connector.shop_id, order_no__in={r["order_no"] for r in refunds}
        )
    }
    changed: dict[int, Order] = {}
    rules = reasons()
    for refund in refunds:
        order = orders.get(refund["order_no"])
        if order is None:
            result.unmatched += 1
            continue
        values = {}
        if refund["reason"]:
            values.update(
                after_sale_reason=refund["reason"],
                after_sale_reason_kind=reason_kind(refund["reason"], rules),
            )
        if refund["success"]:
            values["after_sale"] = AfterSale.RETURN if refund["goods_returned"] else AfterSale.REFUND
        for name, value in values.items():
            if getattr(order, name) != value:
                setattr(order, name, value)
                changed[order.pk] = order
    if changed:
        now = timezone.now()
        for order in changed.values():
            order.updated_at = now
        Order.objects.bulk_update(
            list(changed.values()),
            ["after_sale", "after_sale_reason", "after_sale_reason_kind", "updated_at"],
            batch_size=1000,
        )
    result.reasons += len(changed)


STORES = {PullKind.TRADES: _store_trades, PullKind.REFUNDS: _store_refunds}


def _pull_kind(connector, client, kind: str, now: dt.datetime, result: OrderPullResult, reasons) -> bool:
    """Pull ``kind`` up to ``now``; False when another cluster holds or moved the cursor (it pulls).
    ``reasons()``: the shop's after-sale reason rules (``prevention.reasons``), read once per shop."""
    cursor, _created = OrderPullCursor.objects.get_or_create(connector=connector, kind=kind)
    expected = cursor.cursor_at
    oldest = now - client.history(kind) + dt.timedelta(minutes=1)
    if expected is None:
        start = now - dt.timedelta(days=connector.backfill_days)
    else:
        start = expected - dt.timedelta(minutes=connector.overlap_minutes)
    start = max(start, oldest).replace(microsecond=0)
    step = client.window(kind)
    while start < now:
        end = min(start + step, now)
        with transaction.atomic():
            row = (
                OrderPullCursor.objects.select_for_update(skip_locked=True)
                .filter(pk=cursor.pk)
                .values_list("cursor_at", flat=True)
            )
            locked = list(row)
            if not locked or locked[0] != expected:
                result.skipped += 1  # another cluster holds this window, or has moved past it
                return False
            raws = client.changed(kind, start, end)  # a PlatformError rolls the window back
            STORES[kind](connector, client, raws, result, reasons)
            OrderPullCursor.objects.filter(pk=cursor.pk).update(cursor_at=end, updated_at=timezone.now())
        result.windows += 1
        expected, start = end, end
    return True


def order_pull(*, shop_ids=None, now: dt.datetime | None = None, clock=None) -> OrderPullResult:
    """Pull the changed trades, then refunds, of every shop connected to a platform with an orders client
    (or of ``shop_ids``)."""
    from connectors.models import Connector

    now = (now or timezone.now()).replace(microsecond=0)
    result = OrderPullResult()
    connectors = (
        Connector.objects.filter(enabled=True, platform__in=list(order_clients()))
        .exclude(backoff_until__gt=now)
        .select_related("shop")
        .order_by("pk")
    )
    if shop_ids is not None:
        connectors = connectors.filter(shop_id__in=shop_ids)
    for connector in connectors:
        client = _client(connector, clock=clock)
        result.shops += 1
        # Read at the shop's first window with refunds, then kept for its other windows.
        reasons = functools.cache(lambda shop=connector.shop: reason_rules(shop))
        for kind in [k for k in (PullKind.TRADES, PullKind.REFUNDS) if k in client.api]:
            try:
                if not _pull_kind(connector, client, kind, now, result, reasons):
                    break  # the other cluster pulls this shop; its refunds follow its trades
            except PlatformError as exc:
                logger.warning("order pull (%s) of shop %s stopped: %s", kind, connector.shop_id, exc)
                result.errors += 1
                break
    return result


def order_pull_task() -> dict:
    """The schedule's entry (django-q2)."""
    return order_pull().as_dict()
