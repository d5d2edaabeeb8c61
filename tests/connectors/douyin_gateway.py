"""A local 抖店 (Douyin shop) open platform gateway for the tests: a real HTTP server on 127.0.0.1 that
follows the documentation of the calls the Douyin connector makes.

- ``POST /<method with dots as slashes>?app_key&method&access_token&timestamp&v=2&sign_method&sign`` with
  the business parameters (``param_json``) as the body; the path must be the method's; the signature
  (hmac-sha256 or md5 over ``app_key…method…param_json…timestamp…v`` wrapped in the secret) is verified
  by ``_expected_sign`` below, written from the documentation (not imported from the connector), over
  the body exactly as received; the timestamp (Unix seconds, or "yyyy-MM-dd HH:mm:ss" GMT+8) is refused
  more than ``window`` (10 minutes) from the gateway's clock;
- every answer ``{"code", "msg", "sub_code", "sub_msg", "data"}``, 10000 for success; 60000
  ``isv.traffic-limited`` for too many calls, 40003 ``isv.access-token-expired`` for an expired or
  revoked token, 40003 ``isv.signature-invalid`` / ``isv.timestamp-invalid``, 50002 with an
  ``isv.*`` sub code for a refused business call;
- ``comment.list``: ``start_time``/``end_time`` (Unix seconds, inclusive) or ``order_id``, ``page`` from
  0, ``size`` 1–100; newest first; ``data.total`` is the window's count, ``data.comment_list`` the page
  (an empty list when there is none);
- ``comment.reply``: ``comment_id``, ``content`` (1–500 characters), once per comment; stored and shown
  by the list (``reply_content``, ``is_reply``);
- ``token.refresh``: ``grant_type=refresh_token``, ``refresh_token`` (no access token) → a new
  ``access_token``, ``refresh_token`` and ``expires_in``;
- ``order.searchList``: ``update_time_start``/``update_time_end`` (Unix seconds, inclusive, both
  required, start ≤ end), ``page`` from 0, ``size`` 1–100 (else 40003 ``isv.parameter-invalid``); the
  orders of the caller's token (``add_order``) updated in the window, newest change first
  (``order_asc=false``, the default); ``data.total`` the window's count, ``data.shop_order_list`` the
  page;
- ``afterSale.List``: ``update_start_time``/``update_end_time`` (inclusive, both required here),
  ``page`` from 0, ``size`` 1–100; the after-sales of the caller's token (``add_aftersale``) updated in
  the window, by ``order_by`` ``update_time desc`` (else ascending); ``data.items``, ``data.total``,
  ``data.has_more``;
- ``logistics.trackNoRouteDetail``: ``logistics_code`` and ``track_no`` (an empty one: 50002
  ``isv.business-failed:4006`` 运单号不能为空); a waybill of the caller's token (``add_trace``) with its
  courier's code answers ``data.route_node_list`` (``route_key`` names the list: the official SDKs spell
  it ``route__node_list``) and ``data.track_info``; any other: 50002 ``isv.business-failed:10015``
  非抖音电商电子面单不支持查询轨迹.

Knobs: ``ban_calls``, ``revoked``, ``lose_answer_of``, ``skew``; ``ban_after`` (answer the order searches
after that many with the rate limit, to stop a pull mid-window); ``tokens`` (other shops' access tokens
the gateway also accepts, each seeing its own orders); ``calls`` holds every call's method and business
parameters, ``windows()`` the order searches' (start, end, page).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import zoneinfo

from tests.connectors.gateway_base import NOT_FOUND, LocalGateway

GMT8 = zoneinfo.ZoneInfo("Asia/Shanghai")


def _expected_sign(q: dict[str, str], body: str, secret: str) -> str:
    text = f"{secret}app_key{q['app_key']}method{q['method']}param_json{body}timestamp{q['timestamp']}v{q['v']}{secret}"
    if q.get("sign_method") == "md5":
        return hashlib.md5(text.encode("utf-8")).hexdigest()
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _error(code, msg, sub_code="", sub_msg=""):
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg, "log_id": "test"}


def _ok(data):
    return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "data": data, "log_id": "test"}


class DouyinGateway(LocalGateway):
    def __init__(self, *, app_key="7000000000000000001", secret="dy-app-secret", token="dy-access-token-1"):
        super().__init__()
        self.url = self.base_url
        self.app_key, self.secret, self.token = app_key, secret, token
        self.refresh_token = "dy-refresh-token-1"
        self.comments: dict[str, dict] = {}
        self.window = dt.timedelta(minutes=10)
        self.orders: dict[tuple[str, str], dict] = {}  # (token, order_id) -> the platform's record
        self.aftersales: dict[tuple[str, str], dict] = {}  # (token, aftersale_id) -> record
        self.tokens: set[str] = set()
        self.ban_after: int | None = None
        self.traces: dict[tuple[str, str], tuple[str, list]] = {}  # (token, track_no) -> (code, nodes)
        self.route_key = "route_node_list"

    def add_trace(self, track_no, steps, *, code="zhongtong", token=None):
        """A waybill's route: ``steps`` as (moment, content, state, state_description, site_name)."""
        nodes = [
            {
                "content": content,
                "timestamp": int(at.timestamp()),
                "state": str(state),
                "state_description": state_description,
                "site_name": site,
            }
            for at, content, state, state_description, site in steps
        ]
        with self.lock:
            self.traces[(token or self.token, str(track_no))] = (code, nodes)

    def add_order(
        self,
        order_id,
        *,
        updated: dt.datetime,
        status=105,
        paid: dt.datetime | None = None,
        token: str | None = None,
        parcels=(),
        **extra,
    ) -> dict:
        """An order (created or changed at ``updated``); ``parcels``: (company_name, tracking_no, shipped)."""
        record = {
            "order_id": str(order_id),
            "order_status": status,
            "pay_time": int((paid or updated).timestamp()) if status != 1 else 0,
            "update_time": int(updated.timestamp()),
            "exp_ship_time": extra.pop("exp_ship_time", 0),
            "finish_time": extra.pop("finish_time", 0),
            "logistics_info": [
                {"tracking_no": no, "company": "", "company_name": name, "ship_time": int(at.timestamp())}
                for name, no, at in parcels
            ],
            "sku_order_list": [
                {
                    "order_id": f"{order_id}1",
                    "product_id": extra.pop("product_id", "3001"),
                    "product_name": extra.pop("product_name", "防晒霜 50ml"),
                    "spec": extra.pop("spec", [{"name": "规格", "value": "50ml"}]),
                    "after_sale_info": {"after_sale_status": 0},
                }
            ],
            **extra,
        }
        with self.lock:
            self.orders[(token or self.token, str(order_id))] = record
        return record

    def add_aftersale(
        self, aftersale_id, order_id, *, updated, kind=0, status=12, reason="尺码偏大", token=None
    ) -> dict:
        record = {
            "aftersale_info": {
                "aftersale_id": str(aftersale_id),
                "aftersale_type": kind,
                "aftersale_status": status,
                "related_id": f"{order_id}1",
                "update_time": int(updated.timestamp()),
                "refund_amount": 5900,
            },
            "order_info": {"shop_order_id": str(order_id), "related_order_info": []},
            "text_part": {
                "reason_text": reason,
                "aftersale_type_text": "退货退款" if kind == 0 else "仅退款",
            },
        }
        with self.lock:
            self.aftersales[(token or self.token, str(aftersale_id))] = record
        return record

    def windows(self) -> list[tuple[int, int, int]]:
        return [
            (p.get("update_time_start"), p.get("update_time_end"), p.get("page"))
            for m, p in self.calls
            if m == "order.searchList"
        ]

    # --- data ---------------------------------------------------------------------------------------
    def add_comment(self, comment_id, *, created: dt.datetime, rank=1, order=None, product=3001, **extra):
        record = {
            "comment_id": str(comment_id),
            "order_id": str(order or comment_id),
            "product_id": str(product),
            "product_name": extra.pop("product_name", "防晒霜 50ml"),
            "sku_desc": extra.pop("sku_desc", "规格:50ml"),
            "content": extra.pop("content", "用了过敏，差评"),
            "create_time": int(created.timestamp()),
            "rank": rank,
            "user_name": extra.pop("user_name", f"抖音用户{comment_id}"),
            "is_reply": False,
            **extra,
        }
        with self.lock:
            self.comments[str(comment_id)] = record
        return record

    # --- the protocol ----------------------------------------------------------------------------------
    def respond(self, verb, path, query, body):
        """Every method is a POST to its own path, the business parameters as a JSON body."""
        return self.answer(path, query, body) if verb == "POST" else NOT_FOUND

    def _stamp(self, value: str) -> dt.datetime | None:
        try:
            if value.isdigit():
                return dt.datetime.fromtimestamp(int(value), dt.UTC)
            return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=GMT8)
        except (ValueError, OverflowError):
            return None

    def answer(self, path: str, q: dict[str, str], body: str):
        """The JSON answer to one call, or None to drop the connection."""
        with self.lock:
            try:
                params = json.loads(body or "{}")
            except ValueError:
                params = None
            method = q.get("method", "")
            self.calls.append((method, params or {}))
            if path != "/" + method.replace(".", "/"):
                return _error(40002, "非法的参数", "isv.method-path-mismatch", "请求路径与method不一致")
            if q.get("app_key") != self.app_key:
                return _error(40003, "非法的参数", "isv.app-key-invalid", "app_key不存在")
            if (
                q.get("sign_method", "md5") not in ("md5", "hmac-sha256")
                or not q.get("timestamp")
                or q.get("v") != "2"
            ):
                return _error(40003, "非法的参数", "isv.signature-invalid", "签名校验失败")
            if q.get("sign") != _expected_sign(q, body, self.secret):
                return _error(40003, "非法的参数", "isv.signature-invalid", "签名校验失败")
            stamp = self._stamp(q["timestamp"])
            if stamp is None or abs(stamp - self.now()) > self.window:
                return _error(40003, "非法的参数", "isv.timestamp-invalid", "timestamp与服务器时间相差过大")
            if params is None:
                return _error(40003, "非法的参数", "isv.parameter-invalid", "param_json不是JSON")
            if method == "token.refresh":
                return self._refresh(params)
            token = q.get("access_token", "")
            if self.revoked or (token != self.token and token not in self.tokens):
                return _error(40003, "非法的参数", "isv.access-token-expired", f"access_token已过期 {token}")
            if method == "order.searchList" and self.ban_after is not None:
                if len(self.windows()) > self.ban_after:
                    self.ban_calls = max(self.ban_calls, 1)
            if self.ban_calls > 0:
                self.ban_calls -= 1
                return _error(60000, "调用频率超限", "isv.traffic-limited", "触发流控，请稍后重试")
            if method == "comment.list":
                return self._list(params)
            if method == "comment.reply":
                return self._reply(params)
            if method == "order.searchList":
                return self._orders(token, params)
            if method == "afterSale.List":
                return self._aftersales(token, params)
            if method == "logistics.trackNoRouteDetail":
                return self._route(token, params)
            return _error(40002, "非法的参数", "isv.method-not-exist", "method不存在")

    def _list(self, p):
        page, size = int(p.get("page", 0)), int(p.get("size", 10))
        if not 1 <= size <= 100 or page < 0:
            return _error(40003, "非法的参数", "isv.parameter-invalid", "size应为1-100")
        rows = list(self.comments.values())
        if p.get("order_id"):
            rows = [r for r in rows if r["order_id"] == str(p["order_id"])]
        else:
            start, end = int(p.get("start_time", 0)), int(p.get("end_time", 2**40))
            rows = [r for r in rows if start <= r["create_time"] <= end]
        rows.sort(key=lambda r: (r["create_time"], r["comment_id"]), reverse=True)
        chunk = rows[page * size : (page + 1) * size]
        return _ok({"total": len(rows), "page": page, "size": size, "comment_list": [dict(r) for r in chunk]})

    def _orders(self, token, p):
        try:
            start, end = int(p["update_time_start"]), int(p["update_time_end"])
            page, size = int(p.get("page", 0)), int(p.get("size", 10))
        except (KeyError, TypeError, ValueError):
            return _error(40003, "非法的参数", "isv.parameter-invalid", "update_time_start/end必填")
        if not 1 <= size <= 100 or page < 0 or end < start:
            return _error(40003, "非法的参数", "isv.parameter-invalid", "size应为1-100")
        rows = [r for (t, _n), r in self.orders.items() if t == token and start <= r["update_time"] <= end]
        rows.sort(key=lambda r: (r["update_time"], r["order_id"]), reverse=p.get("order_asc") is not True)
        chunk = rows[page * size : (page + 1) * size]
        return _ok(
            {"total": len(rows), "page": page, "size": size, "shop_order_list": [dict(r) for r in chunk]}
        )

    def _aftersales(self, token, p):
        try:
            start, end = int(p["update_start_time"]), int(p["update_end_time"])
            page, size = int(p.get("page", 0)), int(p.get("size", 10))
        except (KeyError, TypeError, ValueError):
            return _error(40003, "非法的参数", "isv.parameter-invalid", "update_start_time/end必填")
        if not 1 <= size <= 100 or page < 0 or end < start:
            return _error(40003, "非法的参数", "isv.parameter-invalid", "size应为1-100")
        rows = [
            r
            for (t, _n), r in self.aftersales.items()
            if t == token and start <= r["aftersale_info"]["update_time"] <= end
        ]
        newest = "update_time desc" in (p.get("order_by") or [])
        rows.sort(key=lambda r: (r["aftersale_info"]["update_time"], r["aftersale_info"]["aftersale_id"]))
        rows = rows[::-1] if newest else rows
        chunk = rows[page * size : (page + 1) * size]
        more = (page + 1) * size < len(rows)
        return _ok({"items": [dict(r) for r in chunk], "total": len(rows), "has_more": more})

    def _route(self, token, p):
        code, track_no = str(p.get("logistics_code") or ""), str(p.get("track_no") or "")
        if not code or not track_no:
            return _error(50002, "业务处理失败", "isv.business-failed:4006", "运单号不能为空")
        known = self.traces.get((token, track_no))
        if known is None or known[0] != code:
            return _error(
                50002, "业务处理失败", "isv.business-failed:10015", "非抖音电商电子面单不支持查询轨迹"
            )
        info = {"track_no": track_no, "express": code}
        return _ok({self.route_key: [dict(n) for n in known[1]], "track_info": info})

    def _reply(self, p):
        record = self.comments.get(str(p.get("comment_id", "")))
        content = str(p.get("content") or "")
        if record is None:
            return _error(50002, "业务处理失败", "isv.comment-not-exist", "评价不存在")
        if not content or len(content) > 500:
            return _error(50002, "业务处理失败", "isv.content-invalid", "回复内容为1-500个字")
        if record.get("reply_content"):
            return _error(50002, "业务处理失败", "isv.comment-replied", "该评价已回复")
        record.update(reply_content=content, is_reply=True)
        if self.lose_answer_of > 0:
            self.lose_answer_of -= 1
            return None
        return _ok({})

    def _refresh(self, p):
        if p.get("grant_type") != "refresh_token" or p.get("refresh_token") != self.refresh_token:
            return _error(40003, "非法的参数", "isv.refresh-token-invalid", "refresh_token无效")
        self.token, self.refresh_token = self.token + "-r", self.refresh_token + "-r"
        self.revoked = False
        return _ok(
            {
                "access_token": self.token,
                "refresh_token": self.refresh_token,
                "expires_in": 604800,
                "shop_id": "1",
            }
        )
