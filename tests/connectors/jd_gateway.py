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
  ``grant_type=refresh_token``, ``refresh_token`` → a new access token (the old one stops working).

Knobs: ``ban_calls`` (answer the next N calls with code 2), ``revoked``, ``lose_answer_of`` (apply the
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
            if self.revoked or token != self.token:
                return _error(19, f"token已过期或者不存在，请重新授权访问 {token}", "Invalid access_token")
            if self.ban_calls > 0:
                self.ban_calls -= 1
                return _error(2, "限制时间内调用失败次数", "App Call Limited")
            if params.get("method") == LIST:
                return self._list(business)
            if params.get("method") == REPLY:
                return self._reply(business)
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
