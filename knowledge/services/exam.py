"""The product exam: a paper drawn from a product line's question bank, timed on the server, scored
automatically and recorded in training's 产品知识 module, whose pass mark (95 % by default) and
certification rules then decide routing as they already do (``training.certification``).

- The paper (questions and each question's order of options) is drawn with the attempt's own seed and
  stored, so reloading the page shows the same paper.
- The deadline is the server's: answers submitted after it are refused and the attempt counts as timed
  out (0 answered), as does an attempt left open past its deadline.
- An attempt is submitted once: the submission is a conditional UPDATE (``submitted_at IS NULL``), so a
  double click or two tabs cannot score it twice.
- A retake waits for the line's cooling-off time (``ProductLine.cooldown_hours``, 24 h by default)
  from the end of the previous attempt.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from knowledge.choices import ArticleStatus
from knowledge.models import Article, ExamAttempt, ProductLine, Question
from reviewdesk.access import restrict

EXAM_MODULE = "product_knowledge"
TAKE_PERM = "knowledge.take_exam"


def _now(now):
    return now or timezone.now()


def bank_for(line: ProductLine, agent):
    """The active questions of ``line`` from the published articles ``agent`` may read."""
    articles = restrict(Article.objects.filter(product_line=line, status=ArticleStatus.PUBLISHED), agent)
    return Question.objects.filter(active=True, article__in=articles.values("pk")).order_by("pk")


def cooling_off_until(agent, line: ProductLine) -> dt.datetime | None:
    """When ``agent`` may take ``line``'s exam again after their last finished attempt (None: no wait)."""
    last = (
        ExamAttempt.objects.filter(agent=agent, product_line=line, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return last + dt.timedelta(hours=line.cooldown_hours) if last else None


def exam_start(*, agent, line: ProductLine, now: dt.datetime | None = None) -> ExamAttempt:
    """Draw a paper for ``agent`` (or give back the open one). Refused in words: no permission, an
    inactive line, an empty bank, the cooling-off time not over."""
    now = _now(now)
    if not (agent.is_superuser or agent.has_perm(TAKE_PERM)):
        raise ValidationError(_("你的角色不参加产品知识考试。"))
    if not line.active:
        raise ValidationError(_("产品线“%(line)s”已停用。") % {"line": line.name})
    expire_open_attempts(agent=agent, line=line, now=now)
    open_attempt = ExamAttempt.objects.filter(
        agent=agent, product_line=line, submitted_at__isnull=True
    ).first()
    if open_attempt is not None:
        return open_attempt
    until = cooling_off_until(agent, line)
    if until is not None and now < until:
        raise ValidationError(
            _("重考须间隔%(hours)s小时：请在 %(at)s 之后再考。")
            % {"hours": line.cooldown_hours, "at": date_format(timezone.localtime(until), "Y-m-d H:i")}
        )
    questions = list(bank_for(line, agent).values_list("pk", "options"))
    if not questions:
        raise ValidationError(_("产品线“%(line)s”的题库还没有题目。") % {"line": line.name})
    seed = secrets.randbits(48)
    rng = random.Random(seed)
    drawn = rng.sample(questions, min(line.question_count, len(questions)))
    paper = []
    for pk, options in drawn:
        order = list(range(len(options)))
        rng.shuffle(order)
        paper.append({"q": pk, "order": order})
    try:
        with transaction.atomic():
            return ExamAttempt.objects.create(
                agent=agent,
                product_line=line,
                seed=seed,
                paper=paper,
                started_at=now,
                deadline_at=now + dt.timedelta(minutes=line.duration_minutes),
            )
    except IntegrityError:  # a second click won the race: its paper is the one
        return ExamAttempt.objects.get(agent=agent, product_line=line, submitted_at__isnull=True)


def _selected(raw, option_count: int) -> frozenset[int]:
    values = raw if isinstance(raw, list | tuple) else [raw]
    chosen = set()
    for value in values:
        try:
            index = int(value)
        except (TypeError, ValueError):
            raise ValidationError(_("答案“%(value)s”无效。") % {"value": value}) from None
        if not 0 <= index < option_count:
            raise ValidationError(_("答案“%(value)s”无效。") % {"value": value})
        chosen.add(index)
    return frozenset(chosen)


def score_of(attempt: ExamAttempt, answers: dict) -> tuple[int, Decimal, dict]:
    """(correct count, score in %, the answers as stored) of ``answers`` ({question id: [option
    indexes]}) against the attempt's paper. A question left out is wrong; a question not on the paper
    is refused."""
    ids = [entry["q"] for entry in attempt.paper]
    extra = {str(k) for k in answers} - {str(pk) for pk in ids}
    if extra:
        raise ValidationError(_("答案里有不属于这份试卷的题目。"))
    questions = Question.objects.in_bulk(ids)
    correct, stored = 0, {}
    for pk in ids:
        question = questions.get(pk)
        raw = answers.get(str(pk), answers.get(pk))
        if question is None or raw in (None, "", []):
            continue
        chosen = _selected(raw, len(question.options))
        stored[str(pk)] = sorted(chosen)
        if chosen == frozenset(question.correct):
            correct += 1
    total = len(ids) or 1
    score = (Decimal(correct) * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return correct, score, stored


def exam_submit(*, attempt: ExamAttempt, by, answers: dict, now: dt.datetime | None = None) -> ExamAttempt:
    """Score ``by``'s own attempt once, within its deadline, and record the result in training."""
    now = _now(now)
    if by.pk != attempt.agent_id:
        raise ValidationError(_("只能提交自己的试卷。"))
    if attempt.submitted_at is not None:
        raise ValidationError(_("这份试卷已经交卷，不能重复提交。"))
    if now > attempt.deadline_at:
        expire_open_attempts(agent=by, line=attempt.product_line, now=now)
        raise ValidationError(_("已超过考试截止时间，答案不再接受；本次考试按超时计0分。"))
    correct, score, stored = score_of(attempt, answers)
    return _finish(attempt, correct=correct, score=score, answers=stored, at=now, timed_out=False)


def expire_open_attempts(*, agent, line: ProductLine, now: dt.datetime | None = None) -> int:
    """Attempts of ``agent`` on ``line`` left open past their deadline are finished as timed out (0)."""
    now = _now(now)
    count = 0
    for attempt in ExamAttempt.objects.filter(
        agent=agent, product_line=line, submitted_at__isnull=True, deadline_at__lt=now
    ):
        try:
            _finish(
                attempt, correct=0, score=Decimal("0.00"), answers={}, at=attempt.deadline_at, timed_out=True
            )
            count += 1
        except ValidationError:
            pass  # finished meanwhile by its own submission
    return count


def _finish(attempt, *, correct: int, score: Decimal, answers: dict, at, timed_out: bool) -> ExamAttempt:
    from training.choices import ScoreSource
    from training.models import TrainingModule
    from training.periods import period_for
    from training.services.scores import schedule_lapse_check, score_upsert, score_validate

    module = TrainingModule.objects.filter(code=EXAM_MODULE).first()
    passed = module.passes(score) if module is not None else None
    with transaction.atomic():
        updated = ExamAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=at,
            answers=answers,
            correct_count=correct,
            score=score,
            passed=passed,
            timed_out=timed_out,
        )
        if not updated:
            raise ValidationError(_("这份试卷已经交卷，不能重复提交。"))
        if module is not None and module.active:
            day = timezone.localdate(at)
            period, value = score_validate(
                module=module, period=period_for(day, module.period_kind).key, value=score
            )
            line = attempt.product_line
            score_upsert(
                agent=attempt.agent,
                module=module,
                period=period,
                value=value,
                source=ScoreSource.COMPUTED,
                note=(_("产品知识考试：%(line)s(第%(id)s次记录)") % {"line": line.name, "id": attempt.pk})[
                    :200
                ],
                sample_size=len(attempt.paper),
                now=at,
            )
            schedule_lapse_check([attempt.agent_id])
    attempt.refresh_from_db()
    return attempt
