"""Stable error codes of the survey links (ValidationError.code)."""

from enum import StrEnum


class SurveyError(StrEnum):
    LINK_INVALID = "survey_link_invalid"
    LINK_EXPIRED = "survey_link_expired"
    ANSWERED = "survey_answered"
    NOT_RESOLVED = "survey_case_not_resolved"
    BAD_CHANNEL = "survey_bad_channel"
    BAD_COMMENT = "survey_bad_comment"
