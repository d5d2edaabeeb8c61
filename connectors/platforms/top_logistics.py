"""TOP's logistics trace of an order: ``taobao.logistics.trace.search`` (tid = the order number; a seller's
session). The answer, as the open platform documents it:

``{"logistics_trace_search_response": {"out_sid", "company_name", "tid", "status",
"trace_list": {"transit_step_info": [{"status_time": "yyyy-MM-dd HH:mm:ss" (GMT+8), "status_desc",
"action"}]}}}`` — an empty list is left out. The method's name and the answer's keys are the connector's
``api`` data (``logistics``), like the review methods; a deployer corrects them in the admin.

Used by ``prevention.pull`` (the hourly trace pull); the signing, the counted call and the error mapping
are ``TopClient``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from connectors.platforms.base import AMBIGUOUS, PlatformError
from connectors.platforms.top import DEFAULT_API, GMT8, TopClient, _dig

LOGISTICS_API = {
    "method": "taobao.logistics.trace.search",
    "response": ["logistics_trace_search_response"],
    "steps": ["trace_list", "transit_step_info"],
    "delivered_actions": ["SIGNED", "SIGN", "TMS_SIGN"],
    "delivered_words": ["签收"],
}
_BRACKETED = re.compile(r"【([^】]{1,60})】")
_NAMED = re.compile(r"(?:到达|离开|在)\s*([^\s，,。【】]{2,40}?)(?:进行|，|,|。|\s|$)")


@dataclass(frozen=True)
class TraceStep:
    at: dt.datetime
    station: str
    description: str
    delivered: bool


@dataclass(frozen=True)
class Trace:
    order_no: str
    company: str
    tracking_no: str
    steps: tuple[TraceStep, ...]


def station_of(description: str) -> str:
    """The station a step names: 【杭州转运中心】, or what follows 到达/离开/在 (else empty)."""
    match = _BRACKETED.search(description or "") or _NAMED.search(description or "")
    return match.group(1).strip() if match else ""


class TopLogisticsClient(TopClient):
    """A TOP client that also reads an order's logistics trace. ``logistics`` is one of its defaults, so
    a connector's ``api`` overrides it key by key (``merged_api`` drops keys the defaults lack)."""

    DEFAULT_API = {**DEFAULT_API, "logistics": LOGISTICS_API}

    @property
    def logistics(self) -> dict:
        return self.api["logistics"]

    def trace(self, order_no: str) -> Trace:
        api = self.logistics
        data = self.call(api["method"], {"tid": order_no})
        body = _dig(data, api["response"])
        if not isinstance(body, dict):
            raise PlatformError(AMBIGUOUS, "logistics trace: no response body")
        steps = []
        for raw in _dig(body, api["steps"]) or []:
            if not isinstance(raw, dict):
                continue
            try:
                at = dt.datetime.strptime(str(raw.get("status_time", "")), "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=GMT8
                )
            except ValueError:
                continue  # a step without a readable time cannot be ordered: skipped
            description = str(raw.get("status_desc") or "").strip()
            action = str(raw.get("action") or "").upper()
            delivered = action in api["delivered_actions"] or any(
                w in description for w in api["delivered_words"]
            )
            steps.append(
                TraceStep(
                    at=at, station=station_of(description), description=description, delivered=delivered
                )
            )
        return Trace(
            order_no=str(body.get("tid") or order_no),
            company=str(body.get("company_name") or ""),
            tracking_no=str(body.get("out_sid") or ""),
            steps=tuple(sorted(steps, key=lambda s: s.at)),
        )
