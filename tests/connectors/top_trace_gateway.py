"""The local TOP gateway with the logistics trace (``taobao.logistics.trace.search``) the prevention pull
reads: the same signing, session and error checks as ``TopGateway``, then the trace of the order (tid)."""

from __future__ import annotations

from tests.connectors.top_gateway import TopGateway, _error

TRACE_METHOD = "taobao.logistics.trace.search"


class TopTraceGateway(TopGateway):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.traces: dict[str, list[tuple[str, str, str]]] = {}  # tid -> [(status_time, status_desc, action)]

    def add_trace(self, tid: str, steps: list[tuple[str, str, str]], *, company="中通快递", out_sid="ZT1"):
        with self.lock:
            self.traces[str(tid)] = steps
            self.companies = {**getattr(self, "companies", {}), str(tid): (company, out_sid)}

    def answer(self, params: dict[str, str]):
        answer = super().answer(params)
        if params.get("method") != TRACE_METHOD or answer != _error(22, "Invalid method"):
            return answer  # a refusal of the shared checks (signature, session, rate limit) or another method
        with self.lock:
            tid = params.get("tid", "")
            if tid not in self.traces:
                return _error(15, "Remote service error", "isv.logistics-trace-not-exist", "物流信息不存在")
            company, out_sid = self.companies[tid]
            body = {"tid": int(tid) if tid.isdigit() else tid, "company_name": company, "out_sid": out_sid}
            steps = [
                {"status_time": at, "status_desc": desc, "action": action}
                for at, desc, action in self.traces[tid]
            ]
            if steps:  # TOP leaves an empty list out
                body["trace_list"] = {"transit_step_info": steps}
            return {"logistics_trace_search_response": body}
