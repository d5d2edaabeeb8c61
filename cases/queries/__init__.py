"""Reads of the cases app (conventions rule 1, docs/conventions.md): which cases a user may reach
(``access``), the work queues and what the case page shows."""

from cases.queries.access import case_for, case_or_404, visible_cases
from cases.queries.filters import QueueFilterSet
from cases.queries.queue import (
    SCOPES,
    due_follow_ups_for,
    queue_for,
    with_deadlines,
)

__all__ = [
    "SCOPES",
    "QueueFilterSet",
    "case_for",
    "case_or_404",
    "due_follow_ups_for",
    "queue_for",
    "visible_cases",
    "with_deadlines",
]
