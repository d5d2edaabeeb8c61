"""Writes of the knowledge base. Views, admin and commands call these, never the models."""

from knowledge.services.articles import (
    article_promote_reply,
    article_publish,
    article_save,
    article_use_record,
)
from knowledge.services.exam import exam_start, exam_submit, expire_open_attempts
from knowledge.services.questions import question_save

__all__ = [
    "article_promote_reply",
    "article_publish",
    "article_save",
    "article_use_record",
    "exam_start",
    "exam_submit",
    "expire_open_attempts",
    "question_save",
]
