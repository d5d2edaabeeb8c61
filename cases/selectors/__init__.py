"""Reads of the cases app (conventions rule 1, docs/conventions.md): the work queues and what the case page shows."""

from cases.selectors.queue import (
    SCOPES,
    QueueFilters,
    due_follow_ups_for,
    queue_for,
    visible_cases,
    with_deadlines,
)

__all__ = ["SCOPES", "QueueFilters", "due_follow_ups_for", "queue_for", "visible_cases", "with_deadlines"]
