"""A tiny JSON POST over the standard library: the robots need nothing more than this."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

RESPONSE_EXCERPT = 300


class DeliveryError(Exception):
    """A channel refused or could not take a message. ``str()`` is what the manager sees."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    """POST ``payload`` as UTF-8 JSON; returns (status, parsed body) or raises DeliveryError."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    timeout = getattr(settings, "NOTIFY_HTTP_TIMEOUT", 5)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        excerpt = exc.read()[:RESPONSE_EXCERPT].decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {exc.code}: {excerpt}", status_code=exc.code)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连接失败：{reason}")
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DeliveryError(f"响应不是JSON：{raw[:RESPONSE_EXCERPT]!r}", status_code=status)
    if not isinstance(data, dict):
        raise DeliveryError(f"响应格式异常：{str(data)[:RESPONSE_EXCERPT]}", status_code=status)
    return status, data
