"""TOP's orders and refunds of a seller, read incrementally by modified time (the prevention pull).

- ``taobao.trades.sold.increment.get``: the trades whose modified time is in [start_modified,
  end_modified] (at most one day apart; the last three months only), newest change first, ``page_no`` /
  ``page_size`` (≤ 100) with ``use_has_next=true`` (the answer carries ``has_next`` instead of a total).
  The answer: ``{"trades_sold_increment_get_response": {"has_next", "trades": {"trade": [{"tid",
  "status", "buyer_nick", "pay_time", "consign_time", "end_time", "modified", "orders": {"order":
  [{"oid", "num_iid", "title", "sku_properties_name", "refund_status", "logistics_company",
  "invoice_no", "consign_time", "consign_due_time"}]}}]}}}`` — an empty list is left out; times are
  "yyyy-MM-dd HH:mm:ss" in GMT+8. ``consign_due_time`` is the seller's shipping promise: ``1_<time>``
  (a moment) or ``2_<days>`` (days after payment).
- ``taobao.refunds.receive.get``: the refunds the seller received, by modified time, the same paging
  (``page_size`` ≤ 100, ``use_has_next``); ``{"refunds_receive_get_response": {"has_next", "refunds":
  {"refund": [{"refund_id", "tid", "oid", "status", "reason", "has_good_return", "modified",
  "refund_fee"}]}}}``. ``status``: WAIT_SELLER_AGREE, WAIT_BUYER_RETURN_GOODS, WAIT_SELLER_CONFIRM_GOODS,
  SELLER_REFUSE_BUYER, CLOSED, SUCCESS.

The method names, fields, answer keys and the status words are the connector's ``api`` data (``trades``
and ``refunds``, merged over ``TRADES_API``), like the review methods: a deployer corrects them in the
admin. An order of several items is one ``Order`` with its first item (as the export's first row).
Signing, the counted call and the error mapping are ``TopClient``'s.
"""

from __future__ import annotations

import datetime as dt
import re

from connectors.platforms.base import AMBIGUOUS, Page, PlatformError
from connectors.platforms.changed_orders import ChangedOrders, gmt8, text
from connectors.platforms.top import DEFAULT_API, TopClient, _dig, top_time

TRADES_API = {
    "method": "taobao.trades.sold.increment.get",
    "fields": (
        "tid,status,buyer_nick,pay_time,consign_time,end_time,modified,orders.oid,orders.num_iid,"
        "orders.title,orders.sku_properties_name,orders.refund_status,orders.logistics_company,"
        "orders.invoice_no,orders.consign_time,orders.consign_due_time"
    ),
    "list": ["trades_sold_increment_get_response", "trades", "trade"],
    "has_next": ["trades_sold_increment_get_response", "has_next"],
    "sub_orders": ["orders", "order"],
    "page_size": 100,
    "max_pages": 500,  # a safety stop: a day of one shop's changes beyond 50,000 trades is not expected
    "window_hours": 24,
    "history_days": 90,
    # the platform's trade status -> prevention's OrderStatus; a status not named (not paid yet) is skipped
    "statuses": {
        "WAIT_SELLER_SEND_GOODS": "awaiting_shipment",
        "SELLER_CONSIGNED_PART": "in_transit",
        "WAIT_BUYER_CONFIRM_GOODS": "in_transit",
        "TRADE_BUYER_SIGNED": "delivered",
        "TRADE_FINISHED": "delivered",
        "TRADE_CLOSED": "closed",
        "TRADE_CLOSED_BY_TAOBAO": "closed",
    },
}
REFUNDS_API = {
    "method": "taobao.refunds.receive.get",
    "fields": "refund_id,tid,oid,status,reason,has_good_return,modified,refund_fee",
    "list": ["refunds_receive_get_response", "refunds", "refund"],
    "has_next": ["refunds_receive_get_response", "has_next"],
    "page_size": 100,
    "max_pages": 500,
    "window_hours": 24,
    "history_days": 90,
    "success": ["SUCCESS"],  # a refund in these states is an after-sale of the order
}
TRADES_DEFAULT_API = {**DEFAULT_API, "trades": TRADES_API, "refunds": REFUNDS_API}
_DUE = re.compile(r"^\s*([12])_(.+?)\s*$")


def ship_promise(due, paid_at: dt.datetime | None) -> dt.datetime | None:
    """The moment ``consign_due_time`` promises: ``1_<time>`` that moment, ``2_<days>`` that many days
    after payment; None when absent or unreadable."""
    match = _DUE.match(str(due or ""))
    if not match:
        return None
    kind, value = match.groups()
    if kind == "1":
        return gmt8(value)
    try:
        days = float(value)
    except ValueError:
        return None
    return paid_at + dt.timedelta(days=days) if paid_at and days >= 0 else None


class TopTradesClient(ChangedOrders, TopClient):
    """A TOP client that also reads the seller's changed trades and refunds."""

    DEFAULT_API = TRADES_DEFAULT_API

    def _orders_page(self, api: dict, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        size = self._size(api)
        data = self.call(
            api["method"],
            {
                "fields": api["fields"],
                "start_modified": top_time(start),
                "end_modified": top_time(end),
                "page_no": page_no,
                "page_size": size,
                "use_has_next": "true",
            },
        )
        if not isinstance(_dig(data, api["list"][:1]), dict):
            raise PlatformError(AMBIGUOUS, f"{api['method']}: no response body")
        items = _dig(data, api["list"]) or []
        has_next = _dig(data, api["has_next"])
        return Page(
            items=[i for i in items if isinstance(i, dict)],
            has_next=has_next is True or str(has_next).lower() == "true",
        )

    # --- the platform's rows as prevention's values ----------------------------------------------------
    def to_order(self, raw: dict) -> dict | None:
        """A trade as ``Order`` values (``order_no``, ``status``, …, ``ship_by`` when promised); None for a
        trade not paid yet (its status is not in ``statuses``) or without a number."""
        api = self.api["trades"]
        status = api["statuses"].get(text(raw.get("status")))
        number = text(raw.get("tid"))
        if not status or not number:
            return None
        subs = _dig(raw, api["sub_orders"]) or []
        first = next((s for s in subs if isinstance(s, dict)), {})
        paid_at = gmt8(raw.get("pay_time"))
        values = {
            "order_no": number,
            "status": status,
            "buyer_nick": text(raw.get("buyer_nick"))[:100],
            "item_id": text(first.get("num_iid"))[:64],
            "item_title": text(first.get("title"))[:255],
            "sku": text(first.get("sku_properties_name"))[:255],
            "courier": text(first.get("logistics_company"))[:64],
            "tracking_no": text(first.get("invoice_no"))[:64],
            "paid_at": paid_at,
            "shipped_at": gmt8(first.get("consign_time")) or gmt8(raw.get("consign_time")),
            "ship_by": ship_promise(first.get("consign_due_time"), paid_at),
        }
        if status == "delivered":
            values["delivered_at"] = gmt8(raw.get("end_time"))
        return {k: v for k, v in values.items() if v not in (None, "")}

    def to_refund(self, raw: dict) -> dict | None:
        """A refund as ``{"order_no", "reason", "success", "goods_returned", "modified"}``; None without a
        trade number."""
        number = text(raw.get("tid"))
        if not number:
            return None
        returned = raw.get("has_good_return")
        return {
            "order_no": number,
            "reason": text(raw.get("reason"))[:255],
            "success": text(raw.get("status")) in self.api["refunds"]["success"],
            "goods_returned": returned is True or str(returned).lower() == "true",
            "modified": gmt8(raw.get("modified")),
        }
