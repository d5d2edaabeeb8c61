"""Scores computed from cases, per agent (the case's assignee), for one period.

Each metric returns ``{agent_id: (value, sample_size)}``; an agent without data in the period gets
no row (their previous score keeps counting while valid, see ``training.certification``).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from cases.choices import OfferStatus
from cases.models import Case, CompensationOffer
from reviewdesk.models import User
from training.choices import ComputedMetric, ScoreSource
from training.models import SatisfactionSurvey, TrainingModule
from training.periods import Period, parse_period
from training.services.scores import TWO_PLACES, schedule_lapse_check, score_upsert

Result = dict[int, tuple[Decimal, int]] | None


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TWO_PLACES)


def first_response_sla(period: Period, now: dt.datetime) -> Result:
    """Share of the agent's cases whose first-response deadline fell in the period (and has passed
    or been met) that were first answered by that deadline."""
    rows = (
        Case.objects.filter(
            assignee__isnull=False,
            first_response_due_at__gte=period.start_datetime(),
            first_response_due_at__lt=period.end_datetime(),
        )
        .filter(Q(first_responded_at__isnull=False) | Q(first_response_due_at__lt=now))
        .values("assignee_id")
        .annotate(
            total=Count("id"),
            on_time=Count("id", filter=Q(first_responded_at__lte=F("first_response_due_at"))),
        )
    )
    return {row["assignee_id"]: (_pct(row["on_time"], row["total"]), row["total"]) for row in rows}


def first_response_minutes(period: Period, now: dt.datetime) -> Result:
    """Average wall-clock minutes from opening to the first response, for cases first answered in the
    period. (Deadlines count business hours; this KPI is what the buyer experienced.)"""
    rows = Case.objects.filter(
        assignee__isnull=False,
        first_responded_at__gte=period.start_datetime(),
        first_responded_at__lt=period.end_datetime(),
    ).values_list("assignee_id", "opened_at", "first_responded_at")
    sums: dict[int, tuple[float, int]] = {}
    for agent_id, opened_at, responded_at in rows.iterator(chunk_size=5000):
        total, count = sums.get(agent_id, (0.0, 0))
        sums[agent_id] = (total + max((responded_at - opened_at).total_seconds(), 0) / 60, count + 1)
    return {
        agent_id: (Decimal(total / count).quantize(TWO_PLACES), count)
        for agent_id, (total, count) in sums.items()
    }


def csat(period: Period, now: dt.datetime) -> Result:
    """Average 1–5 satisfaction answer ×20 (a 0–100 scale) of surveys answered in the period, by the
    case's assignee (``SatisfactionSurvey``, recorded by the shop's supervisors)."""
    rows = (
        SatisfactionSurvey.objects.filter(
            answered_at__gte=period.start_datetime(),
            answered_at__lt=period.end_datetime(),
            case__assignee__isnull=False,
        )
        .values("case__assignee_id")
        .annotate(total=Sum("score"), count=Count("id"))
    )
    return {
        row["case__assignee_id"]: (
            (Decimal(row["total"]) * 20 / row["count"]).quantize(TWO_PLACES),
            row["count"],
        )
        for row in rows
    }


def offer_acceptance(period: Period, now: dt.datetime) -> Result:
    """Share of the offers the buyer answered in the period that they accepted (``CompensationOffer``
    of the agent workspace: ``buyer_answer`` accepted/declined, ``answered_at``)."""
    rows = (
        CompensationOffer.objects.filter(
            answered_at__gte=period.start_datetime(),
            answered_at__lt=period.end_datetime(),
            buyer_answer__in=[OfferStatus.ACCEPTED, OfferStatus.DECLINED],
            case__assignee__isnull=False,
        )
        .values("case__assignee_id")
        .annotate(total=Count("id"), yes=Count("id", filter=Q(buyer_answer=OfferStatus.ACCEPTED)))
    )
    return {row["case__assignee_id"]: (_pct(row["yes"], row["total"]), row["total"]) for row in rows}


METRICS: dict[str, Callable[[Period, dt.datetime], Result]] = {
    ComputedMetric.FIRST_RESPONSE_SLA: first_response_sla,
    ComputedMetric.FIRST_RESPONSE_MINUTES: first_response_minutes,
    ComputedMetric.CSAT: csat,
    ComputedMetric.OFFER_ACCEPTANCE: offer_acceptance,
}


def compute_training_scores(*, period: str, now: dt.datetime | None = None) -> dict[str, int | None]:
    """Writes the computed scores of every active computed module of the period's kind (monthly
    modules for ``2026-11``, weekly ones for ``2026-W47``). Idempotent: re-running replaces the
    computed rows. Returns {module code: rows written, or None when the data is unavailable}."""
    parsed = parse_period(period)
    now = now or timezone.now()
    summary: dict[str, int | None] = {}
    modules = TrainingModule.objects.filter(active=True, period_kind=parsed.kind).exclude(computed_metric="")
    touched: set[int] = set()
    with transaction.atomic():
        for module in modules:
            values = METRICS[module.computed_metric](parsed, now)
            if values is None:
                summary[module.code] = None
                continue
            agents = User.objects.in_bulk(list(values))
            for agent_id, (value, sample_size) in values.items():
                value = min(max(value, Decimal("0")), module.max_value)
                score_upsert(
                    agent=agents[agent_id],
                    module=module,
                    period=parsed,
                    value=value,
                    source=ScoreSource.COMPUTED,
                    sample_size=sample_size,
                    now=now,
                )
            touched.update(values)
            summary[module.code] = len(values)
        schedule_lapse_check(touched)
    return summary
