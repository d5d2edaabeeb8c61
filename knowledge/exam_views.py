"""The web edge of the product exam: the lines one may sit, starting a sitting, the paper (in its stored
shuffled order, with the server's deadline) and its submission. An attempt is its agent's own: anyone
else's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.choices import QuestionKind
from knowledge.models import ExamAttempt, ProductLine, Question
from knowledge.services import exam_start, exam_submit, expire_open_attempts
from knowledge.services.exam import TAKE_PERM, cooling_off_until
from knowledge.views import _pk


def _taker(request) -> None:
    if not request.user.has_perm(TAKE_PERM):
        raise PermissionDenied


@login_required
@require_GET
def exam_home(request: HttpRequest) -> HttpResponse:
    _taker(request)
    user, now = request.user, timezone.now()
    lines = []
    for line in ProductLine.objects.filter(active=True):
        expire_open_attempts(agent=user, line=line, now=now)
        until = cooling_off_until(user, line)
        lines.append(
            {
                "id": line.pk,
                "name": line.name,
                "questions": line.question_count,
                "minutes": line.duration_minutes,
                "cooldown": line.cooldown_hours,
                "wait_until": until if until and until > now else None,
            }
        )
    attempts = [
        {
            "id": a.pk,
            "line": a.product_line.name,
            "started_at": a.started_at,
            "open": a.submitted_at is None,
            "score": a.score,
            "passed": a.passed,
            "timed_out": a.timed_out,
        }
        for a in ExamAttempt.objects.filter(agent=user).select_related("product_line")[:20]
    ]
    return render(request, "knowledge/exam_home.html", {"lines": lines, "attempts": attempts})


@login_required
@require_POST
def exam_begin(request: HttpRequest, pk: int) -> HttpResponse:
    _taker(request)
    line = get_object_or_404(ProductLine, pk=_pk(pk))
    try:
        attempt = exam_start(agent=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("knowledge:exam_home")
    return redirect("knowledge:exam_attempt", pk=attempt.pk)


def _paper(attempt: ExamAttempt) -> list[dict]:
    questions = Question.objects.in_bulk([entry["q"] for entry in attempt.paper])
    paper = []
    for number, entry in enumerate(attempt.paper, 1):
        question = questions.get(entry["q"])
        if question is None:
            continue
        chosen = set(attempt.answers.get(str(question.pk), []))
        paper.append(
            {
                "number": number,
                "id": question.pk,
                "text": question.text,
                "kind": question.get_kind_display(),
                "multiple": question.kind == QuestionKind.MULTIPLE,
                "options": [
                    {
                        "index": i,
                        "text": question.options[i],
                        "checked": i in chosen,
                        "correct": i in question.correct,
                    }
                    for i in entry["order"]
                    if i < len(question.options)
                ],
            }
        )
    return paper


@login_required
@require_http_methods(["GET", "POST"])
def exam_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    _taker(request)
    attempt = get_object_or_404(
        ExamAttempt.objects.select_related("product_line"), pk=_pk(pk), agent=request.user
    )
    if request.method == "POST":
        answers = {key[1:]: request.POST.getlist(key) for key in request.POST if key.startswith("q")}
        try:
            attempt = exam_submit(attempt=attempt, by=request.user, answers=answers)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            attempt.refresh_from_db()
        else:
            if attempt.passed:
                messages.success(request, _("考试通过：%(score)s分。") % {"score": attempt.score})
            else:
                messages.warning(request, _("未通过：%(score)s分。") % {"score": attempt.score})
        return redirect("knowledge:exam_attempt", pk=attempt.pk)
    now = timezone.now()
    if attempt.submitted_at is None and now > attempt.deadline_at:
        expire_open_attempts(agent=request.user, line=attempt.product_line, now=now)
        attempt.refresh_from_db()
    context = {
        "id": attempt.pk,
        "line": attempt.product_line.name,
        "deadline_at": attempt.deadline_at,
        "seconds_left": max(0, int((attempt.deadline_at - now).total_seconds())),
        "finished": attempt.submitted_at is not None,
        "score": attempt.score,
        "passed": attempt.passed,
        "timed_out": attempt.timed_out,
        "correct_count": attempt.correct_count,
        "total": len(attempt.paper),
        "paper": _paper(attempt),
    }
    return render(request, "knowledge/exam_attempt.html", context)
