"""The robots' JSON POST, through the one outbound client (``reviewdesk.outbound``): it checks the
destination (no loopback, private or metadata addresses, no redirects, http(s) only) and keeps every
error short. What a robot answers is never stored whole: only its status code and, for a robot's own
error code, the code and its message cut short."""

from __future__ import annotations

from reviewdesk.outbound import OutboundError
from reviewdesk.outbound import post_json as outbound_post_json

ROBOT_MESSAGE_CHARS = 120


class DeliveryError(Exception):
    """A channel refused or could not take a message. ``str()`` is what the manager sees."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


def robot_message(value) -> str:
    """A robot's ``errmsg``/``msg`` as a short single line (the robot's words, not its whole answer)."""
    text = " ".join(str(value or "").split())
    return text if len(text) <= ROBOT_MESSAGE_CHARS else text[:ROBOT_MESSAGE_CHARS] + "…"


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    """POST ``payload`` as UTF-8 JSON; returns (status, parsed body) or raises DeliveryError."""
    try:
        response = outbound_post_json(url, payload)
        data = response.json()
    except OutboundError as exc:
        raise DeliveryError(str(exc), status_code=exc.status_code)
    if not isinstance(data, dict):
        raise DeliveryError(f"响应格式异常 (HTTP {response.status})", status_code=response.status)
    return response.status, data
