"""Douyin shop open platform (抖店, op.jinritemai.com): signing, the comment list, the reply, read-back.

The protocol, as the open platform's guide and its current SDKs implement it:

- a POST to the gateway at the method's path (``https://openapi-fxg.jinritemai.com`` + ``/comment/list``
  for ``comment.list``: the dots of the method name become slashes); the public parameters in the query
  (``app_key``, ``method``, ``access_token``, ``timestamp`` — Unix seconds —, ``v=2``, ``sign_method``,
  ``sign``), the business parameters as the body: ``param_json``, compact JSON with every object's keys
  sorted;
- ``sign``: the secret, then ``app_key<k>method<m>param_json<p>timestamp<t>v<v>``, then the secret
  again; ``hmac-sha256`` is HMAC-SHA256 of that keyed by the secret (what the SDKs send), ``md5`` its
  md5; lower-case hex. ``access_token`` is not signed. Checked against the test vector published with
  an independent open-source client (the guide gives no worked value) in
  tests/connectors/test_douyin_signing.py;
- every answer is ``{"code", "msg", "sub_code", "sub_msg", "data"}``; ``code`` 10000 is success. An
  expired or revoked token answers a ``sub_code`` such as ``isv.access-token-expired``, too many calls
  code 60000; the errors table maps codes *and* sub codes to the base kinds (a code such as 40003 "非法
  的参数" covers unrelated causes: the sub code says which);
- the comment list (method name in ``api["methods"]``; the interface is granted per app in the console):
  ``start_time``/``end_time`` (Unix seconds), ``page`` (from 0), ``size`` ≤ 100, optional
  ``product_id``, ``order_id``, ``rank``, ``is_reply``; ``data.total`` and ``data.comment_list``. The
  reply (``comment.reply``): ``comment_id``, ``content``;
- ``token.refresh`` (``grant_type=refresh_token``, ``refresh_token``; no ``access_token``) answers a
  new ``access_token``, the ``refresh_token`` to keep and ``expires_in`` seconds.

The method names, parameter names and response keys of the comment interfaces are data
(``DEFAULT_API``, copied to the connector's ``api``): compare them with the interface page in the app's
console before the first pull, and correct them there without a release.

A review's identity is the order and the product (``order:<order_id>:item:<product_id>``), as the
Douyin export mapping derives it, so a review imported from a file and the same one pulled are one
review; the reply needs the comment's own id, which ``post_reply`` reads back by the order first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import urlencode

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
    PlatformError,
    refreshed,
)
from connectors.platforms.jd import ReviewMapping, dig, scrubbed

SUCCESS = "10000"

DEFAULT_API = {
    "methods": {"list": "comment.list", "reply": "comment.reply", "refresh": "token.refresh"},
    "list_params": {},
    "params": {
        "start": "start_time",
        "end": "end_time",
        "page": "page",
        "size": "size",
        "order_id": "order_id",
        "comment_id": "comment_id",
        "content": "content",
    },
    "first_page": 0,
    "response": {"list": ["data", "comment_list"], "total": ["data", "total"]},
    "fields": {
        "order_no": "order_id",
        "sub_order_no": "",
        "item_id": "product_id",
        "item_title": "product_name",
        "sku": "sku_desc",
        "content": "content",
        "reviewed_at": "create_time",
        "buyer_nick": "user_name",
        "rating": "rank",
        "reply_content": "reply_content",
        "appended_content": "append_comment.content",
        "appended_at": "append_comment.create_time",
    },
    "comment_id": "comment_id",
    # the rank is 1–5; the Douyin export says "5分": the same words, so a file and a pull agree
    "ratings": {str(n): f"{n}分" for n in range(1, 6)},
    "page_size": 100,
    "max_page_size": 100,
    "max_page_no": None,
    "window_cap": None,
    "history_days": 180,
    "reply_max_chars": 500,
    "reply_window_days": 180,
    "reply_closed_after_append": False,
    "errors": {
        RATE_LIMIT: ["60000", "isv.traffic-limited"],
        AUTH: ["isv.access-token-expired", "isv.access-token-no-existed", "isv.shop-not-authorized"],
        CLOCK: ["isv.timestamp-invalid"],
        SIGNATURE: ["isv.signature-invalid", "isv.app-key-invalid"],
    },
}


def param_json(params: dict) -> str:
    """The business parameters as the platform signs them: compact JSON, keys sorted at every level."""
    return json.dumps(params, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def sign(
    *, app_key: str, secret: str, method: str, body: str, timestamp: str, v: str = "2", how="hmac-sha256"
):
    """The 抖店 signature (see the module's docstring), lower-case hex."""
    text = f"{secret}app_key{app_key}method{method}param_json{body}timestamp{timestamp}v{v}{secret}"
    if how == "hmac-sha256":
        return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    if how == "md5":
        return hashlib.md5(text.encode("utf-8")).hexdigest()
    raise ValueError(f"unknown sign_method {how!r}")


class DouyinClient(ReviewMapping):
    """One connector's 抖店 client (see the module's docstring and ``connectors.platforms.base``)."""

    DEFAULT_API = DEFAULT_API

    def __init__(self, *, gateway_url: str, credentials: Credentials, api: dict, clock=None, timeout=None):
        super().__init__(
            gateway_url=gateway_url.rstrip("/"),
            credentials=credentials,
            api=api,
            clock=clock,
            timeout=timeout,
        )

    # --- the protocol ---------------------------------------------------------------------------
    def call(self, method: str, params: dict, *, token: bool = True) -> dict:
        c = self.credentials
        how = c.sign_method or "hmac-sha256"
        if how not in ("md5", "hmac-sha256"):  # a configuration error: nothing is sent
            raise PlatformError(
                SIGNATURE, _("抖店只支持 md5 或 hmac-sha256 签名，不支持 %(how)s。") % {"how": how}
            )
        body = param_json({k: v for k, v in params.items() if v not in (None, "")})
        timestamp = str(int(self.clock().timestamp()))
        query = {"app_key": c.app_key, "method": method, "timestamp": timestamp, "v": "2", "sign_method": how}
        if token:
            query["access_token"] = c.session_key
        query["sign"] = sign(
            app_key=c.app_key, secret=c.app_secret, method=method, body=body, timestamp=timestamp, how=how
        )
        url = f"{self.gateway_url}/{method.replace('.', '/')}?{urlencode(query)}"
        data = self._send(url, body=body.encode("utf-8"), content_type="application/json;charset=utf-8")
        if not isinstance(data, dict) or str(data.get("code", "")) != SUCCESS:
            raise self._error(data if isinstance(data, dict) else {})
        return data

    def _error(self, data: dict) -> PlatformError:
        code, sub_code = str(data.get("code", "")), str(data.get("sub_code") or "")
        msg, sub_msg = str(data.get("msg") or ""), str(data.get("sub_msg") or "")
        message = f"{code} {msg}" + (f" ({sub_code}: {sub_msg})" if sub_code or sub_msg else "")
        errors = self.api["errors"]
        kind = next((k for k, codes in errors.items() if sub_code and sub_code in codes), None)
        kind = kind or next((k for k, codes in errors.items() if code in codes), None)
        if kind is None:
            # isv.*: the request was wrong or not allowed (definitive); anything else (isp.*, dop.*, 20000):
            # the platform's own trouble, which may or may not have applied the call
            kind = REFUSED if sub_code.startswith("isv.") else AMBIGUOUS
        message = scrubbed(message, self.credentials)
        return PlatformError(kind, message[:480], code=code, sub_code=sub_code)

    # --- the connector interface -----------------------------------------------------------------
    def _list(self, extra: dict) -> Page:
        response = self.api["response"]
        data = self.call(self.api["methods"]["list"], {**self.api["list_params"], **extra})
        items = dig(data, response["list"]) or []
        total = dig(data, response["total"])
        return Page(items=list(items), total=int(total) if total not in (None, "") else None)

    def _page(self, page_no: int) -> dict:
        p = self.api["params"]
        return {p["page"]: page_no - 1 + int(self.api["first_page"]), p["size"]: self.page_size}

    def list_reviews(self, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        self.log.windows.append((start, end))
        p = self.api["params"]
        return self._list(
            {p["start"]: int(start.timestamp()), p["end"]: int(end.timestamp()), **self._page(page_no)}
        )

    def read_review(self, order_no: str, target: str) -> dict | None:
        page = self._list({self.api["params"]["order_id"]: str(order_no), **self._page(1)})
        return next((raw for raw in page.items if self.matches(raw, target)), None)

    def post_reply(self, order_no: str, target: str, text: str) -> None:
        raw = self.read_review(order_no, target)
        if raw is None:
            raise PlatformError(AMBIGUOUS, _("平台上暂时查不到这条评价，稍后再试。"))
        p = self.api["params"]
        self.call(
            self.api["methods"]["reply"],
            {p["comment_id"]: str(dig(raw, [self.api["comment_id"]])), p["content"]: text},
        )

    def refresh(self) -> dict:
        """A new access token for the refresh token (``token.refresh``; the call carries no access token)."""
        c = self.credentials
        try:
            data = self.call(
                self.api["methods"]["refresh"],
                {"grant_type": "refresh_token", "refresh_token": c.refresh_token},
                token=False,
            )
        except PlatformError as exc:
            if exc.kind == REFUSED:  # the refresh token itself was refused: the seller authorises again
                exc.kind = AUTH
            raise
        answer = data.get("data") if isinstance(data.get("data"), dict) else {}
        return refreshed(
            answer.get("access_token", ""),
            answer.get("refresh_token") or c.refresh_token,
            expires_in=answer.get("expires_in"),
            now=self.clock(),
        )
