"""Writes of the training app. Views, admin, imports and commands call these, never the models."""

from training.services.computed import compute_training_scores
from training.services.lapses import certification_sweep
from training.services.qa import qa_review_create, qa_review_dispute, qa_review_settle
from training.services.scores import score_record, score_validate
from training.services.surveys import survey_record, survey_validate

__all__ = [
    "certification_sweep",
    "compute_training_scores",
    "qa_review_create",
    "qa_review_dispute",
    "qa_review_settle",
    "score_record",
    "score_validate",
    "survey_record",
    "survey_validate",
]
