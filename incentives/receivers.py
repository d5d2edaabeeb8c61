"""Receivers of lower apps' events: the ``cases.signals.case_event`` signal and training events.

Contract — events handled, payload keys (all optional unless marked; a missing value is read from the
Case row where the Case has it):

``conversion_candidate`` / ``conversion_verified`` (a later import/API update shows a better rating)
    agent_id* (the case's assignee when the conversion was observed), shop_id, platform,
    from_rating, to_rating, observed_at (ISO datetime), revision_until (ISO), revision_allowed (bool),
    source (the intake source that wrote the better rating; platform data is
    ``cases.hooks.PLATFORM_DATA_SOURCES``: "file", "api" with an intake token, "connector"; anything else,
    e.g. "admin", "demo" or a shell, is not verification. Without it in the payload (the missed-conversion
    sweep) it is read from the review's latest revision that raised the rating; found nowhere, it is not
    platform data: there is no default), compliance_violations (list of reasons recorded on the case),
    customer_tier, case_label (text).
    Paid only when to_rating > from_rating, the platform allows revision, observed_at <= revision_until
    and the source is platform data; otherwise a WithheldAward row says why (reason_code
    "not_platform_data" when the source is the problem, else "not_verified").
``conversion_reverted`` (the review reverted inside the window, or an appeal reversed it)
    reason (text). Reverses every conversion award of the case in the current open period.
``resolved`` / ``handled_within_sla``
    agent_id*, within_sla* (bool; ``handled_within_sla`` implies True), shop_id, platform,
    customer_tier, resolved_at (ISO).
``appeal_won``
    agent_id*, shop_id, platform, decided_at (ISO).
``response_kpi_met`` (cases or training)
    agent_id*, period* ("2026-11"), shop_id, platform.
Training events (``on_training_event``, called by the sweeps that read training's data,
``services.sweeps``; training sends no signal): ``(*, event, payload)``, without case_id:
``qa_scored``: agent_id*, score*, qa_review_id*, shop_id, platform, scored_at (ISO).
``response_kpi_met``: as above.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.hooks import PLATFORM_DATA_SOURCES
from incentives.choices import AwardEvent
from incentives.services.awards import AwardCause, award_apply, awards_reverse_for_case, withhold_unmatched

logger = logging.getLogger(__name__)


def _when(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return parse_datetime(str(value))


def _case(case_id):
    from cases.models import Case

    return Case.objects.filter(pk=case_id).first()


def _fill(payload: dict, case, key: str, attr: str | None = None):
    if key in payload:
        return payload[key]
    return getattr(case, attr or key, None) if case is not None else None


def _conversion_source(payload: dict, case) -> str | None:
    """Who wrote the better rating: the event's ``source``, else the latest revision of the case's
    review that raised the rating (the record intake keeps of every change, with its source)."""
    if "source" in payload:
        return payload["source"]
    if case is None:
        return None
    from django.db.models import F

    from cases.models import ReviewRevision

    return (
        ReviewRevision.objects.filter(review_id=case.review_id, rating_after__gt=F("rating_before"))
        .order_by("-at", "-pk")
        .values_list("source", flat=True)
        .first()
    )


def _source_label(source) -> str:
    from cases.choices import IntakeSource

    if not source:
        return _("未记录来源")
    return str(IntakeSource(source).label) if source in IntakeSource.values else str(source)


def on_case_event(*, event: str, case_id: int, payload: dict, **signal_args) -> None:
    """Connected to ``cases.signals.case_event`` in IncentivesConfig.ready(); the sweeps call it too."""
    payload = dict(payload or {})
    needs_case = event in {"conversion_candidate", "conversion_verified"} or "agent_id" not in payload
    case = _case(case_id) if needs_case else None
    agent_id = _fill(payload, case, "agent_id", "assignee_id")
    common = {
        "case_ref": case_id,
        "shop_id": _fill(payload, case, "shop_id"),
        "platform": _fill(payload, case, "platform") or "",
        "tier": _fill(payload, case, "customer_tier") or "",
    }
    try:
        if event in {"conversion_candidate", "conversion_verified"}:
            _conversion(case_id, payload, case, agent_id, common)
        elif event == "conversion_reverted":
            reason = payload.get("reason") or _("评价转化被撤销(买家改回或申诉改判)")
            awards_reverse_for_case(case_ref=case_id, event=AwardEvent.VERIFIED_CONVERSION, reason=reason)
        elif event in {"resolved", "handled_within_sla"} and agent_id:
            if event == "handled_within_sla" or payload.get("within_sla"):
                award_apply(
                    cause=AwardCause(
                        event=AwardEvent.HANDLED_WITHIN_SLA,
                        agent_id=agent_id,
                        occurred_at=_when(payload.get("resolved_at")),
                        **common,
                    )
                )
        elif event == "appeal_won" and agent_id:
            award_apply(
                cause=AwardCause(
                    event=AwardEvent.APPEAL_WON,
                    agent_id=agent_id,
                    occurred_at=_when(payload.get("decided_at")),
                    **common,
                )
            )
        elif event == "response_kpi_met" and agent_id:
            _response_kpi(payload, agent_id, common)
    except ValidationError as exc:
        # A business refusal (e.g. reversing points already redeemed): keep it visible to the manager.
        logger.warning("incentives: case event %s on case %s refused: %s", event, case_id, exc.messages)
        if agent_id:
            withhold_unmatched(
                cause=AwardCause(event=event, agent_id=agent_id, case_ref=case_id),
                reason_code=str(getattr(exc, "code", "") or "refused"),
                reason="；".join(exc.messages),
            )


def _conversion(case_id, payload, case, agent_id, common) -> None:
    cause = AwardCause(
        event=AwardEvent.VERIFIED_CONVERSION,
        agent_id=agent_id,
        occurred_at=_when(_fill(payload, case, "observed_at", "conversion_candidate_at")),
        note=str(payload.get("case_label") or ""),
        compliance_violations=list(payload.get("compliance_violations") or []),
        source=_conversion_source(payload, case),
        **common,
    )
    if not agent_id:  # nobody handled it when the buyer changed the review: HR sees why nothing was paid
        withhold_unmatched(
            cause=cause, reason_code="no_assignee", reason=_("评价转化时案件没有处理人，无人获得奖励。")
        )
        return
    before, after = (
        _fill(payload, case, "from_rating", "converted_from_rating"),
        _fill(payload, case, "to_rating", "converted_to_rating"),
    )
    until = _when(_fill(payload, case, "revision_until"))
    allowed = _fill(payload, case, "revision_allowed")
    source = cause.source
    problems = []
    if before is None or after is None or int(after) <= int(before):
        problems.append(_("平台数据未显示评分变好"))
    if allowed is False:
        problems.append(_("该平台不允许买家修改评价"))
    if until is not None and cause.occurred_at is not None and cause.occurred_at > until:
        problems.append(_("超出可修改评价期"))
    platform_data = source in PLATFORM_DATA_SOURCES
    if not platform_data:
        problems.append(
            _("评分变化不是来自平台数据(导入文件或接入令牌)，来源：%(source)s")
            % {"source": _source_label(source)}
        )
    if problems:
        code = "not_verified" if platform_data else "not_platform_data"
        withhold_unmatched(cause=cause, reason_code=code, reason=_("未确认的转化：") + "；".join(problems))
        return
    award_apply(cause=cause)


def _response_kpi(payload, agent_id, common) -> None:
    period = str(payload.get("period") or "")
    common = {**common, "case_ref": None}
    award_apply(
        cause=AwardCause(
            event=AwardEvent.RESPONSE_KPI, agent_id=agent_id, subject_ref=f"kpi:{period}:{agent_id}", **common
        )
    )


def on_training_event(*, event: str, payload: dict) -> None:
    payload = dict(payload or {})
    agent_id = payload.get("agent_id")
    if not agent_id:
        return
    common = {"shop_id": payload.get("shop_id"), "platform": payload.get("platform") or ""}
    if event == "qa_scored" and payload.get("score") is not None:
        award_apply(
            cause=AwardCause(
                event=AwardEvent.QA_SCORE,
                agent_id=agent_id,
                score=Decimal(str(payload["score"])),
                subject_ref=f"qa:{payload.get('qa_review_id')}",
                occurred_at=_when(payload.get("scored_at")),
                **common,
            )
        )
    elif event == "response_kpi_met":
        _response_kpi(payload, agent_id, {**common, "tier": ""})
