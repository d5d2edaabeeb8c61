""" "Start my next case" (the agent's home): the most urgent case of the user's own queue, or, when it is
empty, the most urgent unassigned case of their shops, claimed through ``case_claim`` (its table row and
guards, its optimistic version, its routing log).

The order is the queue's own (``cases.queries.queue.queue_for``: breached, near breach, by due time).
A case someone claims between the read and the claim is skipped: the next candidate is tried, up to
``CLAIM_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.queries.queue import queue_for
from cases.workflow.contact import case_claim

CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class NextCase:
    case_id: int | None  # None: nothing to do
    claimed: bool  # taken from the shop's unassigned queue just now
    refusals: tuple[str, ...] = ()  # why the candidates tried were not claimed (someone was faster …)


def case_claim_next(*, by, now: dt.datetime | None = None) -> NextCase:
    """The user's next case (see the module docstring); claims an unassigned one when their own queue is
    empty. Never raises for a lost race: the refusals say what happened."""
    now = now or timezone.now()
    own = queue_for(by, scope="mine", now=now).values_list("pk", flat=True).first()
    if own is not None:
        return NextCase(own, claimed=False)
    candidates = list(queue_for(by, scope="shop", now=now).values_list("pk", "version")[:CLAIM_ATTEMPTS])
    refusals = []
    for case_id, version in candidates:
        try:
            case_claim(case_id=case_id, by=by, version=version, now=now)
        except ValidationError as error:
            refusals.append("".join(error.messages))
            continue
        return NextCase(case_id, claimed=True, refusals=tuple(refusals))
    return NextCase(None, claimed=False, refusals=tuple(refusals))
