"""Stable error codes of the training app (ValidationError.code)."""

from enum import StrEnum


class TrainingError(StrEnum):
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    UNKNOWN_EMPLOYEE = "unknown_employee"
    UNKNOWN_MODULE = "unknown_module"
    BAD_PERIOD = "bad_period"
    DUPLICATE_ROW = "duplicate_row"
    NOT_ALLOWED = "not_allowed"
    CASE_NOT_HANDLED = "case_not_handled"
    ALREADY_REVIEWED = "already_reviewed"
    SELF_REVIEW = "self_review"
    MISSING_ITEM = "missing_item"
    RUBRIC_EMPTY = "rubric_empty"
    WRONG_STATE = "wrong_state"
    DISPUTE_ONCE = "dispute_once"
    SETTLER_SAME_AS_REVIEWER = "settler_same_as_reviewer"
    REASON_REQUIRED = "reason_required"
    STALE = "stale"
    ALREADY_SURVEYED = "already_surveyed"
    BAD_SURVEY = "bad_survey"
