"""JD's (JOS) orders of a vendor, read incrementally by modified time (the prevention pull).

- ``jingdong.pop.order.enSearch`` (the successor of ``jingdong.pop.order.search``, the same parameters
  and answer, its personal data encrypted): ``start_date``/``end_date`` ("yyyy-MM-dd HH:mm:ss", GMT+8),
  ``dateType=0`` (by modified time; 1 is by creation), ``sortType=1`` (newest first), ``order_state``
  (the states asked, comma-separated: required), ``optional_fields``, ``page`` (from 1), ``page_size``
  ≤ 100. The answer: ``{"jingdong_pop_order_enSearch_responce": {"code": "0",
  "searchorderinfo_result": {"apiResult": {"success", "chineseErrCode", "englishErrCode"},
  "orderTotal": N, "orderInfoList": [{"orderId", "orderState", "orderStartTime",
  "paymentConfirmTime", "orderEndTime", "modified", "logisticsId", "waybill", "itemInfoList":
  [{"wareId", "skuId", "skuName", …}]}]}}}``; times "yyyy-MM-dd HH:mm:ss" GMT+8. ``apiResult.success``
  false is a refused call even when the gateway answered. Updates by modified time reach three months
  back.
- JD gives the courier as its logistics company id (``logisticsId``): ``couriers`` names the ids a shop
  uses (the id itself is kept when it is not named); ``waybill`` is the tracking number. The search
  carries no shipping promise: ship-by is the JD order mapping's ``ship_within_hours`` after payment.

Method, parameters, answer keys and the state words are the connector's ``api`` data (``trades``, merged
over ``ORDERS_API``): a deployer corrects them in the admin. Signing and the error mapping are
``JdClient``'s. An order of several items is one ``Order`` with its first item.
"""

from __future__ import annotations

import datetime as dt

from connectors.platforms.base import AMBIGUOUS, REFUSED, Page, PlatformError
from connectors.platforms.changed_orders import ChangedOrders, gmt8, present, text
from connectors.platforms.jd import DEFAULT_API, JdClient, dig, scrubbed
from connectors.platforms.top import top_time

RESPONSE = "jingdong_pop_order_enSearch_responce"
RESULT = [RESPONSE, "searchorderinfo_result"]
ORDERS_API = {
    "method": "jingdong.pop.order.enSearch",
    "params": {
        "dateType": 0,
        "sortType": 1,
        "order_state": "WAIT_SELLER_STOCK_OUT,WAIT_SELLER_DELIVERY,WAIT_GOODS_RECEIVE_CONFIRM,FINISHED_L,"
        "TRADE_CANCELED",
        "optional_fields": "orderId,orderState,orderStartTime,paymentConfirmTime,orderEndTime,modified,"
        "logisticsId,waybill,itemInfoList",
    },
    "list": [*RESULT, "orderInfoList"],
    "total": [*RESULT, "orderTotal"],
    "api_result": [*RESULT, "apiResult"],
    "items": "itemInfoList",
    "page_size": 100,
    "max_pages": 500,  # a safety stop: 50,000 changed orders of one shop in a day are not expected
    "window_hours": 24,
    "history_days": 90,
    # the platform's order state -> prevention's OrderStatus; a state not named is skipped
    "statuses": {
        "WAIT_SELLER_STOCK_OUT": "awaiting_shipment",
        "WAIT_SELLER_DELIVERY": "awaiting_shipment",
        "WAIT_GOODS_RECEIVE_CONFIRM": "in_transit",
        "FINISHED_L": "delivered",
        "TRADE_CANCELED": "closed",
    },
    "couriers": {},  # logisticsId -> the courier's name as the late-parcel policy names it
}
ORDERS_DEFAULT_API = {**DEFAULT_API, "trades": ORDERS_API}


class JdOrdersClient(ChangedOrders, JdClient):
    """A JOS client that also reads the vendor's changed orders."""

    DEFAULT_API = ORDERS_DEFAULT_API

    def _orders_page(self, api: dict, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        size = self._size(api)
        data = self.call(
            api["method"],
            {
                **api["params"],
                "start_date": top_time(start),
                "end_date": top_time(end),
                "page": str(page_no),
                "page_size": str(size),
            },
        )
        if not isinstance(dig(data, api["list"][:2]), dict):
            raise PlatformError(AMBIGUOUS, f"{api['method']}: no search result")
        result = dig(data, api["api_result"])
        if isinstance(result, dict) and result.get("success") is False:
            code = text(result.get("englishErrCode"))
            message = scrubbed(f"{code} {text(result.get('chineseErrCode'))}".strip(), self.credentials)
            raise PlatformError(REFUSED, message[:480], code=code)
        return self._counted_page(dig(data, api["list"]), dig(data, api["total"]), page_no=page_no, size=size)

    def to_order(self, raw: dict) -> dict | None:
        """An order as ``Order`` values; None for a state not in ``statuses`` or without a number."""
        api = self.api["trades"]
        status = api["statuses"].get(text(raw.get("orderState")))
        number = text(raw.get("orderId"))
        if not status or not number:
            return None
        items = raw.get(api["items"]) or []
        first = next((i for i in items if isinstance(i, dict)), {})
        courier = text(raw.get("logisticsId"))
        values = {
            "order_no": number,
            "status": status,
            "item_id": text(first.get("skuId") or first.get("wareId"))[:64],
            "item_title": text(first.get("skuName"))[:255],
            "courier": text(api["couriers"].get(courier, courier))[:64],
            "tracking_no": text(raw.get("waybill")).split(",")[0].strip()[:64],
            "paid_at": gmt8(raw.get("paymentConfirmTime")),
        }
        if status == "delivered":
            values["delivered_at"] = gmt8(raw.get("orderEndTime"))
        return present(values)
