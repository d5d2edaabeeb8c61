"""Training pages: scorecards, the team view, trainers' entry/import, HR export, QA scoring."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case
from cases.workflow.masking import free_text_for
from reviewdesk.models import User
from training import services
from training.certification import today
from training.choices import QaStatus
from training.exports import export_scores_xlsx
from training.forms import (
    DisputeForm,
    ExportForm,
    QaReviewForm,
    ScoreEntryForm,
    ScoreImportForm,
    SettleForm,
    SurveyForm,
)
from training.home import home_panel  # noqa: F401 - the home page's panel (training.apps registers it)
from training.models import QaReview, QaRubric, SatisfactionSurvey
from training.periods import parse_period, period_for
from training.qa_messages import agent_messages
from training.resources import import_scores, read_dataset, row_messages
from training.selectors import active_modules, can_view_agent, scorecard, team_overview
from training.services.qa import HANDLED_STATUSES, can_qa, can_settle


def _require(condition: bool):
    if not condition:
        raise PermissionDenied(_("你没有访问此页面的权限。"))


@login_required
def my_scorecard(request):
    return agent_scorecard(request, request.user.pk)


@login_required
def agent_scorecard(request, agent_id: int):
    agent = get_object_or_404(User, pk=agent_id)
    if not can_view_agent(request.user, agent):
        raise Http404
    context = scorecard(agent)
    context.update({"agent": agent, "is_self": agent.pk == request.user.pk, "QaStatus": QaStatus})
    return render(request, "training/scorecard.html", context)


@login_required
def team(request):
    _require(request.user.has_perm("training.view_score"))
    return render(request, "training/team.html", team_overview(request.user))


@login_required
def score_entry(request):
    _require(request.user.has_perm("training.enter_scores"))
    form = ScoreEntryForm(
        request.POST or None, user=request.user, initial={"period": period_for(today(), "monthly").key}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            score = services.score_record(
                agent=data["agent"],
                module=data["module"],
                period=data["period"],
                value=data["value"],
                by=request.user,
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已记录 %(agent)s 的“%(module)s” %(period)s 成绩：%(value)s。")
                % {
                    "agent": score.agent,
                    "module": score.module.name,
                    "period": score.period,
                    "value": score.value,
                },
            )
            return redirect("training:score_entry")
    return render(request, "training/score_entry.html", {"form": form, "modules": active_modules()})


@login_required
def score_import(request):
    _require(request.user.has_perm("training.enter_scores"))
    form = ScoreImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        if request.POST.get("background") or upload.size > settings.JOB_INLINE_MAX_BYTES:
            return _score_import_job(request, upload, dry_run=dry_run)
        try:
            result = import_scores(
                read_dataset(upload.read(), upload.name), user=request.user, dry_run=dry_run
            )
        except ValueError as exc:
            context["errors"] = [str(exc)]
        else:
            errors = row_messages(result)
            context.update({"errors": errors, "result": result, "dry_run": dry_run, "rows": result.totals})
            if not errors and not dry_run:
                messages.success(
                    request,
                    _("已导入 %(n)d 行成绩。")
                    % {"n": result.totals.get("new", 0) + result.totals.get("update", 0)},
                )
                return redirect("training:score_import")
            if errors:
                context["nothing_written"] = True
    return render(request, "training/score_import.html", context)


def _score_import_job(request, upload, *, dry_run: bool):
    """A large file (over ``JOB_INLINE_MAX_BYTES``), or 后台导入: staged and checked (and, without 仅预览,
    written, all or nothing) by a job (``training.jobs``); the answer is the job's page."""
    from jobs.choices import JobKind
    from jobs.services import job_start
    from training.jobs import STAGED

    data = upload.read()
    job = job_start(
        kind=JobKind.SCORE_IMPORT,
        owner=request.user,
        params={
            "staged": STAGED.put(data),
            "file_name": upload.name[:255],
            "bytes": len(data),
            "dry_run": dry_run,
        },
    )
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_POST
def score_export_job(request):
    """The same export written by a background job; the answer is the job's page (or the form's error)."""
    from jobs.choices import JobKind
    from jobs.services import job_start

    _require(request.user.has_perm("training.export_scores"))
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            parse_period(form.cleaned_data["period"])
        except ValidationError as exc:
            form.add_error("period", exc)
        else:
            job = job_start(
                kind=JobKind.SCORE_EXPORT, owner=request.user, params={"period": form.cleaned_data["period"]}
            )
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "training/score_export.html", {"form": form}, status=400)


@login_required
def score_export(request):
    _require(request.user.has_perm("training.export_scores"))
    form = ExportForm(request.GET or None, initial={"period": period_for(today(), "monthly").key})
    if request.GET and form.is_valid():
        try:
            filename, content = export_scores_xlsx(period=form.cleaned_data["period"], viewer=request.user)
        except ValidationError as exc:
            form.add_error("period", exc)
        else:
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(request, "training/score_export.html", {"form": form})


@login_required
def qa_case(request, case_id: int):
    case = get_object_or_404(
        Case.objects.select_related("assignee", "shop", "review", "issue_type"), pk=case_id
    )
    if not can_qa(request.user, case):
        raise Http404
    rubrics = list(QaRubric.objects.filter(active=True).order_by("name"))
    rubric = next(
        (r for r in rubrics if str(r.pk) == request.GET.get("rubric", request.POST.get("rubric"))),
        rubrics[0] if rubrics else None,
    )
    existing = list(QaReview.objects.filter(case=case).select_related("rubric", "reviewer"))
    form = QaReviewForm(request.POST or None, items=rubric.items.filter(active=True) if rubric else [])
    if request.method == "POST" and rubric and form.is_valid():
        try:
            review = services.qa_review_create(
                case=case,
                rubric=rubric,
                reviewer=request.user,
                results=form.item_results(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("质检已保存：得分 %(total)s。") % {"total": review.total})
            return redirect("training:qa_review", review_id=review.pk)
    handled = case.status in HANDLED_STATUSES or case.resolved_at is not None
    survey = SatisfactionSurvey.objects.filter(case=case).select_related("recorded_by").first()
    as_seen = free_text_for(request.user)  # the buyer's words: masked unless one may reveal contact data
    return render(
        request,
        "training/qa_case.html",
        {
            "case": case,
            "rubric": rubric,
            "rubrics": rubrics,
            "form": form,
            "existing": existing,
            "handled": handled,
            "review_text": as_seen(case.review.content),
            "agent_messages": agent_messages(case, viewer=request.user),
            "survey": survey,
            "survey_comment": as_seen(survey.comment) if survey else "",
            "survey_form": SurveyForm() if request.user.has_perm("training.add_satisfactionsurvey") else None,
        },
    )


@login_required
@require_POST
def qa_survey(request, case_id: int):
    """Records the buyer's satisfaction answer for a handled case (feeds the CSAT-computed module)."""
    case = get_object_or_404(Case.objects.select_related("shop"), pk=case_id)
    if not can_qa(request.user, case):
        raise Http404
    form = SurveyForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[name].label}：{' '.join(errs)}" for name, errs in form.errors.items()]
        messages.error(request, _("请检查满意度调查：%(errors)s") % {"errors": "；".join(errors)})
        return redirect("training:qa_case", case_id=case.pk)
    try:
        survey = services.survey_record(case=case, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已记录买家满意度：%(score)s 分。") % {"score": survey.score})
    return redirect("training:qa_case", case_id=case.pk)


def _review_for(request, review_id: int) -> QaReview:
    review = get_object_or_404(
        QaReview.objects.select_related("case", "agent", "reviewer", "settled_by", "rubric"), pk=review_id
    )
    if not (
        review.agent_id == request.user.pk
        or can_view_agent(request.user, review.agent)
        and request.user.has_perm("training.view_qareview")
    ):
        raise Http404
    return review


@login_required
def qa_review(request, review_id: int):
    review = _review_for(request, review_id)
    results = list(review.results.select_related("item"))
    context = {
        "review": review,
        "results": results,
        "QaStatus": QaStatus,
        "agent_messages": agent_messages(review.case, viewer=request.user, agent_id=review.agent_id),
    }
    if review.agent_id == request.user.pk and review.status == QaStatus.SCORED and review.disputed_at is None:
        context["dispute_form"] = DisputeForm(initial={"version": review.version})
    if review.status == QaStatus.DISPUTED and can_settle(request.user, review):
        context["settle_form"] = SettleForm(
            items=[r.item for r in results],
            initial={"version": review.version},
            initial_results={r.item_id: r.passed for r in results},
        )
    return render(request, "training/qa_review.html", context)


@login_required
@require_POST
def qa_dispute(request, review_id: int):
    review = _review_for(request, review_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写申诉理由。"))
        return redirect("training:qa_review", review_id=review.pk)
    try:
        services.qa_review_dispute(
            review=review,
            by=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("申诉已提交，等待另一位主管裁定；裁定前这条质检不计入成绩。"))
    return redirect("training:qa_review", review_id=review.pk)


@login_required
@require_POST
def qa_settle(request, review_id: int):
    review = _review_for(request, review_id)
    results = list(review.results.select_related("item"))
    form = SettleForm(request.POST, items=[r.item for r in results], initial_results={})
    if not form.is_valid():
        messages.error(request, _("请为每个评分项选择结果并填写裁定意见。"))
        return redirect("training:qa_review", review_id=review.pk)
    try:
        settled = services.qa_review_settle(
            review=review,
            by=request.user,
            comment=form.cleaned_data["comment"],
            results=form.item_results(),
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("申诉已裁定：最终得分 %(total)s。") % {"total": settled.final_total})
    return redirect("training:qa_review", review_id=review.pk)


@login_required
def qa_queue(request):
    """Handled cases of the supervisor's shops not yet QA'd, newest first."""
    _require(request.user.has_perm("training.add_qareview"))
    from reviewdesk.access import restrict

    cases = (
        restrict(Case.objects.filter(status__in=HANDLED_STATUSES, assignee__isnull=False), request.user)
        .exclude(qa_reviews__isnull=False)
        .exclude(assignee=request.user)
        .select_related("assignee", "shop", "issue_type")
        .order_by("-resolved_at", "-pk")[:50]
    )
    return render(request, "training/qa_queue.html", {"cases": cases, "now": timezone.now()})
