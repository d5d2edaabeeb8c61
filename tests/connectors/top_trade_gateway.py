"""The local TOP gateway with the seller's trades and refunds the prevention order pull reads: the same
signing, timestamp, session, rate-limit and error checks as ``TopGateway``, then, as the open platform
documents them:

- ``taobao.trades.sold.increment.get``: ``fields`` required; ``start_modified``/``end_modified``
  ("yyyy-MM-dd HH:mm:ss", GMT+8) required, at most one day apart (else isv.invalid-parameter);
  ``page_no`` ≥ 1, ``page_size`` 1–100; the trades of the caller's session modified in the window
  (inclusive), newest change first; ``use_has_next=true`` answers ``has_next`` and no total, otherwise
  ``total_results``; only the requested fields (``orders.x`` picks a sub-order field); an empty list is
  left out;
- ``taobao.refunds.receive.get``: the same window and paging over the refunds (page_size ≤ 100), in
  ``refunds_receive_get_response.refunds.refund``.

Knob: ``ban_after`` (answer the trade/refund list calls after that many with the rate-limit error 7, to
stop a pull in the middle of a window); ``windows(method)`` lists the windows and pages asked.
"""

from __future__ import annotations

import datetime as dt

from tests.connectors.top_gateway import FMT, GMT8, TopGateway, _error

TRADES = "taobao.trades.sold.increment.get"
REFUNDS = "taobao.refunds.receive.get"


def top_moment(moment: dt.datetime) -> str:
    return moment.astimezone(GMT8).strftime(FMT)


class TopTradeGateway(TopGateway):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trades: dict[str, dict] = {}  # tid -> the platform's record (with "_session", "_modified")
        self.refunds: dict[str, dict] = {}  # refund_id -> record
        self.ban_after: int | None = None

    # --- data ---------------------------------------------------------------------------------------
    def add_trade(
        self,
        tid,
        *,
        modified: dt.datetime,
        status="WAIT_SELLER_SEND_GOODS",
        paid: dt.datetime | None = None,
        session: str | None = None,
        items=(("6001", "纯棉四件套", "颜色:米白;尺码:1.8m"),),
        **extra,
    ) -> dict:
        """A trade (created or changed at ``modified``); ``extra`` sets trade fields, and ``order_extra``
        (a dict) the first sub-order's."""
        order_extra = extra.pop("order_extra", {})
        orders = [
            {"oid": int(f"{tid}{n}"), "num_iid": int(num_iid), "title": title, "sku_properties_name": sku}
            for n, (num_iid, title, sku) in enumerate(items, start=1)
        ]
        orders[0].update(order_extra)
        record = {
            "tid": int(tid),
            "status": status,
            "buyer_nick": extra.pop("buyer_nick", f"买家{tid}"),
            "pay_time": top_moment(paid or modified),
            "modified": top_moment(modified),
            "orders": {"order": orders},
            **extra,
            "_session": session or self.session,
        }
        with self.lock:
            self.trades[str(tid)] = record
        return record

    def add_refund(
        self,
        refund_id,
        tid,
        *,
        modified: dt.datetime,
        reason="质量问题",
        status="SUCCESS",
        has_good_return=True,
        session: str | None = None,
    ) -> dict:
        record = {
            "refund_id": str(refund_id),
            "tid": int(tid),
            "oid": int(f"{tid}1"),
            "status": status,
            "reason": reason,
            "has_good_return": has_good_return,
            "refund_fee": "59.00",
            "modified": top_moment(modified),
            "_session": session or self.session,
        }
        with self.lock:
            self.refunds[str(refund_id)] = record
        return record

    def windows(self, method: str) -> list[tuple[str, str, str]]:
        """(start_modified, end_modified, page_no) of every call of ``method``."""
        return [
            (p.get("start_modified", ""), p.get("end_modified", ""), p.get("page_no", ""))
            for m, p in self.calls
            if m == method
        ]

    # --- the protocol ----------------------------------------------------------------------------------
    def answer(self, params: dict[str, str]):
        if params.get("method") in (TRADES, REFUNDS) and self.ban_after is not None:
            with self.lock:
                if sum(1 for m, _p in self.calls if m in (TRADES, REFUNDS)) >= self.ban_after:
                    self.ban_calls = max(self.ban_calls, 1)
        answer = super().answer(params)
        method = params.get("method")
        if method not in (TRADES, REFUNDS) or answer != _error(22, "Invalid method"):
            return answer  # a refusal of the shared checks (signature, session, rate limit) or another method
        with self.lock:
            if method == TRADES:
                return self._list(
                    params, self.trades, "trades_sold_increment_get_response", "trades", "trade"
                )
            return self._list(params, self.refunds, "refunds_receive_get_response", "refunds", "refund")

    def _list(self, p, records: dict, response: str, wrapper: str, item: str):
        if not p.get("fields"):
            return _error(40, "Missing required arguments:fields")
        try:
            start = dt.datetime.strptime(p.get("start_modified", ""), FMT)
            end = dt.datetime.strptime(p.get("end_modified", ""), FMT)
        except ValueError:
            return _error(41, "Invalid arguments:start_modified/end_modified")
        if end < start or end - start > dt.timedelta(days=1):
            return _error(15, "Remote service error", "isv.invalid-parameter", "查询时间跨度不能超过一天")
        try:
            page_no, page_size = int(p.get("page_no", 1)), int(p.get("page_size", 40))
        except ValueError:
            return _error(41, "Invalid arguments:page_no/page_size")
        if page_no < 1 or not 1 <= page_size <= 100:
            return _error(15, "Remote service error", "isv.invalid-parameter", "page_size/page_no")
        low, high = start.strftime(FMT), end.strftime(FMT)
        rows = [r for r in records.values() if r["_session"] == p["session"] and low <= r["modified"] <= high]
        rows.sort(key=lambda r: (r["modified"], str(r.get("tid"))), reverse=True)
        page = rows[(page_no - 1) * page_size : page_no * page_size]
        fields = {f.strip() for f in p["fields"].split(",")}
        body: dict = {}
        if p.get("use_has_next") == "true":
            body["has_next"] = page_no * page_size < len(rows)
        else:
            body["total_results"] = len(rows)
        if page:
            body[wrapper] = {item: [self._pick(r, fields) for r in page]}
        return {response: body}

    @staticmethod
    def _pick(record: dict, fields: set[str]) -> dict:
        picked = {k: v for k, v in record.items() if k in fields and not k.startswith("_")}
        sub_fields = {f.split(".", 1)[1] for f in fields if f.startswith("orders.")}
        if "orders" in record and (sub_fields or "orders" in fields):
            picked["orders"] = {
                "order": [
                    {k: v for k, v in o.items() if "orders" in fields or k in sub_fields}
                    for o in record["orders"]["order"]
                ]
            }
        return picked
