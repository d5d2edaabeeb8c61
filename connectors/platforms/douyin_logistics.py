"""抖店's logistics trace of a parcel: ``logistics.trackNoRouteDetail`` (POST ``/logistics/trackNoRouteDetail``,
signed like every 抖店 call). Its parameters are the courier's code (``logistics_code``, the ``code`` of
``/order/logisticsCompanyList``) and the waybill number (``track_no``); it answers only waybills of 抖音's
electronic waybills that were sent back with the shipment (else 50002 ``isv.business-failed:10015``).

The answer, as the SDKs generated from the open platform's documentation give it: ``{"code": 10000,
"data": {"route_node_list": [{"content", "timestamp" (Unix seconds), "state", "state_description",
"site_name"}], "track_info": {"track_no", "express"}}}`` — the official Java and C# SDKs spell the list
``route__node_list``, so both keys are read (``steps``: the first present wins).

The order stores the courier's name (the order pull keeps ``company_name``): ``company_codes`` turns it
into the platform's code; a name not listed is sent as it is (an export or a deployer may store the code).
A step is delivered when its ``state`` is one of ``delivered_states`` or its words say so
(``delivered_words``). Method, keys, codes and words are the connector's ``api`` data (``logistics``).
"""

from __future__ import annotations

from connectors.platforms.base import AMBIGUOUS, PlatformError
from connectors.platforms.changed_orders import text
from connectors.platforms.douyin import DEFAULT_API, DouyinClient
from connectors.platforms.douyin_orders import unix
from connectors.platforms.jd import dig
from connectors.platforms.top_logistics import Trace, TraceStep, station_of

LOGISTICS_API = {
    "method": "logistics.trackNoRouteDetail",
    "steps": [["data", "route_node_list"], ["data", "route__node_list"]],
    "track_info": ["data", "track_info"],
    # the courier's name on the order -> its code in /order/logisticsCompanyList
    "company_codes": {
        "中通快递": "zhongtong",
        "圆通速递": "yuantong",
        "申通快递": "shentong",
        "韵达快递": "yunda",
        "顺丰速运": "shunfeng",
        "极兔速递": "jtexpress",
        "邮政快递包裹": "youzhengguonei",
        "EMS": "ems",
        "京东快递": "jd",
    },
    "delivered_states": [],  # the state codes of a delivered parcel, as the enumeration page lists them
    "delivered_words": ["签收"],
}
LOGISTICS_DEFAULT_API = {**DEFAULT_API, "logistics": LOGISTICS_API}


class DouyinLogisticsClient(DouyinClient):
    """A 抖店 client that also reads a parcel's trace (by waybill: an order without one is not asked)."""

    DEFAULT_API = LOGISTICS_DEFAULT_API
    TRACE_BY_WAYBILL = True

    @property
    def logistics(self) -> dict:
        return self.api["logistics"]

    def trace(self, order_no: str, *, courier: str = "", tracking_no: str = "") -> Trace:
        api = self.logistics
        code = text(api["company_codes"].get(courier, courier))
        data = self.call(api["method"], {"logistics_code": code, "track_no": tracking_no})
        body = data.get("data")
        if not isinstance(body, dict):
            raise PlatformError(AMBIGUOUS, f"{api['method']}: no data")
        raws = next((r for r in (dig(data, path) for path in api["steps"]) if isinstance(r, list)), [])
        states = {str(s) for s in api["delivered_states"]}
        steps = []
        for raw in raws:
            if not isinstance(raw, dict):
                continue
            at = unix(raw.get("timestamp"))
            if at is None:
                continue  # a step without a readable time cannot be ordered: skipped
            description = text(raw.get("content"))
            words = f"{description} {text(raw.get('state_description'))}"
            delivered = text(raw.get("state")) in states or any(w in words for w in api["delivered_words"])
            station = text(raw.get("site_name")) or station_of(description)
            steps.append(
                TraceStep(at=at, station=station[:128], description=description, delivered=delivered)
            )
        info = dig(data, api["track_info"])
        info = info if isinstance(info, dict) else {}
        return Trace(
            order_no=order_no,
            company=courier,
            tracking_no=text(info.get("track_no")) or tracking_no,
            steps=tuple(sorted(steps, key=lambda s: s.at)),
        )
