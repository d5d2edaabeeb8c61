"""Writes of the question banks: a question drawn from an article, checked for a usable answer key."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from knowledge.choices import QuestionKind
from knowledge.models import Article, Question
from knowledge.services.articles import write_refusal

TRUE_FALSE_OPTIONS = ["正确", "错误"]
MAX_OPTIONS = 8


def question_save(
    *, article: Article, by, kind: str, text: str, options: list[str], correct: list[int]
) -> Question:
    """Add a question to ``article``'s bank. Refused in words: who may not edit the article, an empty
    text, fewer than two options, an answer key that does not fit the kind."""
    if refusal := write_refusal(by, article):
        raise ValidationError(refusal)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请填写题目。"))
    if kind == QuestionKind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    options = [o.strip() for o in options if o and o.strip()]
    if len(options) < 2 or len(options) > MAX_OPTIONS:
        raise ValidationError(_("选项应有2到%(max)s个。") % {"max": MAX_OPTIONS})
    if len(set(options)) != len(options):
        raise ValidationError(_("选项不能重复。"))
    key = sorted(set(correct))
    if not key or any(not 0 <= i < len(options) for i in key):
        raise ValidationError(_("请从选项中选出正确答案。"))
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(key) != 1:
        raise ValidationError(_("单选题和判断题只有一个正确答案。"))
    if kind == QuestionKind.MULTIPLE and len(key) < 2:
        raise ValidationError(_("多选题至少有两个正确答案。"))
    if kind not in QuestionKind.values:
        raise ValidationError(_("题型无效。"))
    question = Question(article=article, kind=kind, text=text[:300], options=options, correct=key)
    question.full_clean()
    question.save()
    return question
