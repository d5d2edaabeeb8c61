"""Builders for the workspace (web UI) tests: cases triaged by the real engine, as intake makes them
(the default policy pack is the ``seeded`` fixture of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case, CaseEvent, CompensationOffer, ContactAttempt, Reply
from tests.cases import workflow_factories


def business_moment() -> dt.datetime:
    """Today 10:00 in Shanghai (outside quiet hours), a few minutes in the past."""
    local = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    if local > timezone.localtime():
        local -= dt.timedelta(days=1)
    return local


def triaged_case(shop, *, received_at=None, **fields) -> Case:
    """A review stored and triaged by the engine (as intake does), received five minutes ago unless
    told (tests/cases/workflow_factories.triaged_case, which takes the same arguments)."""
    return workflow_factories.triaged_case(
        shop, received_at=received_at or timezone.now() - dt.timedelta(minutes=5), **fields
    )


def snapshot(case_id: int) -> dict:
    """Everything a refused action must leave as it was."""
    case = Case.objects.filter(pk=case_id).values().get()
    return {
        "case": case,
        "events": list(CaseEvent.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "offers": list(CompensationOffer.objects.filter(case_id=case_id).values()),
        "contacts": list(ContactAttempt.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "replies": list(Reply.objects.filter(case_id=case_id).values_list("pk", flat=True)),
    }
