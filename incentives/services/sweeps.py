"""Awards that come from training data, which incentives reads (training is a peer app and publishes
no events registry; incentives may read it, never the reverse), and the quarterly ranking.

- QA: every QA review of the month that counts (not in dispute) is a ``qa_scored`` event with its
  effective total (the settled score after a dispute; a failed critical item counts as scored 0);
  the QA rule pays when the score reaches its ``min_score``. Key: the QA review id.
- Response KPIs (seed 002: first response and average response time): an agent whose monthly
  computed scores pass every active response-KPI module of the month gets ``response_kpi_met``.
  Key: the month and the agent.
Both go through ``incentives.receivers.on_training_event`` (keyed as above), so re-running a sweep
posts nothing twice.

- Conversions the ledger missed (``conversion_awards_sweep``): an import tells incentives of a
  conversion after its commit (``cases.signals.case_event``); a process killed in between leaves the
  case marked and unpaid, and the retried import sees nothing new to tell. The sweep re-sends the
  event for every recent conversion with neither an award nor a withheld row, and the revert for
  every case no longer a conversion whose award stands; both are keyed, so it never pays twice.
"""

import datetime as dt

from django.utils import timezone

from incentives.receivers import on_training_event
from incentives.services.periods import parse_span

RESPONSE_METRICS = ("first_response_sla", "first_response_minutes")


def _month_bounds(month_code: str) -> tuple[dt.datetime, dt.datetime, str]:
    span = parse_span(month_code)
    if span.is_quarter:
        raise ValueError(month_code)
    year, month = span.months[0]
    start = timezone.make_aware(dt.datetime(year, month, 1))
    following = timezone.make_aware(dt.datetime(year + (month == 12), month % 12 + 1, 1))
    return start, following, span.code


def qa_awards_sweep(*, month_code: str) -> int:
    from training.choices import QaStatus
    from training.models import QaReview

    start, end, _code = _month_bounds(month_code)
    reviews = (
        QaReview.objects.filter(scored_at__gte=start, scored_at__lt=end)
        .exclude(status=QaStatus.DISPUTED)
        .select_related("case__shop")
        .order_by("pk")
    )
    count = 0
    for review in reviews:
        failed = (
            review.final_critical_failed
            if review.status == QaStatus.SETTLED and review.final_critical_failed is not None
            else review.critical_failed
        )
        on_training_event(
            event="qa_scored",
            payload={
                "agent_id": review.agent_id,
                "score": 0 if failed else review.effective_total,
                "qa_review_id": review.pk,
                "shop_id": review.case.shop_id,
                "platform": review.case.shop.platform,
                "scored_at": review.scored_at,
            },
        )
        count += 1
    return count


def response_kpi_sweep(*, month_code: str) -> int:
    """Agents who met every active response-KPI module in the month (computed monthly scores)."""
    from training.choices import ScoreSource
    from training.models import Score, TrainingModule

    _start, _end, code = _month_bounds(month_code)
    modules = {
        m.pk: m for m in TrainingModule.objects.filter(active=True, computed_metric__in=RESPONSE_METRICS)
    }
    if not modules:
        return 0
    passed: dict[int, set[int]] = {}
    for score in Score.objects.filter(module_id__in=list(modules), period=code, source=ScoreSource.COMPUTED):
        if modules[score.module_id].passes(score.value):
            passed.setdefault(score.agent_id, set()).add(score.module_id)
    winners = sorted(agent_id for agent_id, met in passed.items() if met == set(modules))
    for agent_id in winners:
        on_training_event(event="response_kpi_met", payload={"agent_id": agent_id, "period": code})
    return len(winners)


def conversion_awards_sweep(*, days: int = 45) -> dict[str, int]:
    """Re-send the conversion events the ledger has not acted on (cases of the last ``days`` days)."""
    from cases.models import Case
    from incentives.choices import AwardEvent, EntryKind
    from incentives.models import LedgerEntry, WithheldAward
    from incentives.receivers import on_case_event

    conversion = AwardEvent.VERIFIED_CONVERSION
    since = timezone.now() - dt.timedelta(days=days)
    heard = LedgerEntry.objects.filter(event=conversion, case_ref__isnull=False).values("case_ref")
    withheld = WithheldAward.objects.filter(event=conversion, case_ref__isnull=False).values("case_ref")
    unpaid = (
        Case.objects.filter(conversion_candidate_at__gte=since, assignee__isnull=False)
        .exclude(pk__in=heard)
        .exclude(pk__in=withheld)
        .order_by("pk")
        .values("pk", "converted_from_rating", "converted_to_rating", "compliance_violations")
    )
    paid = 0
    for case in unpaid:
        on_case_event(
            event="conversion_candidate",
            case_id=case["pk"],
            payload={
                "from_rating": case["converted_from_rating"],
                "to_rating": case["converted_to_rating"],
                "compliance_violations": list(case["compliance_violations"] or []),
            },
        )
        paid += 1
    standing = LedgerEntry.objects.filter(
        event=conversion,
        kind=EntryKind.AWARD,
        reversal__isnull=True,
        created_at__gte=since,
        case_ref__isnull=False,
    ).values_list("case_ref", flat=True)
    reverted = sorted(
        set(
            Case.objects.filter(pk__in=list(standing), conversion_candidate_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
    )
    for case_id in reverted:
        on_case_event(event="conversion_reverted", case_id=case_id, payload={})
    return {"conversions": paid, "reversals": len(reverted)}


def previous_month_code(today: dt.date | None = None) -> str:
    first = (today or timezone.localdate()).replace(day=1)
    last = first - dt.timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def previous_quarter_code(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    return f"{today.year - 1}-Q4" if quarter == 1 else f"{today.year}-Q{quarter - 1}"
