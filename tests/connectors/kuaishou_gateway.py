"""A local Kuaishou e-commerce open platform for the tests: a real HTTP server on 127.0.0.1 that follows the
API guide for the calls the connector makes.

- each method at its path (``/open/comment/list/get``…), the public parameters ``appkey``, ``method``
  (must match the path), ``version=1``, ``access_token``, ``timestamp`` (milliseconds; refused more than
  10 minutes from the gateway's clock), ``signMethod`` (MD5, HMAC_SHA256) and ``sign`` in the query;
  ``param`` (JSON) in the query for GET, in the form body for POST;
- the signature is verified independently of the connector's signer (``_expected_sign``: sorted
  ``k=v`` joined by ``&``, then ``&signSecret=…``; MD5 lower-case hex, HMAC_SHA256 base64);
- an answer ``{"result": 1, "data": …}``, an error ``{"result": code, "error_msg": …}``: 802006 the app's
  call quota, 28 an invalid or expired access token, 25 a wrong signature, 31 a stale timestamp;
- ``open.comment.list.get``: ``createTimeFrom``/``createTimeTo`` (ms, inclusive) or ``outOrderNo``,
  ``offset``, ``limit`` 1–20; newest first; ``data.rootComment`` (omitted when empty) and ``data.total``;
- ``open.comment.add``: ``replyToCommentId``, ``content`` (1–500 characters), once per comment, not to an
  appended comment's root after the append, within 30 days; the list then shows ``replied: true``;
- ``/oauth2/refresh_token`` (form ``app_id``, ``app_secret``, ``grant_type``, ``refresh_token``): a new
  access token and refresh token.

Knobs: ``ban_calls``, ``revoked``, ``lose_answer_of``, ``skew``; ``calls`` (method and parameters).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from tests.connectors.gateway_base import LocalGateway, form_fields


def _expected_sign(params: dict[str, str], secret: str, method: str) -> str:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")
    text = f"{text}&signSecret={secret}"
    if method == "MD5":
        return hashlib.md5(text.encode()).hexdigest()
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def _error(code, msg):
    return {"result": code, "error_msg": msg, "request_id": "test"}


class KuaishouGateway(LocalGateway):
    def __init__(self, *, app_key="ks650000000000000001", app_secret="app-secret", sign_secret="sign-secret"):
        super().__init__()
        self.origin = self.url = self.base_url
        self.app_key, self.app_secret, self.sign_secret = app_key, app_secret, sign_secret
        self.session = "ks-access-1"
        self.refresh_token = "ks-refresh-1"
        self.comments: dict[str, dict] = {}  # commentId -> record
        self.replies: dict[str, str] = {}

    def add_comment(
        self, comment_id, *, created: dt.datetime, score=1, order_id=None, content="质量很差", **extra
    ):
        record = {
            "commentId": int(comment_id),
            "orderId": int(order_id or int(comment_id) * 10),
            "itemId": 7001,
            "itemTitle": extra.pop("item_title", "保温杯"),
            "content": content,
            "creditScore": score,
            "buyerNick": extra.pop("buyer_nick", f"快手用户{comment_id}"),
            "createTime": int(created.timestamp() * 1000),
            "replied": False,
            "attached": False,
            **extra,
        }
        with self.lock:
            self.comments[str(comment_id)] = record
        return record

    # --- the protocol --------------------------------------------------------------------------------
    def respond(self, verb, path, query, body):
        """``param`` rides in the query for a GET, in the form body for a POST."""
        return self.answer(path, query, form_fields(body) if verb == "POST" else {})

    def answer(self, path: str, query: dict[str, str], form: dict[str, str]):
        with self.lock:
            if path == "/oauth2/refresh_token":
                self.calls.append(("oauth2.refresh_token", dict(form)))
                return self._refresh(form)
            params = {**query, **({"param": form["param"]} if "param" in form else {})}
            self.calls.append((params.get("method", ""), dict(params)))
            if params.get("appkey") != self.app_key:
                return _error(29, "appkey无效")
            if path != "/" + params.get("method", "").replace(".", "/"):
                return _error(22, "method与路径不符")
            method = params.get("signMethod", "")
            if method not in ("MD5", "HMAC_SHA256"):
                return _error(25, "signMethod无效")
            if params.get("sign") != _expected_sign(params, self.sign_secret, method):
                return _error(25, "签名错误")
            try:
                stamp = dt.datetime.fromtimestamp(int(params.get("timestamp", "")) / 1000, tz=dt.UTC)
            except ValueError:
                return _error(31, "timestamp无效")
            if abs(stamp - self.now()) > dt.timedelta(minutes=10):
                return _error(31, "timestamp与服务器时间相差过大")
            if params.get("version") != "1":
                return _error(41, "version无效")
            if self.revoked or params.get("access_token") != self.session:
                return _error(28, "access_token无效或已过期")
            if self.ban_calls > 0:
                self.ban_calls -= 1
                return {"result": 802006, "error_msg": "APP已达到当天调用额度限制", "sub_code": "802006"}
            try:
                param = json.loads(params.get("param") or "{}")
            except ValueError:
                return _error(41, "param不是JSON")
            if params["method"] == "open.comment.list.get":
                return self._list(param)
            if params["method"] == "open.comment.add":
                return self._add(param)
            return _error(22, "未知方法")

    def _list(self, p):
        limit, offset = int(p.get("limit") or 20), int(p.get("offset") or 0)
        if not 1 <= limit <= 20 or offset < 0:
            return _error(41, "limit应在1到20之间")
        rows = list(self.comments.values())
        if p.get("outOrderNo"):
            rows = [r for r in rows if str(r["orderId"]) == str(p["outOrderNo"])]
        else:
            start, end = p.get("createTimeFrom"), p.get("createTimeTo")
            rows = [
                r
                for r in rows
                if (start is None or r["createTime"] >= start) and (end is None or r["createTime"] <= end)
            ]
        rows.sort(key=lambda r: (r["createTime"], r["commentId"]), reverse=True)
        page = rows[offset : offset + limit]
        data = {"total": len(rows)}
        if page:
            data["rootComment"] = [dict(r) for r in page]
        return {"result": 1, "data": data}

    def _add(self, p):
        record = self.comments.get(str(p.get("replyToCommentId", "")))
        content = p.get("content") or ""
        if record is None:
            return _error(40001, "评价不存在")
        if not content or len(content) > 500:
            return _error(40002, "回复内容长度应在1到500之间")
        if record["replied"]:
            return _error(40003, "该评价已回复")
        if record["attached"]:
            return _error(40004, "买家已追评，不能回复")
        if self.now() - dt.datetime.fromtimestamp(record["createTime"] / 1000, tz=dt.UTC) > dt.timedelta(
            days=30
        ):
            return _error(40005, "评价超过30天，不能回复")
        record["replied"] = True
        self.replies[str(record["commentId"])] = content
        if self.lose_answer_of > 0:
            self.lose_answer_of -= 1
            return None
        return {"result": 1, "data": {"commentId": int(record["commentId"]) + 1}}

    def _refresh(self, form):
        if form.get("app_id") != self.app_key or form.get("app_secret") != self.app_secret:
            return _error(100002, "app_id或app_secret错误")
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return _error(100004, "refresh_token无效")
        n = int(self.refresh_token.rsplit("-", 1)[1]) + 1
        self.session, self.refresh_token = f"ks-access-{n}", f"ks-refresh-{n}"
        return {
            "result": 1,
            "access_token": self.session,
            "refresh_token": self.refresh_token,
            "expires_in": 172800,
            "refresh_token_expires_in": 15552000,
        }
