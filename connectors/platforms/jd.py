"""JD open platform (JOS): signing, the vendor's comment list, the vendor's reply, read-back.

The protocol, as the open platform documents it (jos.jd.com "API调用说明", its gateway error table and
the request classes of its SDKs):

- a POST of form fields to the gateway (``https://api.jd.com/routerjson``) with the system parameters
  ``method``, ``app_key``, ``access_token``, ``timestamp`` ("yyyy-MM-dd HH:mm:ss", GMT+8; the gateway
  allows 6 minutes of difference), ``v=2.0``, ``format=json``, ``sign_method=md5`` and the business
  parameters as one JSON object in ``360buy_param_json``;
- ``sign``: every parameter but ``sign`` (``360buy_param_json`` included), sorted by name, joined as
  ``k1v1k2v2…``, wrapped in the secret, md5, upper-case hex: TOP's md5 signing
  (``connectors.platforms.top.sign``), checked against the gateway's verifier in
  tests/connectors/test_jd_signing.py;
- an error is ``{"error_response": {"code", "zh_desc", "en_desc"}}`` (code as a string): 2 App Call
  Limited, 8 Invalid Timestamp, 12 Invalid Signature, 19 Invalid access_token ("token已过期或者不存在，请重新
  授权访问"). Some gateways echo the token in ``zh_desc``: every message is scrubbed of the credentials;
- ``jingdong.pop.PopCommentJsfService.getVenderCommentsForJos``: ``beginTime``/``endTime``, ``page``
  (from 1), ``pageSize`` ≤ 50, ``score`` (0 all, 1 bad, 2 neutral, 3 good), ``orderIds`` (≤ 50,
  comma-separated), ``isVenderReply``; the answer
  ``{"jingdong_pop_PopCommentJsfService_getVenderCommentsForJos_responce": {"code": "0", "comments":
  [...], "totalItem": N, "page": n}}``, a comment (``PopCommentJosVo``) carrying ``commentId``,
  ``orderId``, ``skuid``, ``skuName``, ``content``, ``creationTime``, ``score`` (1–5 stars),
  ``nickName``, ``isVenderReply`` and the vendor's ``replies`` (``replyId``, ``content``,
  ``creationTime``). No cap on the records reachable per window is documented: none is applied;
- ``jingdong.pop.PopCommentJsfService.saveReply``: ``commentId``, ``content``; the answer carries
  ``resultCode``/``resultMsg``;
- the seller's authorisation is an OAuth access token; ``refresh()`` exchanges the refresh token at
  JD's OAuth endpoint (``open-oauth.jd.com/oauth2/refresh_token``, ``app_key``, ``app_secret``,
  ``grant_type=refresh_token``, ``refresh_token``), a different host from the gateway.

A review's identity is the order and the SKU (``order:<orderId>:item:<skuid>``, what the intake derives
when there is no sub-order), so a review imported from a file and the same one pulled are one review.
The reply call needs the comment's own id: ``post_reply`` reads the comment back by its order first.

Everything a deployer may need to correct is in ``DEFAULT_API``, copied to the connector's ``api``.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from cases.imports.cells import external_id
from connectors.platforms.base import (
    AMBIGUOUS,
    AUTH,
    CLOCK,
    RATE_LIMIT,
    SIGNATURE,
    Credentials,
    Page,
    PlatformClient,
    PlatformError,
    refreshed,
)
from connectors.platforms.top import sign, top_time

LIST_RESPONSE = "jingdong_pop_PopCommentJsfService_getVenderCommentsForJos_responce"
REPLY_RESPONSE = "jingdong_pop_PopCommentJsfService_saveReply_responce"

DEFAULT_API = {
    "methods": {
        "list": "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos",
        "reply": "jingdong.pop.PopCommentJsfService.saveReply",
    },
    "list_params": {"score": 0},
    "response": {
        "list": [LIST_RESPONSE, "comments"],
        "total": [LIST_RESPONSE, "totalItem"],
        "reply_code": [REPLY_RESPONSE, "resultCode"],
        "reply_message": [REPLY_RESPONSE, "resultMsg"],
    },
    # the business result codes of saveReply that mean "saved"; any other is resolved by reading the
    # comment back before a retry (a code listed in "errors" is mapped like a gateway error)
    "reply_ok_codes": ["1"],
    # intake field -> the comment's key (a dotted path reaches into a list or an object; "" = not given)
    "fields": {
        "order_no": "orderId",
        "sub_order_no": "",
        "item_id": "skuid",
        "item_title": "skuName",
        "content": "content",
        "reviewed_at": "creationTime",
        "buyer_nick": "nickName",
        "rating": "score",
        "reply_content": "replies.0.content",
        "appended_content": "",
        "appended_at": "",
    },
    "comment_id": "commentId",
    "ratings": {},  # the comment's score is 1–5 stars: the intake takes it as it is
    "page_size": 50,
    "max_page_size": 50,
    "orders_per_call": 50,  # orderIds: up to 50 orders in one read-back
    "max_page_no": None,  # none documented
    "window_cap": None,  # none documented
    "history_days": 180,
    "reply_max_chars": 500,
    "reply_window_days": 180,
    "reply_closed_after_append": False,
    "refresh_url": "https://open-oauth.jd.com/oauth2/refresh_token",
    "errors": {
        RATE_LIMIT: ["2"],
        AUTH: ["19"],
        CLOCK: ["8"],
        SIGNATURE: ["12"],
    },
}


def dig(data, path):
    """``data`` followed along ``path`` (keys, or list indexes as digits); None when it breaks off."""
    for key in path:
        if isinstance(data, list) and str(key).isdigit():
            data = data[int(key)] if int(key) < len(data) else None
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def moment_of(value):
    """A platform's time as the intake takes it: epoch seconds or milliseconds become an aware datetime;
    a text (GMT+8 "yyyy-MM-dd HH:mm:ss", as exports carry it) is left to the intake."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    if isinstance(value, str) and not value.isdigit():
        return value
    number = float(value)
    if number > 1e11:  # milliseconds
        number /= 1000
    return dt.datetime.fromtimestamp(number, dt.UTC)


def scrubbed(message: str, credentials: Credentials) -> str:
    """``message`` without any credential in it (a gateway may echo the token it refused)."""
    for secret in (credentials.app_secret, credentials.session_key, credentials.refresh_token):
        if secret and len(secret) >= 4:
            message = message.replace(secret, "***")
    return message


class ReviewMapping(PlatformClient):
    """The intake side every JSON platform shares: a raw comment as an intake item through the
    connector's field mapping, its reply, its identity."""

    def to_item(self, raw: dict) -> dict:
        item = {}
        for name, key in self.api["fields"].items():
            value = dig(raw, key.split(".")) if key else None
            if value not in (None, ""):
                item[name] = value
        if "rating" in item:
            item["rating"] = self.api["ratings"].get(str(item["rating"]), item["rating"])
        for name in ("reviewed_at", "appended_at"):
            if name in item:
                item[name] = moment_of(item[name])
        for name in ("order_no", "sub_order_no", "item_id"):
            if name in item:
                item[name] = str(item[name])
        item["seller_replied"] = bool(item.get("reply_content"))
        return item

    def reply_of(self, raw: dict) -> str:
        key = self.api["fields"].get("reply_content")
        return str(dig(raw, key.split(".")) or "") if key and raw else ""

    def matches(self, raw: dict, target: str) -> bool:
        """Whether ``raw`` is the review ``target`` names: its platform id, its sub-order, or the identity
        the intake derived for it (``cases.imports.cells.external_id``)."""
        if not target:
            return True
        item = self.to_item(raw)
        known = {
            str(dig(raw, [self.api["comment_id"]]) or ""),
            item.get("sub_order_no", ""),
            external_id(item, ["sub_order_no", "order_no"]),
        }
        return str(target) in known - {""}


class JdClient(ReviewMapping):
    """One connector's JOS client (see the module's docstring and ``connectors.platforms.base``)."""

    DEFAULT_API = DEFAULT_API

    # --- the protocol ---------------------------------------------------------------------------
    def call(self, method: str, params: dict) -> dict:
        c = self.credentials
        business = {k: v for k, v in params.items() if v not in (None, "")}
        form = {
            "method": method,
            "app_key": c.app_key,
            "access_token": c.session_key,
            "timestamp": top_time(self.clock()),
            "v": "2.0",
            "format": "json",
            "sign_method": "md5",
            "360buy_param_json": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
        }
        form["sign"] = sign(form, c.app_secret, "md5")
        data = self._send(self.gateway_url, body=urlencode(form).encode("utf-8"))
        error = data.get("error_response") if isinstance(data, dict) else None
        if error:
            raise self._error(error)
        return data

    def _kind(self, code: str, default: str) -> str:
        return next((k for k, codes in self.api["errors"].items() if code in codes), default)

    def _error(self, error: dict) -> PlatformError:
        code = str(error.get("code", ""))
        text = str(error.get("zh_desc") or error.get("en_desc") or error.get("msg") or "")
        message = scrubbed(f"{code} {text}".strip(), self.credentials)
        # an unmapped gateway code: the platform's own trouble, which may or may not have applied the call
        return PlatformError(self._kind(code, AMBIGUOUS), message[:480], code=code)

    # --- the connector interface -----------------------------------------------------------------
    def _list(self, extra: dict) -> Page:
        response = self.api["response"]
        data = self.call(self.api["methods"]["list"], {**self.api["list_params"], **extra})
        items = dig(data, response["list"]) or []
        total = dig(data, response["total"])
        return Page(items=list(items), total=int(total) if total not in (None, "") else None)

    def list_reviews(self, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        self.log.windows.append((start, end))
        return self._list(
            {
                "beginTime": top_time(start),
                "endTime": top_time(end),
                "page": page_no,
                "pageSize": self.page_size,
            }
        )

    def read_review(self, order_no: str, target: str) -> dict | None:
        page = self._list({"orderIds": str(order_no), "page": 1, "pageSize": self.page_size})
        return next((raw for raw in page.items if self.matches(raw, target)), None)

    def read_reviews(self, wanted: list[tuple[str, str]]) -> list[dict | None]:
        """Several reviews read back with ``orderIds`` (``orders_per_call`` orders a call, paged like a
        window): one answer per (order, target), None for one the platform no longer shows."""
        orders = list(dict.fromkeys(str(order_no) for order_no, _target in wanted))
        step = max(1, int(self.api["orders_per_call"]))
        order_key = self.api["fields"]["order_no"]
        by_order: dict[str, list[dict]] = {}
        for i in range(0, len(orders), step):
            page_no, pages = 1, 1
            while page_no <= pages:
                page = self._list(
                    {"orderIds": ",".join(orders[i : i + step]), "page": page_no, "pageSize": self.page_size}
                )
                for raw in page.items:
                    by_order.setdefault(str(dig(raw, order_key.split("."))), []).append(raw)
                if not page.items:
                    break
                pages = -(-int(page.total or 0) // self.page_size)
                page_no += 1
        return [
            next((raw for raw in by_order.get(str(order_no), []) if self.matches(raw, target)), None)
            for order_no, target in wanted
        ]

    def post_reply(self, order_no: str, target: str, text: str) -> None:
        raw = self.read_review(order_no, target)
        if raw is None:
            raise PlatformError(AMBIGUOUS, _("平台上暂时查不到这条评价，稍后再试。"))
        data = self.call(
            self.api["methods"]["reply"],
            {"commentId": str(dig(raw, [self.api["comment_id"]])), "content": text},
        )
        code = str(dig(data, self.api["response"]["reply_code"]) or "")
        if code in [str(c) for c in self.api["reply_ok_codes"]]:
            return
        message = scrubbed(
            f"{code} {dig(data, self.api['response']['reply_message']) or ''}", self.credentials
        )
        raise PlatformError(
            self._kind(code, AMBIGUOUS), message.strip()[:480] or _("平台未确认回复已保存。"), code=code
        )

    def refresh(self) -> dict:
        """A new access token for the refresh token (JD's OAuth endpoint, see the module's docstring)."""
        c = self.credentials
        query = urlencode(
            {
                "app_key": c.app_key,
                "app_secret": c.app_secret,
                "grant_type": "refresh_token",
                "refresh_token": c.refresh_token,
            }
        )
        data = self._send(f"{self.api['refresh_url']}?{query}", body=None, method="GET")
        if not isinstance(data, dict):
            raise PlatformError(AMBIGUOUS, _("平台刷新授权时没有返回新的令牌。"))
        if str(data.get("code", "0")) != "0":  # the refresh token was refused: the seller authorises again
            text = scrubbed(f"{data.get('code', '')} {data.get('msg') or ''}".strip(), c)
            raise PlatformError(AUTH, text[:480] or _("平台拒绝刷新授权。"), code=str(data.get("code", "")))
        return refreshed(
            str(data.get("access_token") or ""),
            data.get("refresh_token") or c.refresh_token,
            expires_in=data.get("expires_in"),
            now=self.clock(),
        )
