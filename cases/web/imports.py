"""The upload page: choose shop and file → dry-run preview with every row error → confirm → result.

The previewed bytes are staged (``cases.imports.uploads.staged_preview_*``) under a random key; the
confirm form carries a signed token (shop, user, hash, name, key), so confirming imports exactly the
file that was previewed, re-validated from scratch, and a tampered or stale token changes nothing.
The staged file is deleted when the preview is confirmed or cancelled (the form's cancel button posts
the same token), and by the hourly sweep when it is abandoned.

The preview and the import are jobs (``jobs``, kinds ``import_preview`` and ``import``): a file up to
``JOB_INLINE_MAX_BYTES`` runs through the job runner within the request and answers with its page as
before; a larger one is queued for django-q2 and the answer is a redirect to the job's page, which
follows its progress and then shows this same preview (with its confirm button) or result.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases.choices import CaseStatus
from cases.imports.submit import may_import_reviews
from cases.imports.uploads import (
    IntakeResult,
    staged_preview_discard,
    staged_preview_put,
    staged_preview_read,
)
from cases.models import Case
from jobs.choices import JobKind
from jobs.models import Job
from jobs.services import job_start
from reviewdesk.access import CHANGE, restrict
from reviewdesk.models import Shop

TOKEN_SALT = "cases.import.confirm"
TOKEN_MAX_AGE = 3600


def _require_uploader(request: HttpRequest) -> None:
    """The same rule as the API's intake (cases.imports.submit.may_import_reviews): reviews are platform
    data, imported only by the roles that may bring it in."""
    if not may_import_reviews(request.user):
        raise PermissionDenied(_("只有客服主管和运营经理可以导入评价文件。"))


class UploadForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=None, label=gettext_lazy("店铺"), empty_label=None)
    file = forms.FileField(
        label=gettext_lazy("评价导出文件"),
        help_text=gettext_lazy("淘宝/天猫、抖店的评价导出或通用模板，.xlsx 或 .csv"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = restrict(Shop.objects.filter(active=True), user, CHANGE)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限为 %(max)d MB。") % {"max": settings.IMPORT_MAX_BYTES // 1024 // 1024}
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        shop = form.cleaned_data["shop"]
        upload_file = form.cleaned_data["file"]
        job = start_preview(owner=request.user, shop=shop, upload_file=upload_file)
        if not job.finished:
            return redirect("jobs:detail", pk=job.pk)
        if IntakeResult.of_job(job) is None:  # the job failed: its message says so, the log has the why
            return render(request, "cases/imports/upload.html", {"form": form, "problem": job.message})
        template, context = preview_page(job, request)
        return render(request, template, context)
    return render(request, "cases/imports/upload.html", {"form": form})


def start_preview(*, owner, shop, upload_file, inline: bool | None = None) -> Job:
    """Stage the upload and start its preview job: at once in this request when the file is small,
    else queued (the page answers at once and follows the job). The API (jobs.api) always queues it."""
    data = upload_file.read()
    key = staged_preview_put(data=data)
    return job_start(
        kind=JobKind.IMPORT_PREVIEW,
        owner=owner,
        shop=shop,
        params={"staged": key, "file_name": upload_file.name, "bytes": len(data)},
        inline=len(data) <= settings.JOB_INLINE_MAX_BYTES if inline is None else inline,
    )


def confirm_token(job: Job) -> str:
    """The confirm form's signed token of a preview job that passed: the file it previewed, by whom."""
    return signing.dumps(
        {
            "shop": job.shop_id,
            "user": job.owner_id,
            "sha256": job.result.get("sha256", ""),
            "name": job.params.get("file_name", ""),
            "staged": job.params.get("staged", ""),
            "job": job.pk,
        },
        salt=TOKEN_SALT,
    )


def preview_page(job: Job, request) -> tuple[str, dict]:
    """The preview of a finished preview job (the job page of one, or the upload's answer)."""
    result = IntakeResult.of_job(job)
    token = confirm_token(job) if result.ok and job.owner_id == request.user.pk else ""
    return "cases/imports/preview.html", {
        "result": result,
        "shop": job.shop,
        "token": token,
        "preview_rows": _preview_rows(result.preview),
        "job_id": job.pk,
    }


def result_page(job: Job, request) -> tuple[str, dict]:
    """The result of a finished import job."""
    result = IntakeResult.of_job(job)
    return "cases/imports/result.html", {
        "result": result,
        "shop": job.shop,
        "finished_at": job.finished_at,
        "opened_cases": _opened_cases(request.user, result.opened_case_ids),
        "job_id": job.pk,
    }


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    try:
        payload = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return render(
            request,
            "cases/imports/upload.html",
            {
                "form": UploadForm(user=request.user),
                "problem": _("确认已过期或无效，请重新上传文件。"),
            },
            status=400,
        )
    key = payload.get("staged", "")
    if payload["user"] == request.user.pk and "cancel" in request.POST:
        staged_preview_discard(key=key)
        return redirect("cases:import-upload")
    shop = restrict(Shop.objects.filter(active=True), request.user, CHANGE).filter(pk=payload["shop"]).first()
    data = staged_preview_read(key=key) if payload["user"] == request.user.pk else None
    confirmed = (
        Job.objects.filter(kind=JobKind.IMPORT, owner=request.user, params__staged=key).first()
        if shop is not None and data is None and key
        else None
    )
    if confirmed is not None:  # confirmed already (a second click, the back button): that import's page
        return redirect("jobs:detail", pk=confirmed.pk)
    if shop is None or data is None:
        if data is not None:
            staged_preview_discard(key=key)  # the shop went out of reach since the preview
        return render(
            request,
            "cases/imports/upload.html",
            {
                "form": UploadForm(user=request.user),
                "problem": _("找不到预览过的文件或无权导入该店铺，请重新上传。"),
            },
            status=400,
        )
    if hashlib.sha256(data).hexdigest() != payload["sha256"]:
        staged_preview_discard(key=key)
        return render(
            request,
            "cases/imports/upload.html",
            {
                "form": UploadForm(user=request.user),
                "problem": _("暂存文件已变化，请重新上传。"),
            },
            status=400,
        )
    job = job_start(
        kind=JobKind.IMPORT,
        owner=request.user,
        shop=shop,
        params={"staged": key, "file_name": payload["name"], "sha256": payload["sha256"], "bytes": len(data)},
        inline=len(data) <= settings.JOB_INLINE_MAX_BYTES,
    )  # the job deletes the staged file once used: imported, or its errors shown (fix and upload again)
    # Done or not, the answer is the job's page (its result once finished): reloading it reads the
    # result again instead of posting the spent confirmation a second time.
    return redirect("jobs:detail", pk=job.pk)


def _preview_rows(preview: list[dict]) -> list[dict]:
    """The previewed rows with the review time as a datetime again (the result carries it as ISO text
    for the command's --json), so the page shows it in the site's time zone like every other page."""
    rows = []
    for row in preview:
        row = dict(row)
        try:
            row["reviewed_at"] = dt.datetime.fromisoformat(row["reviewed_at"]) if row["reviewed_at"] else None
        except (TypeError, ValueError):
            row["reviewed_at"] = None
        rows.append(row)
    return rows


def _opened_cases(user, case_ids: list[int]) -> list[dict]:
    """The cases this import opened, as the uploader may see them (one query)."""
    if not case_ids:
        return []
    rows = (
        restrict(Case.objects.filter(pk__in=case_ids), user)
        .order_by("pk")
        .values(
            "pk",
            "status",
            "issue_type__name",
            "review__order_no",
            "review__rating",
            "first_response_due_at",
        )
    )
    return [
        {
            "id": row["pk"],
            "status": CaseStatus(row["status"]).label,
            "issue_type": row["issue_type__name"] or "",
            "order_no": row["review__order_no"],
            "rating": row["review__rating"],
            "first_response_due_at": row["first_response_due_at"],
        }
        for row in rows
    ]
