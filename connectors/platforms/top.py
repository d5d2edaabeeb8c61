"""Taobao/Tmall open platform (TOP): signing, the review list, the seller's explanation, read-back.

The protocol, as documented by the open platform (checked against its published signing example in
tests/connectors/test_top_signing.py):

- a POST of form fields to the gateway (``…/router/rest``) with the public parameters ``method``,
  ``app_key``, ``session``, ``timestamp`` ("yyyy-MM-dd HH:mm:ss", GMT+8, within 10 minutes of the
  server's clock), ``v=2.0``, ``format=json``, ``sign_method`` and ``sign``;
- ``sign``: every parameter but ``sign`` (empty values left out), sorted by name, joined as
  ``k1v1k2v2…``; md5 wraps that in the secret (``md5(secret + s + secret)``), ``hmac`` is HMAC-MD5 and
  ``hmac-sha256`` HMAC-SHA256 of it keyed by the secret; the digest in upper-case hex;
- an error is ``{"error_response": {"code", "msg", "sub_code", "sub_msg"}}``; a list is wrapped
  (``traderates_get_response.trade_rates.trade_rate``) and an empty one is omitted altogether;
- ``taobao.traderates.get`` (rate_type=get, role=buyer, start_date/end_date, page_no ≤ 200, page_size
  1–150, tid to read one order back; the last 180 days only; at most 1,500 records reachable per query
  window); ``taobao.traderate.explain.add`` (oid, reply ≤ 500 characters; not after the buyer's appended
  review, nor 30 days after the review);
- ``taobao.top.auth.token.refresh`` (refresh_token; no session): a new session key, whose answer
  ``token_result`` is a JSON string with ``access_token``, ``refresh_token`` and ``expire_time``
  (milliseconds since the epoch) or ``expires_in`` (seconds);
- ``taobao.tmc.messages.consume`` / ``taobao.tmc.messages.confirm`` (group_name, quantity /
  s_message_ids; app-level, no session): the message service's HTTP side, read by
  ``connectors.services.tmc``.

Everything a deployer may need to correct is in ``DEFAULT_API`` and copied to the connector's ``api``
field, where the admin edits it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import zoneinfo
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from connectors.platforms.base import (
    AMBIGUOUS,
    AUTH,
    CLOCK,
    RATE_LIMIT,
    REFUSED,
    SIGNATURE,
    Page,
    PlatformClient,
    PlatformError,
    refreshed,
)

GMT8 = zoneinfo.ZoneInfo("Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

DEFAULT_API = {
    "methods": {
        "list": "taobao.traderates.get",
        "reply": "taobao.traderate.explain.add",
        "refresh": "taobao.top.auth.token.refresh",
        "tmc_consume": "taobao.tmc.messages.consume",
        "tmc_confirm": "taobao.tmc.messages.confirm",
    },
    "list_params": {
        "rate_type": "get",
        "role": "buyer",
        "fields": "tid,oid,role,nick,result,created,rated_nick,item_title,item_price,content,reply,num_iid",
    },
    "response": {
        "list": ["traderates_get_response", "trade_rates", "trade_rate"],
        "total": ["traderates_get_response", "total_results"],
        "has_next": ["traderates_get_response", "has_next"],
        "reply_ok": ["traderate_explain_add_response", "is_success"],
        "refresh": ["top_auth_token_refresh_response", "token_result"],
        "tmc_messages": ["tmc_messages_consume_response", "messages", "tmc_message"],
    },
    "tmc_topics": ["taobao_trade_TradeRated"],
    "tmc_quantity": 100,
    # intake field -> the platform's key ("" = not given by this API version). The documented TradeRate
    # has no appended-review fields: name them here when the API version in use returns them.
    "fields": {
        "order_no": "tid",
        "sub_order_no": "oid",
        "item_id": "num_iid",
        "item_title": "item_title",
        "content": "content",
        "reviewed_at": "created",
        "buyer_nick": "nick",
        "rating": "result",
        "reply_content": "reply",
        "appended_content": "",
        "appended_at": "",
    },
    "ratings": {"good": "好评", "neutral": "中评", "bad": "差评"},
    "page_size": 100,
    "max_page_no": 200,
    "window_cap": 1500,
    "history_days": 180,
    "reply_max_chars": 500,
    "reply_window_days": 30,
    "reply_closed_after_append": True,
    "errors": {
        RATE_LIMIT: ["7"],
        AUTH: ["26", "27", "53"],
        CLOCK: ["31"],
        SIGNATURE: ["25", "28", "29"],
    },
}

_BAN_SECONDS = re.compile(r"(\d+)\s*(?:more\s+)?seconds?", re.IGNORECASE)


def sign(params: dict[str, str], secret: str, method: str = "md5") -> str:
    """The TOP signature of ``params`` (without ``sign``), upper-case hex."""
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign" and params[k] not in ("", None))
    data = joined.encode("utf-8")
    key = secret.encode("utf-8")
    if method == "hmac":
        digest = hmac.new(key, data, hashlib.md5).hexdigest()
    elif method == "hmac-sha256":
        digest = hmac.new(key, data, hashlib.sha256).hexdigest()
    elif method == "md5":
        digest = hashlib.md5(key + data + key).hexdigest()
    else:
        raise ValueError(f"unknown sign_method {method!r}")
    return digest.upper()


def top_time(moment: dt.datetime) -> str:
    return moment.astimezone(GMT8).strftime(TIMESTAMP_FORMAT)


def _dig(data, path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class TopClient(PlatformClient):
    """One connector's TOP client (see the module's docstring and ``connectors.platforms.base``)."""

    DEFAULT_API = DEFAULT_API
    MAX_PAGE_SIZE = 150

    # --- the protocol ---------------------------------------------------------------------------
    def call(self, method: str, params: dict, *, session: bool = True) -> dict:
        """One signed call; ``session=False`` for the app-level calls (token refresh, TMC)."""
        c = self.credentials
        form = {k: str(v) for k, v in params.items() if v not in (None, "")}
        if session:
            form["session"] = c.session_key
        form.update(
            method=method,
            app_key=c.app_key,
            timestamp=top_time(self.clock()),
            v="2.0",
            format="json",
            sign_method=c.sign_method or "md5",
        )
        form["sign"] = sign(form, c.app_secret, form["sign_method"])
        data = self._send(self.gateway_url, body=urlencode(form).encode("utf-8"))
        error = data.get("error_response") if isinstance(data, dict) else None
        if error:
            raise self._error(error)
        return data

    def _error(self, error: dict) -> PlatformError:
        code, sub_code = str(error.get("code", "")), str(error.get("sub_code") or "")
        msg, sub_msg = str(error.get("msg") or ""), str(error.get("sub_msg") or "")
        message = f"{code} {msg}" + (f" ({sub_code}: {sub_msg})" if sub_code or sub_msg else "")
        kind = next((k for k, codes in self.api["errors"].items() if code in codes), None)
        if kind is None:
            # isv.*: the request was wrong or not allowed (definitive); isp.* and anything else: the
            # platform's own trouble, which may or may not have applied the call.
            kind = REFUSED if sub_code.startswith("isv.") else AMBIGUOUS
        retry_after = None
        if kind == RATE_LIMIT:
            found = _BAN_SECONDS.search(sub_msg or msg)
            retry_after = int(found.group(1)) if found else None
        return PlatformError(kind, message[:480], code=code, sub_code=sub_code, retry_after=retry_after)

    # --- the connector interface -----------------------------------------------------------------
    def _list(self, extra: dict) -> Page:
        response = self.api["response"]
        data = self.call(self.api["methods"]["list"], {**self.api["list_params"], **extra})
        items = _dig(data, response["list"]) or []
        total = _dig(data, response["total"])
        return Page(
            items=list(items),
            total=int(total) if total is not None else None,
            has_next=bool(_dig(data, response["has_next"])),
        )

    def list_reviews(self, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        self.log.windows.append((start, end))
        return self._list(
            {
                "start_date": top_time(start),
                "end_date": top_time(end),
                "page_no": page_no,
                "page_size": self.page_size,
            }
        )

    def read_review(self, order_no: str, target: str) -> dict | None:
        page = self._list({"tid": order_no, "page_no": 1, "page_size": self.page_size})
        oid_key = self.api["fields"]["sub_order_no"]
        for raw in page.items:
            if not target or str(raw.get(oid_key, "")) == str(target):
                return raw
        return None

    def post_reply(self, order_no: str, target: str, text: str) -> None:
        data = self.call(self.api["methods"]["reply"], {"oid": target, "reply": text})
        ok = _dig(data, self.api["response"]["reply_ok"])
        if ok is not True and str(ok).lower() != "true":
            raise PlatformError(AMBIGUOUS, _("平台未确认回复已保存。"))

    def refresh(self) -> dict | None:
        """A new session key for the refresh token (``connectors.platforms.base``: ``refresh``). Any error
        the platform answers means the refresh token is spent or revoked: AUTH (the seller authorises
        again); no usable answer stays AMBIGUOUS (tried again at the next pull)."""
        method = self.api["methods"].get("refresh")
        if not method or not self.credentials.refresh_token:
            return None
        try:
            data = self.call(method, {"refresh_token": self.credentials.refresh_token}, session=False)
        except PlatformError as exc:
            if exc.kind in (AMBIGUOUS, RATE_LIMIT, CLOCK):
                raise
            raise PlatformError(
                AUTH, _("刷新授权被拒绝：%(reason)s") % {"reason": exc}, code=exc.code
            ) from exc
        token = _dig(data, self.api["response"]["refresh"])
        if isinstance(token, str):
            try:
                token = json.loads(token)
            except ValueError:
                token = None
        if not isinstance(token, dict):
            raise PlatformError(AMBIGUOUS, _("平台刷新授权时没有返回新的令牌。"))
        expires_at = None
        if token.get("expire_time"):
            expires_at = dt.datetime.fromtimestamp(int(token["expire_time"]) / 1000, tz=dt.UTC)
        return refreshed(
            token.get("access_token") or "",
            token.get("refresh_token") or self.credentials.refresh_token,
            expires_at=expires_at,
            expires_in=token.get("expires_in"),
            now=self.clock(),
        )

    def tmc_consume(self, group: str) -> list[dict]:
        """Up to ``tmc_quantity`` messages waiting in the app's TMC group (an empty list when none)."""
        data = self.call(
            self.api["methods"]["tmc_consume"],
            {"group_name": group, "quantity": int(self.api.get("tmc_quantity") or 100)},
            session=False,
        )
        return list(_dig(data, self.api["response"]["tmc_messages"]) or [])

    def tmc_confirm(self, group: str, message_ids: list[str]) -> None:
        if message_ids:
            self.call(
                self.api["methods"]["tmc_confirm"],
                {"group_name": group, "s_message_ids": ",".join(message_ids)},
                session=False,
            )

    def to_item(self, raw: dict) -> dict:
        item = {}
        for name, key in self.api["fields"].items():
            if key and raw.get(key) not in (None, ""):
                item[name] = raw[key]
        if "rating" in item:
            item["rating"] = self.api["ratings"].get(str(item["rating"]), item["rating"])
        for name in ("order_no", "sub_order_no", "item_id"):
            if name in item:
                item[name] = str(item[name])
        item["seller_replied"] = bool(item.get("reply_content"))
        return item

    def reply_of(self, raw: dict) -> str:
        key = self.api["fields"].get("reply_content")
        return str(raw.get(key) or "") if key else ""
