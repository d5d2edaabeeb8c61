"""JD's (JOS) logistics trace of a parcel sent with 京东快递: ``jingdong.etms.trace.get`` (``waybillCode``,
the order's waybill number, the vendor's token). The answer, as JOS's SDKs give it:
``{"jingdong_etms_trace_get_responce": {"code": "0", "trace_api_dtos": [{"ope_title", "ope_remark",
"ope_time" ("yyyy/MM/dd HH:mm:ss", GMT+8), "ope_name", "waybill_code"}]}}``. Errors are JOS's
``error_response`` (``JdClient``'s mapping).

A step is delivered when its title is one of ``delivered_titles`` or its words say so
(``delivered_words``). Method, keys and words are the connector's ``api`` data (``logistics``).
"""

from __future__ import annotations

import datetime as dt

from connectors.platforms.base import AMBIGUOUS, PlatformError
from connectors.platforms.changed_orders import text
from connectors.platforms.jd import DEFAULT_API, JdClient, dig
from connectors.platforms.top import GMT8
from connectors.platforms.top_logistics import Trace, TraceStep, station_of

LOGISTICS_API = {
    "method": "jingdong.etms.trace.get",
    "response": ["jingdong_etms_trace_get_responce"],
    "steps": ["trace_api_dtos"],
    "time_formats": ["%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    "delivered_titles": ["妥投", "已签收"],
    "delivered_words": ["签收", "妥投"],
}
LOGISTICS_DEFAULT_API = {**DEFAULT_API, "logistics": LOGISTICS_API}


def _moment(value, formats) -> dt.datetime | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text(value), fmt).replace(tzinfo=GMT8)
        except ValueError:
            continue
    return None


class JdLogisticsClient(JdClient):
    """A JOS client that also reads a 京东快递 parcel's trace (by waybill: an order without one is not
    asked)."""

    DEFAULT_API = LOGISTICS_DEFAULT_API
    TRACE_BY_WAYBILL = True

    @property
    def logistics(self) -> dict:
        return self.api["logistics"]

    def trace(self, order_no: str, *, courier: str = "", tracking_no: str = "") -> Trace:
        api = self.logistics
        data = self.call(api["method"], {"waybillCode": tracking_no})
        body = dig(data, api["response"])
        if not isinstance(body, dict):
            raise PlatformError(AMBIGUOUS, f"{api['method']}: no response body")
        steps = []
        for raw in dig(body, api["steps"]) or []:
            if not isinstance(raw, dict):
                continue
            at = _moment(raw.get("ope_time"), api["time_formats"])
            if at is None:
                continue  # a step without a readable time cannot be ordered: skipped
            title, remark = text(raw.get("ope_title")), text(raw.get("ope_remark"))
            description = remark or title
            delivered = title in api["delivered_titles"] or any(
                w in f"{title} {remark}" for w in api["delivered_words"]
            )
            steps.append(
                TraceStep(
                    at=at, station=station_of(description), description=description, delivered=delivered
                )
            )
        return Trace(
            order_no=order_no,
            company=courier,
            tracking_no=tracking_no,
            steps=tuple(sorted(steps, key=lambda s: s.at)),
        )
