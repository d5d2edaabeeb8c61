"""A local Taobao/Tmall open platform (TOP) gateway for the tests: a real HTTP server on 127.0.0.1 that
follows the documentation of the calls the connector makes.

- the public parameters: ``method``, ``app_key``, ``session``, ``timestamp`` (GMT+8, refused when more
  than 10 minutes from the gateway's clock), ``v=2.0``, ``format=json``, ``sign_method``, ``sign`` —
  the signature is verified (md5, hmac, hmac-sha256) with the app's secret, independently of the
  connector's signer (``_expected_sign`` below is written from the documentation, not imported);
- errors as ``{"error_response": {"code", "msg", "sub_code", "sub_msg"}}``: 7 App Call Limited (with the
  ban's length), 25 Invalid signature, 26 Missing session, 27 Invalid session, 29 Invalid app key,
  31 Invalid timestamp, 15 with an isv.* sub code for a refused business call;
- ``taobao.traderates.get``: rate_type=get and role=buyer required, page_size 1–150, page_no ≤ 200,
  the window by ``created`` (inclusive) or one order by ``tid``; newest first; only the first 1,500
  records of a window are reachable (``total_results`` is the window's true count); only the requested
  ``fields``; an empty list is omitted;
- ``taobao.traderate.explain.add``: oid, reply ≤ 500 characters, once per review, not after an appended
  review nor 30 days after the review; the reply is stored and shown by ``traderates.get``.

- ``taobao.top.auth.token.refresh`` (app-level, no session): the stored refresh token buys a new session
  key and a new refresh token (the old session stops working), answered as ``token_result``, a JSON string
  with ``expire_time`` in milliseconds; an unknown refresh token is refused (isv.refresh-token-invalid);
- ``taobao.tmc.messages.consume`` / ``confirm`` (app-level): the messages of ``tmc_push`` not yet confirmed,
  up to ``quantity``, in ``tmc_messages_consume_response.messages.tmc_message`` (omitted when none).

Knobs for the tests: ``ban_calls`` (answer the next N calls with code 7), ``revoked``, ``lose_answer_of``
(apply the next explain.add, then drop the connection without an answer), ``skew`` (the gateway's clock
offset), ``delay`` (seconds per answer), ``calls`` (every call's method and parameters, secrets included: test-only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import zoneinfo

from tests.connectors.gateway_base import NOT_FOUND, LocalGateway, form_fields

GMT8 = zoneinfo.ZoneInfo("Asia/Shanghai")
FMT = "%Y-%m-%d %H:%M:%S"
CAP = 1500


def _expected_sign(params: dict[str, str], secret: str, method: str) -> str:
    text = "".join(k + params[k] for k in sorted(params) if k != "sign" and params[k] != "")
    if method == "md5":
        return hashlib.md5((secret + text + secret).encode()).hexdigest().upper()
    algo = {"hmac": hashlib.md5, "hmac-sha256": hashlib.sha256}[method]
    return hmac.new(secret.encode(), text.encode(), algo).hexdigest().upper()


def _error(code, msg, sub_code="", sub_msg=""):
    body = {"code": code, "msg": msg}
    if sub_code:
        body.update(sub_code=sub_code, sub_msg=sub_msg)
    return {"error_response": {**body, "request_id": "test"}}


class TopGateway(LocalGateway):
    def __init__(self, *, app_key="12345678", secret="helloworld", session="seller-session-1"):
        super().__init__()
        self.url = f"{self.base_url}/router/rest"
        self.app_key, self.secret, self.session = app_key, secret, session
        self.sessions: set[str] = set()  # more sellers of the same app (a review with "_session" is theirs)
        self.reviews: dict[str, dict] = {}  # oid -> the platform's record
        self.ban_seconds = 1
        self.refresh_token = "refresh-1"
        self.token_lifetime = 86400  # seconds a refreshed session lives
        self.refreshes = 0
        self.tmc: list[dict] = []  # unconfirmed messages

    # --- data ---------------------------------------------------------------------------------------
    def add_review(self, oid, *, created: dt.datetime, result="bad", tid=None, content="质量很差", **extra):
        record = {
            "tid": int(tid or oid) // 10 if tid is None else int(tid),
            "oid": int(oid),
            "role": "buyer",
            "nick": extra.pop("nick", f"买家{oid}"),
            "result": result,
            "created": created.astimezone(GMT8).strftime(FMT),
            "rated_nick": "旗舰店",
            "item_title": extra.pop("item_title", "保温杯"),
            "item_price": "59.00",
            "content": content,
            "num_iid": 6001,
            **extra,
        }
        with self.lock:
            self.reviews[str(oid)] = record
        return record

    # --- the protocol ----------------------------------------------------------------------------------
    def respond(self, verb, path, query, body):
        """The gateway takes its parameters as a POSTed form (the path and query are not read)."""
        return self.answer(form_fields(body)) if verb == "POST" else NOT_FOUND

    def answer(self, params: dict[str, str]):
        """The JSON answer to one call, or None to drop the connection."""
        with self.lock:
            self.calls.append((params.get("method", ""), dict(params)))
            method = params.get("sign_method", "md5")
            if method not in ("md5", "hmac", "hmac-sha256"):
                return _error(25, "Invalid signature", "isv.invalid-sign-method", "sign_method")
            if params.get("app_key") != self.app_key:
                return _error(29, "Invalid app Key")
            if params.get("sign") != _expected_sign(params, self.secret, method):
                return _error(25, "Invalid signature")
            try:
                stamp = dt.datetime.strptime(params.get("timestamp", ""), FMT).replace(tzinfo=GMT8)
            except ValueError:
                return _error(31, "Invalid timestamp")
            if abs(stamp - self.now()) > dt.timedelta(minutes=10):
                return _error(
                    31, "Invalid timestamp", "isv.invalid-timestamp", "请求时间与服务器时间相差超过10分钟"
                )
            if params.get("v") != "2.0" or params.get("format") != "json":
                return _error(41, "Invalid arguments", "isv.invalid-parameter", "v/format")
            if params["method"] == "taobao.top.auth.token.refresh":
                return self._refresh(params)
            if params["method"] == "taobao.tmc.messages.consume":
                return self._tmc_consume(params)
            if params["method"] == "taobao.tmc.messages.confirm":
                return self._tmc_confirm(params)
            if not params.get("session"):
                return _error(26, "Missing session")
            if self.revoked or params["session"] not in {self.session, *self.sessions}:
                return _error(27, "Invalid session", "invalid-sessionkey", "SessionKey非法")
            if self.ban_calls > 0:
                self.ban_calls -= 1
                return _error(
                    7,
                    "App Call Limited",
                    "accesscontrol.limited-by-app-access-count",
                    f"This ban will last for {self.ban_seconds} more seconds",
                )
            if params["method"] == "taobao.traderates.get":
                return self._rates(params)
            if params["method"] == "taobao.traderate.explain.add":
                return self._explain(params)
            return _error(22, "Invalid method")

    def _rates(self, p):
        if p.get("rate_type") != "get" or p.get("role") != "buyer":
            return _error(15, "Remote service error", "isv.invalid-parameter", "rate_type/role")
        page_size, page_no = int(p.get("page_size", 40)), int(p.get("page_no", 1))
        if not 1 <= page_size <= 150 or not 1 <= page_no <= 200:
            return _error(15, "Remote service error", "isv.invalid-parameter", "page_size/page_no")
        rows = [r for r in self.reviews.values() if r.get("_session", self.session) == p["session"]]
        if p.get("tid"):
            rows = [r for r in rows if str(r["tid"]) == p["tid"]]
        else:
            start, end = p.get("start_date"), p.get("end_date")
            rows = [
                r for r in rows if (not start or r["created"] >= start) and (not end or r["created"] <= end)
            ]
        rows.sort(key=lambda r: (r["created"], r["oid"]), reverse=True)
        total = len(rows)
        reachable = rows[:CAP]
        page = reachable[(page_no - 1) * page_size : page_no * page_size]
        fields = set((p.get("fields") or "").split(","))
        body = {"total_results": total}
        if page:
            body["trade_rates"] = {"trade_rate": [{k: v for k, v in r.items() if k in fields} for r in page]}
        return {"traderates_get_response": body}

    def _explain(self, p):
        record = self.reviews.get(p.get("oid", ""))
        reply = p.get("reply", "")
        if record is None:
            return _error(15, "Remote service error", "isv.traderate-not-exist", "评价不存在")
        if not reply or len(reply) > 500:
            return _error(15, "Remote service error", "isv.invalid-parameter", "reply超过500个字")
        if record.get("reply"):
            return _error(15, "Remote service error", "isv.traderate-explain-exist", "该评价已解释过")
        if record.get("append_content"):
            return _error(15, "Remote service error", "isv.traderate-appended", "买家已追评，不能解释")
        created = dt.datetime.strptime(record["created"], FMT).replace(tzinfo=GMT8)
        if self.now() - created > dt.timedelta(days=30):
            return _error(15, "Remote service error", "isv.traderate-expired", "评价超过30天")
        record["reply"] = reply
        if self.lose_answer_of > 0:
            self.lose_answer_of -= 1
            return None
        return {"traderate_explain_add_response": {"is_success": True}}

    def _refresh(self, p):
        if not p.get("refresh_token") or p["refresh_token"] != self.refresh_token:
            return _error(
                15, "Remote service error", "isv.refresh-token-invalid", "refresh_token无效或已过期"
            )
        self.refreshes += 1
        self.session = f"seller-session-r{self.refreshes}"
        self.refresh_token = f"refresh-r{self.refreshes + 1}"
        expire = self.now() + dt.timedelta(seconds=self.token_lifetime)
        result = {
            "access_token": self.session,
            "refresh_token": self.refresh_token,
            "expire_time": int(expire.timestamp() * 1000),
            "expires_in": self.token_lifetime,
            "taobao_user_nick": "旗舰店",
        }
        return {"top_auth_token_refresh_response": {"token_result": json.dumps(result, ensure_ascii=False)}}

    def push_rated(self, oid, *, seller_nick="旗舰店", topic="taobao_trade_TradeRated"):
        """A TMC message saying the rating of ``oid`` changed (the review itself is read by the consumer)."""
        record = self.reviews[str(oid)]
        content = {"tid": record["tid"], "oid": record["oid"], "seller_nick": seller_nick, "rater": "buyer"}
        with self.lock:
            message = {
                "id": str(7104300007405429232 + len(self.calls) + len(self.tmc)),
                "topic": topic,
                "user_nick": seller_nick,
                "user_id": 2200000001,
                "pub_app_key": "12497914",
                "pub_time": self.now().astimezone(GMT8).strftime(FMT),
                "content": json.dumps(content, ensure_ascii=False),
            }
            self.tmc.append(message)
        return message

    def _tmc_consume(self, p):
        quantity = int(p.get("quantity") or 100)
        page = self.tmc[: max(1, min(quantity, 200))]
        body = {"messages": {"tmc_message": list(page)}} if page else {}
        return {"tmc_messages_consume_response": body}

    def _tmc_confirm(self, p):
        ids = set((p.get("s_message_ids") or "").split(","))
        self.tmc = [m for m in self.tmc if m["id"] not in ids]
        return {"tmc_messages_confirm_response": {"is_success": True}}
