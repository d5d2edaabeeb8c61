"""抖店's orders of a shop, read incrementally by update time (the prevention pull).

- ``order.searchList`` (POST to ``/order/searchList``, signed like every 抖店 call):
  ``update_time_start``/``update_time_end`` (Unix seconds), ``order_by=update_time`` with
  ``order_asc=false`` (newest change first), ``page`` (from 0), ``size`` ≤ 100. The answer:
  ``{"code": 10000, "data": {"total", "page", "size", "shop_order_list": [{"order_id",
  "order_status", "pay_time", "update_time", "finish_time", "exp_ship_time", "logistics_info":
  [{"tracking_no", "company", "company_name", "ship_time"}], "sku_order_list": [{"product_id",
  "product_name", "spec": [{"name", "value"}], "after_sale_info": {"after_sale_status"}}]}]}}``; times
  are Unix seconds (0 when not yet). ``order_status``: 1 awaiting payment, 105 paid, 2 being packed,
  101 partly shipped, 3 shipped, 4 cancelled, 5 completed.
- ``afterSale.List`` (``/afterSale/List``): ``update_start_time``/``update_end_time`` (Unix seconds,
  inclusive) with ``order_by=["update_time desc"]`` (the guide: without it an update-time poll misses
  rows), ``page`` from 0, ``size`` ≤ 100; ``data.total``, ``data.items[]``: ``{"aftersale_info":
  {"aftersale_id", "aftersale_type", "aftersale_status", "update_time"}, "order_info":
  {"shop_order_id"}, "text_part": {"reason_text"}}``. ``aftersale_type`` 0 退货退款, 1 shipped 仅退款,
  2 unshipped 仅退款 (3 exchange and the others are not refunds: skipped); ``aftersale_status`` 12 is
  售后成功.
- ``exp_ship_time`` is the platform's latest shipping time: the order's ship-by (else the Douyin order
  mapping's ``ship_within_hours`` after payment); the first package's ``company_name`` and
  ``tracking_no`` are its courier and tracking number.

Method, parameters, answer keys and status words are the connector's ``api`` data (``trades`` and
``refunds``, merged over ``ORDERS_API`` and ``REFUNDS_API``). Signing and the error mapping are ``DouyinClient``'s.
"""

from __future__ import annotations

import datetime as dt

from connectors.platforms.base import AMBIGUOUS, Page, PlatformError
from connectors.platforms.changed_orders import ChangedOrders, present, text
from connectors.platforms.douyin import DEFAULT_API, DouyinClient
from connectors.platforms.jd import dig

ORDERS_API = {
    "method": "order.searchList",
    "params": {"order_by": "update_time", "order_asc": False},
    "start": "update_time_start",
    "end": "update_time_end",
    "first_page": 0,
    "list": ["data", "shop_order_list"],
    "total": ["data", "total"],
    "page_size": 100,
    "max_pages": 500,
    "window_hours": 24,
    "history_days": 90,
    # the platform's order_status -> prevention's OrderStatus; a status not named (unpaid) is skipped
    "statuses": {
        "105": "awaiting_shipment",
        "2": "awaiting_shipment",
        "101": "in_transit",
        "3": "in_transit",
        "5": "delivered",
        "4": "closed",
    },
}
REFUNDS_API = {
    "method": "afterSale.List",
    "params": {"order_by": ["update_time desc"]},
    "start": "update_start_time",
    "end": "update_end_time",
    "first_page": 0,
    "list": ["data", "items"],
    "total": ["data", "total"],
    "order_no": ["order_info", "shop_order_id"],
    "reason": ["text_part", "reason_text"],
    "type": ["aftersale_info", "aftersale_type"],
    "status": ["aftersale_info", "aftersale_status"],
    "modified": ["aftersale_info", "update_time"],
    "page_size": 100,
    "max_pages": 500,
    "window_hours": 24,
    "history_days": 90,
    "refund_types": ["0", "1", "2"],  # the after-sales that are refunds; the others are skipped
    "goods_returned_types": ["0"],  # 退货退款
    "success": ["12"],  # 售后成功: an after-sale of the order
}
ORDERS_DEFAULT_API = {**DEFAULT_API, "trades": ORDERS_API, "refunds": REFUNDS_API}


def unix(value) -> dt.datetime | None:
    """Unix seconds as an aware moment; None for 0, empty or unreadable."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(number, dt.UTC) if number > 0 else None


def spec_text(spec) -> str:
    """``[{"name": "颜色", "value": "红"}, …]`` as "颜色:红;…" (the export's way); a text as it is."""
    if isinstance(spec, list):
        return ";".join(
            f"{text(s.get('name'))}:{text(s.get('value'))}".strip(":") for s in spec if isinstance(s, dict)
        )
    return text(spec)


class DouyinOrdersClient(ChangedOrders, DouyinClient):
    """A 抖店 client that also reads the shop's changed orders."""

    DEFAULT_API = ORDERS_DEFAULT_API

    def _orders_page(self, api: dict, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        size = self._size(api)
        data = self.call(
            api["method"],
            {
                **api["params"],
                api["start"]: int(start.timestamp()),
                api["end"]: int(end.timestamp()),
                "page": page_no - 1 + int(api["first_page"]),
                "size": size,
            },
        )
        if not isinstance(dig(data, api["list"][:1]), dict):
            raise PlatformError(AMBIGUOUS, f"{api['method']}: no data")
        return self._counted_page(dig(data, api["list"]), dig(data, api["total"]), page_no=page_no, size=size)

    def to_order(self, raw: dict) -> dict | None:
        """An order as ``Order`` values; None for a status not in ``statuses`` or without a number."""
        api = self.api["trades"]
        status = api["statuses"].get(text(raw.get("order_status")))
        number = text(raw.get("order_id"))
        if not status or not number:
            return None
        sku = next((s for s in raw.get("sku_order_list") or [] if isinstance(s, dict)), {})
        parcels = [p for p in raw.get("logistics_info") or [] if isinstance(p, dict)]
        parcel = next((p for p in parcels if text(p.get("tracking_no"))), {})
        values = {
            "order_no": number,
            "status": status,
            "item_id": text(sku.get("product_id"))[:64],
            "item_title": text(sku.get("product_name"))[:255],
            "sku": spec_text(sku.get("spec"))[:255],
            "courier": text(parcel.get("company_name") or parcel.get("company"))[:64],
            "tracking_no": text(parcel.get("tracking_no"))[:64],
            "paid_at": unix(raw.get("pay_time")),
            "shipped_at": unix(parcel.get("ship_time")) or unix(raw.get("ship_time")),
            "ship_by": unix(raw.get("exp_ship_time")),
        }
        if status == "delivered":
            values["delivered_at"] = unix(raw.get("finish_time"))
        return present(values)

    def to_refund(self, raw: dict) -> dict | None:
        """An after-sale as ``{"order_no", "reason", "success", "goods_returned", "modified"}``; None for one
        that is not a refund (an exchange, a price protection …) or without an order number."""
        api = self.api["refunds"]
        number = text(dig(raw, api["order_no"]))
        kind = text(dig(raw, api["type"]))
        if not number or kind not in [str(t) for t in api["refund_types"]]:
            return None
        return {
            "order_no": number,
            "reason": text(dig(raw, api["reason"]))[:255],
            "success": text(dig(raw, api["status"])) in [str(s) for s in api["success"]],
            "goods_returned": kind in [str(t) for t in api["goods_returned_types"]],
            "modified": unix(dig(raw, api["modified"])),
        }
