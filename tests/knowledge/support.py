"""Builders for the knowledge tests: articles written through the service (as a manager does), a
product line with its question bank, a case triaged by the real engine."""

from __future__ import annotations

from cases.choices import CaseStatus
from knowledge.choices import ArticleKind, ArticleStatus, QuestionKind
from knowledge.models import Article, ProductLine
from knowledge.services import article_save, question_save
from policies.models import IssueType
from tests.cases.workspace_support import triaged_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def issue(code: str) -> IssueType:
    return IssueType.objects.get(code=code)


def write(by, *, shop=None, client=None, status=ArticleStatus.PUBLISHED, **fields) -> Article:
    fields.setdefault("kind", ArticleKind.SPEC)
    fields.setdefault("title", "连衣裙尺码表")
    fields.setdefault("body", "## 尺码\n\nS码胸围84cm。")
    article = Article(shop=shop, client=client, status=status, owner=by, **fields)
    return article_save(article=article, by=by)


def open_case(shop, agent, *, item_id="", sku="", **fields):
    fields.setdefault("status", CaseStatus.IN_PROGRESS)
    fields.setdefault("contact_attempts", 1)
    case = triaged_case(shop, assignee=agent, **fields)
    review = case.review
    review.item_id, review.sku = item_id, sku
    review.save(update_fields=["item_id", "sku"])
    return case


def line_with_bank(manager, shop, *, questions: int = 4, **fields) -> ProductLine:
    """A product line with ``questions`` single-choice questions whose right answer is option 0 ("对"),
    a multiple-choice one when asked, drawn from one published article of ``shop``."""
    fields.setdefault("code", "dress")
    fields.setdefault("name", "连衣裙")
    fields.setdefault("question_count", max(questions, 1))
    line = ProductLine.objects.create(**fields)
    article = write(manager, shop=shop, product_line=line, title="连衣裙面料", body="面料为100%棉。")
    for n in range(questions):
        question_save(
            article=article,
            by=manager,
            kind=QuestionKind.SINGLE,
            text=f"第{n}题：面料是棉吗？",
            options=["对", "错", "不知道"],
            correct=[0],
        )
    return line


def right_answers(attempt) -> dict:
    from knowledge.models import Question

    questions = Question.objects.in_bulk([e["q"] for e in attempt.paper])
    return {str(pk): [str(i) for i in q.correct] for pk, q in questions.items()}
