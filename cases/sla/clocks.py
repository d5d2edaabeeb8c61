"""A case's SLA clocks, named once: which target each is, and the case fields that hold its warning time,
its deadline and the moment that stops it (``None``: the clock stops only when the case closes).

The sweep, the queue's urgency, the case page and the dashboard all read this table."""

from __future__ import annotations

from dataclasses import dataclass

from cases.notifications.choices import SlaTarget


@dataclass(frozen=True)
class Clock:
    target: str
    warn: str
    due: str
    done: str | None


CLOCKS: tuple[Clock, ...] = (
    Clock(SlaTarget.FIRST_RESPONSE, "first_response_warn_at", "first_response_due_at", "first_responded_at"),
    Clock(SlaTarget.NEXT_RESPONSE, "next_response_warn_at", "next_response_due_at", None),
    Clock(SlaTarget.PUBLIC_REPLY, "public_reply_warn_at", "public_reply_due_at", "public_replied_at"),
    Clock(SlaTarget.RESOLUTION, "resolution_warn_at", "resolution_due_at", "resolved_at"),
)
