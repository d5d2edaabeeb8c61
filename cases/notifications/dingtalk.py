"""DingTalk (钉钉) custom robot: markdown message, signature in the query string.

Signing (DingTalk's custom-robot docs, 加签): ``timestamp`` in milliseconds; HMAC-SHA256 with the
secret as key over ``f"{timestamp}\\n{secret}"``, base64, then URL-encoded, appended to the webhook
URL as ``&timestamp=…&sign=…``. Success is ``{"errcode": 0}``; a bad signature is errcode 310000.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from cases.notifications.http import DeliveryError, post_json, robot_message
from cases.notifications.messages import Message


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """The base64 signature before URL-encoding (``urlencode`` in ``dingtalk_url`` quotes it once)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_url(webhook_url: str, *, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return webhook_url
    parts = urlsplit(webhook_url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("timestamp", "sign")
    ]
    query += [("timestamp", str(timestamp_ms)), ("sign", dingtalk_sign(timestamp_ms, secret))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def dingtalk_payload(message: Message) -> dict:
    body = [f"#### {message.title}", ""] + [f"- {line}" for line in message.lines]
    if message.url:
        body += ["", f"[{_('查看案件')}]({message.url})"]
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": "\n".join(body)}}


def dingtalk_send(*, webhook_url: str, secret: str, message: Message, timestamp_ms: int) -> None:
    url = dingtalk_url(webhook_url, secret=secret, timestamp_ms=timestamp_ms)
    _status, data = post_json(url, dingtalk_payload(message))
    if data.get("errcode") != 0:
        raise DeliveryError(
            f"钉钉返回错误 {robot_message(data.get('errcode'))}: {robot_message(data.get('errmsg'))}".strip()
        )
