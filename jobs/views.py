"""The jobs pages: my jobs, one job (its progress polled with htmx, then its result), cancel, download.

A job another user may not see answers 404, as if it did not exist (``jobs.queries.jobs_visible``).
What a finished job's page shows beyond its message is its kind's: a handler with ``page(job, request)``
returns the template and context of its result (the import's preview with its confirm button).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import registry
from jobs.choices import JobState
from jobs.queries import job_status, jobs_visible
from jobs.runner import handler_for
from jobs.services import job_cancel

LISTED = 100


def nav_links_for(request) -> list[tuple[str, str]]:
    """'My jobs' for everyone who may start one (each kind's ``may_start``, ``jobs.registry``)."""
    user = request.user
    if user.is_authenticated and registry.may_start_any(user):
        return [(_("我的任务"), reverse("jobs:list"))]
    return []


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible(request.user).select_related("owner", "shop")[:LISTED]
    rows = [job_status(job) for job in jobs]
    return render(request, "jobs/list.html", {"jobs": rows})


def _job(request, pk: int):
    return get_object_or_404(jobs_visible(request.user).select_related("owner", "shop"), pk=pk)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = {"job": job_status(job), "may_cancel": _may_cancel(request, job), "errors": _errors(job)}
    handler = handler_for(job.kind)
    template = "jobs/detail.html"
    if job.state == JobState.DONE and hasattr(handler, "page"):
        template, extra = handler.page(job, request)
        context.update(extra)
    return render(request, template, context)


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled fragment; once the job has finished, htmx reloads the page to show its result."""
    job = _job(request, pk)
    response = render(
        request,
        "jobs/_progress.html",
        {"job": job_status(job), "may_cancel": _may_cancel(request, job)},
    )
    if job.finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _errors(job) -> list[str]:
    """A finished job's first error messages (a kind's own page may show them its way instead)."""
    if not job.finished:
        return []
    return [
        str(e.get("message", "")) for e in job.errors[:LISTED] if isinstance(e, dict) and e.get("message")
    ]


def _may_cancel(request, job) -> bool:
    return job.owner_id == request.user.pk and not job.finished


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.owner_id != request.user.pk:
        raise Http404
    if job_cancel(job=job, by=request.user):
        messages.success(request, _("已请求取消；导入会整体撤销，不写入任何数据。"))
    else:
        messages.error(request, _("任务已经结束，无法取消。"))
    return redirect("jobs:detail", pk=job.pk)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The result file, to whoever may see the job, until it expires (MEDIA_ROOT is never served)."""
    job = _job(request, pk)
    if job.state != JobState.DONE or not job.file or job.expires_at <= timezone.now():
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=job.content_type or None
    )
    # Payouts and previews are personal data: never cached on the way, never sniffed as something else.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
