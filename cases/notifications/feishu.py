"""Feishu (飞书) custom robot: rich-text "post" message, optional signature in the JSON body.

Signing (Feishu's custom-bot docs): ``timestamp`` in seconds; the HMAC-SHA256 *key* is
``f"{timestamp}\\n{secret}"`` and the message is empty; the digest is base64-encoded and sent as
``"sign"`` beside ``"timestamp"`` in the body. Success is ``{"code": 0}`` (older hooks answer
``{"StatusCode": 0}``); a bad signature is code 19021.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.utils.translation import gettext as _

from cases.notifications.http import DeliveryError, post_json, robot_message
from cases.notifications.messages import Message


def feishu_sign(timestamp: int, secret: str) -> str:
    string_to_sign = f"{timestamp}\n{secret}".encode()
    digest = hmac.new(string_to_sign, b"", digestmod=hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_payload(message: Message, *, secret: str, timestamp: int) -> dict:
    content = [[{"tag": "text", "text": line}] for line in message.lines]
    if message.url:
        content.append([{"tag": "a", "text": _("查看案件"), "href": message.url}])
    payload: dict = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": message.title, "content": content}}},
    }
    if secret:
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret), **payload}
    return payload


def feishu_send(*, webhook_url: str, secret: str, message: Message, timestamp: int) -> None:
    _status, data = post_json(webhook_url, feishu_payload(message, secret=secret, timestamp=timestamp))
    code = data.get("code", data.get("StatusCode"))
    if code != 0:
        raise DeliveryError(
            f"飞书返回错误 {robot_message(code)}: {robot_message(data.get('msg') or data.get('StatusMessage'))}".strip()
        )
