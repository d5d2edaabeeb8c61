"""Kuaishou e-commerce open platform (快手电商开放平台): signing, the comment list, the seller's reply,
read-back and token refresh.

The protocol, as its API guide and SDKs describe it:

- the gateway (``https://openapi.kwaixiaodian.com``) takes each method at the path of its name with dots
  as slashes (``open.comment.list.get`` → ``/open/comment/list/get``); the public parameters ``appkey``,
  ``method``, ``version`` (1), ``access_token``, ``timestamp`` (milliseconds), ``signMethod`` (``MD5`` or
  ``HMAC_SHA256``) and ``sign`` go in the query; the business parameters are one JSON object, ``param``
  (in the query for GET, in the form body for POST);
- ``sign``: the public parameters and ``param`` (not ``sign``) sorted by name and joined as
  ``k1=v1&k2=v2…``, then ``&signSecret=<the app's signing secret>`` appended (the signing secret is not
  the app secret and is never sent); MD5 → lower-case hex digest; HMAC_SHA256 → the base64 of the
  HMAC-SHA256 of that string keyed by the signing secret;
- an answer is ``{"result": 1, "data": …}``; any other ``result`` is an error with ``error_msg`` (and
  sometimes ``code``/``sub_code``);
- ``open.comment.list.get`` (GET; ``createTimeFrom``/``createTimeTo`` in milliseconds, ``offset``,
  ``limit``, ``outOrderNo`` to read one order back): ``data.rootComment`` and ``data.total``;
- ``open.comment.add`` (POST; ``replyToCommentId``, ``content``): text only, to the buyer's first review,
  within 30 days of it;
- the token: ``oauth2/refresh_token`` (``app_id``, ``app_secret``, ``grant_type=refresh_token``,
  ``refresh_token``) answers ``access_token``, ``refresh_token`` and ``expires_in`` (seconds).

What the documentation read here does not state (the error codes, the page limit, the reply's length
limit, a cap per query window) is in ``DEFAULT_API`` as a conservative default a deployer corrects in
the connector's ``api`` field, like every mapping.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext as _

from connectors.platforms.base import (
    AMBIGUOUS,
    AUTH,
    CLOCK,
    RATE_LIMIT,
    REFUSED,
    SIGNATURE,
    Credentials,
    Page,
    PlatformClient,
    PlatformError,
    refreshed,
)
from connectors.platforms.top import GMT8, _dig

SIGN_METHODS = {"md5": "MD5", "hmac-sha256": "HMAC_SHA256"}
REPLIED = "replied"  # ``reply_of``'s answer when the list only flags a seller's reply

DEFAULT_API = {
    "methods": {"list": "open.comment.list.get", "reply": "open.comment.add"},
    "http_methods": {"list": "GET", "reply": "POST"},
    "version": "1",
    "refresh_path": "/oauth2/refresh_token",
    "response": {
        "list": ["data", "rootComment"],
        "total": ["data", "total"],
    },
    # intake field -> the platform's key ("" = not given). The comment id is the review's identity and
    # what a reply names; appended reviews are sub-comments (only their time is on the root comment).
    "fields": {
        "external_id": "commentId",
        "order_no": "orderId",
        "sub_order_no": "",
        "item_id": "itemId",
        "item_title": "itemTitle",
        "content": "content",
        "reviewed_at": "createTime",
        "buyer_nick": "buyerNick",
        "rating": "creditScore",
        "reply_content": "",
        "appended_content": "",
        "appended_at": "attachedTime",
    },
    "time_fields": ["reviewed_at", "appended_at"],  # milliseconds since the epoch
    "reply_flag": "replied",
    "page_size": 20,
    "max_page_no": 250,
    "window_cap": 5000,
    "history_days": 180,
    "reply_max_chars": 500,
    "reply_window_days": 30,
    "reply_closed_after_append": True,
    "errors": {
        RATE_LIMIT: ["802006", "429"],
        AUTH: ["24", "28", "100026"],
        CLOCK: ["31"],
        SIGNATURE: ["25", "29"],
    },
}


def sign(params: dict[str, str], sign_secret: str, method: str = "MD5") -> str:
    """Kuaishou's signature of ``params`` (without ``sign``)."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] not in ("", None))
    text += f"&signSecret={sign_secret}"
    if method == "MD5":
        return hashlib.md5(text.encode("utf-8")).hexdigest()
    if method == "HMAC_SHA256":
        digest = hmac.new(sign_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")
    raise ValueError(f"unknown signMethod {method!r}")


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class KuaishouClient(PlatformClient):
    """One connector's Kuaishou client (see the module's docstring and ``connectors.platforms.base``)."""

    DEFAULT_API = DEFAULT_API

    def __init__(self, *, gateway_url: str, credentials: Credentials, api: dict, clock=None, timeout=None):
        super().__init__(
            gateway_url=gateway_url, credentials=credentials, api=api, clock=clock, timeout=timeout
        )
        parts = urlsplit(gateway_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    # --- the protocol ---------------------------------------------------------------------------
    def _post(self, url: str, *, body: bytes | None, method: str) -> dict:
        data = self._send(url, body=body, method=method)
        if not isinstance(data, dict):
            raise PlatformError(AMBIGUOUS, _("平台的响应不是JSON对象。"))
        if str(data.get("result")) != "1":
            raise self._error(data)
        return data

    def call(self, name: str, param: dict) -> dict:
        c = self.credentials
        sign_method = SIGN_METHODS.get(c.sign_method or "md5")
        if sign_method is None:
            raise PlatformError(SIGNATURE, _("快手只支持 md5 和 hmac-sha256 签名。"))
        method = self.api["methods"][name]
        public = {
            "appkey": c.app_key,
            "method": method,
            "version": str(self.api.get("version") or "1"),
            "access_token": c.session_key,
            "timestamp": str(_millis(self.clock())),
            "signMethod": sign_method,
            "param": json.dumps(param, ensure_ascii=False, separators=(",", ":")),
        }
        public["sign"] = sign(public, c.sign_secret or c.app_secret, sign_method)
        url = f"{self.origin}/{method.replace('.', '/')}"
        http = str(self.api["http_methods"].get(name) or "POST").upper()
        if http == "GET":
            return self._post(f"{url}?{urlencode(public)}", body=None, method="GET")
        body = urlencode({"param": public.pop("param")}).encode("utf-8")
        return self._post(f"{url}?{urlencode(public)}", body=body, method="POST")

    def _error(self, data: dict) -> PlatformError:
        code = str(data.get("result", ""))
        sub_code = str(data.get("sub_code") or data.get("code") or "")
        msg = str(data.get("error_msg") or data.get("msg") or "")
        sub_msg = str(data.get("sub_msg") or "")
        message = f"{code} {msg}" + (f" ({sub_code}: {sub_msg})" if sub_code or sub_msg else "")
        kind = next(
            (
                k
                for k, codes in self.api["errors"].items()
                if code in codes or (sub_code and sub_code in codes)
            ),
            None,
        )
        if kind is None:
            # a business refusal is answered with a message; a server error (5xx-like codes) may have
            # applied the call
            kind = AMBIGUOUS if code.startswith("5") or not msg else REFUSED
        return PlatformError(kind, message[:480], code=code, sub_code=sub_code)

    # --- the connector interface -----------------------------------------------------------------
    def _list(self, param: dict) -> Page:
        response = self.api["response"]
        data = self.call("list", param)
        items = _dig(data, response["list"]) or []
        total = _dig(data, response["total"])
        total = int(total) if total is not None else None
        return Page(items=list(items), total=total, has_next=len(items) >= int(param.get("limit") or 0))

    def list_reviews(self, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        self.log.windows.append((start, end))
        size = self.page_size
        return self._list(
            {
                "createTimeFrom": _millis(start),
                "createTimeTo": _millis(end),
                "offset": (page_no - 1) * size,
                "limit": size,
            }
        )

    def read_review(self, order_no: str, target: str) -> dict | None:
        page = self._list({"outOrderNo": str(order_no), "offset": 0, "limit": self.page_size})
        id_key = self.api["fields"]["external_id"]
        for raw in page.items:
            if not target or str(raw.get(id_key, "")) == str(target):
                return raw
        return None

    def post_reply(self, order_no: str, target: str, text: str) -> None:
        self.call(
            "reply", {"replyToCommentId": int(target) if str(target).isdigit() else target, "content": text}
        )

    def refresh(self) -> dict | None:
        """A new access token for the refresh token (``connectors.platforms.base``: ``refresh``)."""
        c = self.credentials
        path = self.api.get("refresh_path")
        if not path or not c.refresh_token:
            return None
        form = {
            "app_id": c.app_key,
            "app_secret": c.app_secret,
            "grant_type": "refresh_token",
            "refresh_token": c.refresh_token,
        }
        try:
            data = self._post(self.origin + path, body=urlencode(form).encode("utf-8"), method="POST")
        except PlatformError as exc:
            if exc.kind in (AMBIGUOUS, RATE_LIMIT):
                raise
            raise PlatformError(
                AUTH, _("刷新授权被拒绝：%(reason)s") % {"reason": exc}, code=exc.code
            ) from exc
        return refreshed(
            data.get("access_token") or "",
            data.get("refresh_token") or c.refresh_token,
            expires_in=data.get("expires_in"),
            now=self.clock(),
        )

    def to_item(self, raw: dict) -> dict:
        item = {}
        for name, key in self.api["fields"].items():
            if key and raw.get(key) not in (None, ""):
                item[name] = raw[key]
        for name in self.api.get("time_fields") or ():
            if name in item:
                try:
                    moment = dt.datetime.fromtimestamp(int(item[name]) / 1000, tz=dt.UTC)
                except (TypeError, ValueError, OverflowError, OSError):
                    continue
                item[name] = moment.astimezone(GMT8).isoformat()
        for name in ("external_id", "order_no", "sub_order_no", "item_id"):
            if name in item:
                item[name] = str(item[name])
        if "rating" in item:
            item["rating"] = int(item["rating"]) if str(item["rating"]).isdigit() else item["rating"]
        if not item.get("buyer_nick"):
            # an anonymous comment names no buyer: one per comment, so triage groups nothing under it
            item["buyer_nick"] = f"快手买家{item.get('external_id', '')}"  # data, not a UI string
        item["seller_replied"] = bool(self.reply_of(raw))
        return item

    def reply_of(self, raw: dict) -> str:
        """The list gives whether the seller replied, not the reply's text: a marker when it did."""
        flag = self.api.get("reply_flag")
        return REPLIED if flag and raw.get(flag) else ""
