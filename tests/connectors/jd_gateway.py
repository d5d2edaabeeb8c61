"""A local JD open platform (JOS) gateway for the tests: a real HTTP server on 127.0.0.1 that follows the
documentation of the calls the JD connector makes.

- ``/routerjson``: the system parameters ``method``, ``app_key``, ``access_token``, ``timestamp`` (GMT+8,
  refused when more than 6 minutes from the gateway's clock), ``v=2.0``, ``format=json``,
  ``sign_method=md5``, ``360buy_param_json``, ``sign`` — the signature is verified with the app's secret
  by ``_expected_sign`` below, written from the documentation (not imported from the connector);
- errors as ``{"error_response": {"code", "zh_desc", "en_desc"}}``: 2 App Call Limited, 8 Invalid
  Timestamp, 12 Invalid Signature, 19 Invalid access_token — whose ``zh_desc`` echoes the refused token,
  as some gateways do (the connector must not store it);
- ``getVenderCommentsForJos``: ``beginTime``/``endTime`` (inclusive, by ``creationTime``) or ``orderIds``
  (≤ 50), ``page`` ≥ 1, ``pageSize`` 1–50 (past a limit: an error, whose code the table does not name), ``score`` (0 all, 1 bad ≤ 2 stars, 2 neutral 3, 3 good ≥ 4);
  newest first; ``totalItem`` the window's count; a comment without replies has no ``replies`` key;
- ``saveReply``: ``commentId``, ``content`` (1–500 characters); the reply is stored under the comment
  (``replies``, ``isVenderReply``) and shown by the list; ``resultCode`` "1" when saved;
- ``/oauth2/refresh_token`` (JD's OAuth host, served here too): ``app_key``, ``app_secret``,
  ``grant_type=refresh_token``, ``refresh_token`` → a new access token (the old one stops working);
- ``jingdong.pop.order.enSearch``: ``start_date``/``end_date`` (GMT+8, inclusive, required),
  ``order_state`` (required, comma-separated: only those states are answered), ``dateType`` 0 by
  ``modified`` (1 by ``orderStartTime``), ``sortType`` 1 newest first, ``page`` ≥ 1, ``page_size``
  1–100; a missing or wrong argument is answered with ``apiResult.success`` false and its codes (the
  gateway's code "0"); ``orderTotal`` the window's count, ``orderInfoList`` the page;
- ``jingdong.etms.trace.get``: ``waybillCode`` (required: else 61 Invalid Arguments); the waybill's steps
  (``add_trace``) as ``trace_api_dtos`` (``ope_title``, ``ope_remark``, ``ope_time`` "yyyy/MM/dd
  HH:mm:ss", ``ope_name``, ``waybill_code``), an empty list for a waybill the gateway does not know.

Knobs: ``ban_calls`` (answer the next N calls with code 2), ``ban_after`` (code 2 for the order searches
after that many), ``tokens`` (other vendors' access tokens also accepted, each seeing its own orders),
``revoked``, ``lose_answer_of`` (apply the
next saveReply, then drop the connection), ``skew`` (the gateway's clock offset), ``calls`` (every
call's method and decoded business parameters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo

from tests.connectors.gateway_base import NOT_FOUND, LocalGateway, form_fields

GMT8 = zoneinfo.ZoneInfo("Asia/Shanghai")
FMT = "%Y-%m-%d %H:%M:%S"
LIST = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
REPLY = "jingdong.pop.PopCommentJsfService.saveReply"
ORDERS = "jingdong.pop.order.enSearch"
TRACE = "jingdong.etms.trace.get"


def _expected_sign(params: dict[str, str], secret: str) -> str:
    text = "".join(k + params[k] for k in sorted(params) if k != "sign" and params[k] != "")
    return hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest().upper()


def _error(code, zh, en):
    return {"error_response": {"code": str(code), "zh_desc": zh, "en_desc": en}}


def _wrap(method, body):
    return {method.replace(".", "_") + "_responce": {"code": "0", **body}}


class JdGateway(LocalGateway):
    def __init__(self, *, app_key="jd-app-key", secret="jd-app-secret", token="jd-access-token-1"):
        super().__init__()
        self.url, self.oauth_url = f"{self.base_url}/routerjson", f"{self.base_url}/oauth2/refresh_token"
        self.app_key, self.secret, self.token = app_key, secret, token
        self.refresh_token = "jd-refresh-token-1"
        self.comments: dict[str, dict] = {}  # commentId -> the platform's record
        self.orders: dict[tuple[str, str], dict] = {}  # (access token, orderId) -> the platform's record
        self.tokens: set[str] = set()
        self.ban_after: int | None = None
        self.traces: dict[str, list[dict]] = {}  # waybillCode -> the platform's steps

    def add_trace(self, waybill, steps):
        """A waybill's steps as (moment, title, remark)."""
        dtos = [
            {
                "ope_title": title,
                "ope_remark": remark,
                "ope_time": at.astimezone(GMT8).strftime("%Y/%m/%d %H:%M:%S"),
                "ope_name": "配送员",
                "waybill_code": str(waybill),
            }
            for at, title, remark in steps
        ]
        with self.lock:
            self.traces[str(waybill)] = dtos

    def add_order(
        self,
        order_id,
        *,
        updated: dt.datetime,
        state="WAIT_SELLER_STOCK_OUT",
        paid: dt.datetime | None = None,
        token: str | None = None,
        **extra,
    ) -> dict:
        """An order (created or changed at ``updated``); ``extra`` sets fields (``logisticsId``, ``waybill``…)."""
        record = {
            "orderId": str(order_id),
            "orderState": state,
            "orderStartTime": (paid or updated).astimezone(GMT8).strftime(FMT),
            "paymentConfirmTime": (paid or updated).astimezone(GMT8).strftime(FMT),
            "modified": updated.astimezone(GMT8).strftime(FMT),
            "itemInfoList": [
                {
                    "wareId": extra.pop("ware_id", "100012"),
                    "skuId": extra.pop("sku_id", "8001"),
                    "skuName": extra.pop("sku_name", "保温杯 500ml 黑色"),
                    "itemTotal": "1",
                }
            ],
            **extra,
        }
        with self.lock:
            self.orders[(token or self.token, str(order_id))] = record
        return record

    def windows(self) -> list[tuple[str, str, str]]:
        return [
            (p.get("start_date"), p.get("end_date"), str(p.get("page"))) for m, p in self.calls if m == ORDERS
        ]

    # --- data ---------------------------------------------------------------------------------------
    def add_comment(self, comment_id, *, created: dt.datetime, score=1, order=None, sku=8001, **extra):
        record = {
            "commentId": str(comment_id),
            "orderId": int(order or comment_id),
            "skuid": str(sku),
            "skuName": extra.pop("sku_name", "保温杯 500ml"),
            "content": extra.pop("content", "漏水，差评"),
            "creationTime": created.astimezone(GMT8).strftime(FMT),
            "score": score,
            "nickName": extra.pop("nick", f"j***{comment_id}"),
            "isVenderReply": False,
            "replyCount": 0,
            "status": 1,
            **extra,
        }
        with self.lock:
            self.comments[str(comment_id)] = record
        return record

    # --- the protocol ----------------------------------------------------------------------------------
    def respond(self, verb, path, query, body):
        """The gateway takes a POSTed form; the OAuth host's refresh is a GET with a query."""
        if verb == "GET":
            return self.oauth_refresh(query) if path == "/oauth2/refresh_token" else NOT_FOUND
        return self.answer(form_fields(body))

    def answer(self, params: dict[str, str]):
        """The JSON answer to one call, or None to drop the connection."""
        with self.lock:
            try:
                business = json.loads(params.get("360buy_param_json") or "{}")
            except ValueError:
                business = None
            self.calls.append((params.get("method", ""), business or {}))
            if params.get("app_key") != self.app_key or params.get("sign_method", "md5") != "md5":
                return _error(12, "无效签名", "Invalid Signature")
            if params.get("sign") != _expected_sign(params, self.secret):
                return _error(12, "无效签名", "Invalid Signature")
            try:
                stamp = dt.datetime.strptime(params.get("timestamp", ""), FMT).replace(tzinfo=GMT8)
            except ValueError:
                return _error(8, "非法的时间戳参数", "Invalid Timestamp")
            if abs(stamp - self.now()) > dt.timedelta(minutes=6):
                return _error(8, "非法的时间戳参数", "Invalid Timestamp")
            if params.get("v") != "2.0" or business is None:
                return _error(5, "不支持的版本号", "Unsupported Version")
            token = params.get("access_token", "")
            if self.revoked or (token != self.token and token not in self.tokens):
                return _error(19, f"token已过期或者不存在，请重新授权访问 {token}", "Invalid access_token")
            if params.get("method") == ORDERS and self.ban_after is not None:
                if len(self.windows()) > self.ban_after:
                    self.ban_calls = max(self.ban_calls, 1)
            if self.ban_calls > 0:
                self.ban_calls -= 1
                return _error(2, "限制时间内调用失败次数", "App Call Limited")
            if params.get("method") == LIST:
                return self._list(business)
            if params.get("method") == REPLY:
                return self._reply(business)
            if params.get("method") == ORDERS:
                return self._orders(token, business)
            if params.get("method") == TRACE:
                return self._trace(business)
            return _error(15, "不存在的方法名", "Invalid Method")

    def _list(self, p):
        page, size = int(p.get("page", 1)), int(p.get("pageSize", 10))
        if not 1 <= size <= 50 or page < 1:
            return _error(61, "pageSize应为1-50", "Invalid Arguments")
        rows = list(self.comments.values())
        if p.get("orderIds"):
            orders = str(p["orderIds"]).split(",")
            if len(orders) > 50:
                return _error(61, "orderIds最多50个", "Invalid Arguments")
            rows = [r for r in rows if str(r["orderId"]) in orders]
        else:
            start, end = p.get("beginTime"), p.get("endTime")
            rows = [
                r
                for r in rows
                if (not start or r["creationTime"] >= start) and (not end or r["creationTime"] <= end)
            ]
        score = int(p.get("score") or 0)
        if score:
            rows = [r for r in rows if {1: r["score"] <= 2, 2: r["score"] == 3, 3: r["score"] >= 4}[score]]
        rows.sort(key=lambda r: (r["creationTime"], r["commentId"]), reverse=True)
        chunk = rows[(page - 1) * size : page * size]
        return _wrap(LIST, {"comments": [dict(r) for r in chunk], "totalItem": len(rows), "page": page})

    def _orders(self, token, p):
        def refused(zh, en):
            result = {"success": False, "chineseErrCode": zh, "englishErrCode": en, "numberCode": 10400001}
            return _wrap(ORDERS, {"searchorderinfo_result": {"apiResult": result, "orderTotal": 0}})

        start, end, states = p.get("start_date"), p.get("end_date"), str(p.get("order_state") or "")
        try:
            page, size = int(p.get("page", 1)), int(p.get("page_size", 20))
            dt.datetime.strptime(str(start), FMT), dt.datetime.strptime(str(end), FMT)
        except ValueError:
            return refused("参数错误：start_date/end_date/page", "invalid argument")
        if not states:
            return refused("参数错误：order_state必填", "order_state is required")
        if not 1 <= size <= 100 or page < 1 or end < start:
            return refused("参数错误：page_size应为1-100", "invalid page_size")
        key = "orderStartTime" if str(p.get("dateType")) == "1" else "modified"
        wanted = set(states.split(","))
        rows = [
            r
            for (t, _n), r in self.orders.items()
            if t == token and r["orderState"] in wanted and start <= r[key] <= end
        ]
        rows.sort(key=lambda r: (r[key], r["orderId"]), reverse=str(p.get("sortType")) == "1")
        chunk = rows[(page - 1) * size : page * size]
        result = {
            "success": True,
            "chineseErrCode": "成功",
            "englishErrCode": "success",
            "numberCode": 10100000,
        }
        body = {"apiResult": result, "orderTotal": len(rows), "orderInfoList": [dict(r) for r in chunk]}
        return _wrap(ORDERS, {"searchorderinfo_result": body})

    def _trace(self, p):
        waybill = str(p.get("waybillCode") or "")
        if not waybill:
            return _error(61, "waybillCode必填", "Invalid Arguments")
        return _wrap(TRACE, {"trace_api_dtos": [dict(d) for d in self.traces.get(waybill, [])]})

    def _reply(self, p):
        record = self.comments.get(str(p.get("commentId", "")))
        content = str(p.get("content") or "")
        if record is None:
            return _wrap(REPLY, {"resultCode": "-1", "resultMsg": "评价不存在"})
        if not content or len(content) > 500:
            return _wrap(REPLY, {"resultCode": "-1", "resultMsg": "回复内容为1-500个字"})
        replies = record.setdefault("replies", [])
        replies.append(
            {
                "replyId": len(replies) + 1,
                "content": content,
                "creationTime": self.now().astimezone(GMT8).strftime(FMT),
            }
        )
        record.update(isVenderReply=True, replyCount=len(replies))
        if self.lose_answer_of > 0:
            self.lose_answer_of -= 1
            return None
        return _wrap(REPLY, {"resultCode": "1", "resultMsg": "成功"})

    def oauth_refresh(self, query: dict[str, str]) -> dict:
        with self.lock:
            self.calls.append(("oauth2/refresh_token", {"grant_type": query.get("grant_type", "")}))
            if query.get("app_key") != self.app_key or query.get("app_secret") != self.secret:
                return {"code": 2011, "msg": "app_key或app_secret不正确"}
            if query.get("grant_type") != "refresh_token" or query.get("refresh_token") != self.refresh_token:
                return {"code": 2012, "msg": "refresh_token无效"}
            self.token, self.refresh_token = self.token + "-r", self.refresh_token + "-r"
            self.revoked = False
            return {
                "code": 0,
                "access_token": self.token,
                "refresh_token": self.refresh_token,
                "expires_in": 86400,
                "token_type": "bearer",
            }
