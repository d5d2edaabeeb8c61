"""Rows of the training app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from training.models import CertificationLapse, QaRubric, TrainingModule
from training.periods import parse_period
from training.services.qa import qa_review_create
from training.services.scores import score_upsert
from training.services.surveys import invitation_issue, survey_record
from training.surveys.tokens import invitation_token


def training_rows(users, resolved_a, resolved_b) -> dict:
    """QA reviews of both shops' resolved cases (``qa_review_a``/``_b``), a survey of shop A's
    (``survey_a``), the buyer's unanswered survey link of shop B's (``survey_token_b``: the public page
    shows a shop's name), agent A's score (``score_a``) and certification lapse (``lapse_a``)."""
    rubric = QaRubric.objects.get(name="中差评处理质检标准")
    results = {item.pk: True for item in rubric.items.filter(active=True)}
    rows = {
        "qa_review_a": qa_review_create(
            case=resolved_a, rubric=rubric, reviewer=users["supervisor"], results=results, comment=""
        ),
        "qa_review_b": qa_review_create(
            case=resolved_b, rubric=rubric, reviewer=users["supervisor_b"], results=results, comment=""
        ),
    }
    rows["survey_a"] = survey_record(
        case=resolved_a, score=4, answered_at=timezone.now(), by=users["supervisor"]
    )
    rows["survey_token_b"] = invitation_token(invitation_issue(case=resolved_b, channel="sms"))
    module = TrainingModule.objects.get(code="product_knowledge")
    rows["score_a"] = score_upsert(
        agent=users["agent_a"],
        module=module,
        period=parse_period("2026-11"),
        value=Decimal("96"),
        source="trainer",
        now=timezone.now(),
    )
    rows["lapse_a"] = CertificationLapse.objects.create(
        agent=users["agent_a"],
        module=module,
        basis=rows["score_a"],
        state="lapsed",
        reason="below",
        detected_at=timezone.now(),
    )
    return rows
