"""The jobs API: ``POST /api/v1/imports/`` starts an import job, ``GET /api/v1/jobs/{id}/`` reports it.

Who may start an import is the intake's rule (``cases.imports.submit.may_import_reviews``): a token needs
the ``intake`` scope and an owner who may import reviews, into the shops it may write; a session, the
upload page's rule. The file is staged and the job queued: the answer is 202 at once, whatever the size.
A job is read by whoever may see it (``jobs.queries.jobs_visible``, narrowed to the token's shops); any
other id is a 404, as if it did not exist.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from cases.api.auth import writable_shop_ids
from cases.api.base import CaseAPIView
from cases.api.serializers_cases import ErrorSerializer
from cases.imports.submit import may_import_reviews
from cases.models import ApiToken
from cases.models.intake import TokenScope
from cases.web.imports import start_preview
from jobs.choices import JobKind, JobState
from jobs.queries import job_status, jobs_visible
from jobs.services import job_start
from reviewdesk.models import Shop

JOB_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="任务编号")
REFUSALS = {
    401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效"),
    403: OpenApiResponse(ErrorSerializer, description="令牌没有 intake 权限，或账号不能导入评价"),
    404: OpenApiResponse(ErrorSerializer, description="任务不存在或无权查看"),
}


class MayImportReviews(BasePermission):
    message = gettext_lazy("只有客服主管、运营经理或集成账号可以导入评价文件。")

    def has_permission(self, request, view) -> bool:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return may_import_reviews(token.user if token else request.user)


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="评价导出文件(.xlsx 或 .csv)")
    shop = serializers.CharField(max_length=64, help_text="店铺代码(如 tb-home)或店铺编号")
    dry_run = serializers.BooleanField(
        default=True, help_text="true：只预演校验，不写入；false：校验通过即写入"
    )


JOB_OUTPUT = inline_serializer(
    "Job",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "state": serializers.CharField(),
        "done": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "percent": serializers.IntegerField(),
        "eta_seconds": serializers.IntegerField(allow_null=True),
        "message": serializers.CharField(),
        "counts": serializers.DictField(),
        "errors": serializers.ListField(child=serializers.DictField()),
        "url": serializers.CharField(),
        "page": serializers.CharField(),
        "download": serializers.CharField(allow_blank=True),
    },
)


def job_body(request, job) -> dict:
    status_ = job_status(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "done": status_["done"],
        "total": status_["total"],
        "percent": status_["percent"],
        "eta_seconds": status_["eta_seconds"],
        "message": job.message,
        "counts": job.counts,
        "errors": job.errors[:1000] if job.state == JobState.DONE else [],
        "url": request.build_absolute_uri(f"/api/v1/jobs/{job.pk}/"),
        "page": request.build_absolute_uri(status_["url"]),
        "download": request.build_absolute_uri(f"/api/v1/jobs/{job.pk}/download/")
        if status_["download_url"]
        else "",
    }


class ImportStartView(CaseAPIView):
    permission_classes = [*CaseAPIView.permission_classes, MayImportReviews]
    required_scope = TokenScope.INTAKE
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_start",
        summary="上传评价导出文件，后台预演或导入",
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            202: JOB_OUTPUT,
            400: OpenApiResponse(ErrorSerializer, description="缺少文件、店铺不存在或无权导入、文件过大"),
            401: REFUSALS[401],
            403: REFUSALS[403],
        },
        tags=["imports"],
    )
    def post(self, request):
        form = ImportInputSerializer(data=request.data)
        if not form.is_valid():
            fields = "；".join(
                f"{name}: {' '.join(str(m) for m in errors)}" for name, errors in form.errors.items()
            )
            return Response({"code": "invalid", "message": fields}, status=status.HTTP_400_BAD_REQUEST)
        upload = form.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            return Response(
                {
                    "code": "too_large",
                    "message": _("文件过大：上限为 %(max)d MB。")
                    % {"max": settings.IMPORT_MAX_BYTES // 1024 // 1024},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        code = form.validated_data["shop"].strip()
        shops = Shop.objects.filter(active=True, pk__in=writable_shop_ids(request))
        shop = shops.filter(code=code).first() or (
            shops.filter(pk=int(code)).first() if re.fullmatch(r"[0-9]{1,18}", code) else None
        )
        if shop is None:
            return Response(
                {"code": "shop", "message": _("店铺不存在，或此令牌/账号无权导入该店铺。")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if form.validated_data["dry_run"]:
            job = start_preview(owner=request.user, shop=shop, upload_file=upload, inline=False)
        else:
            job = start_import(owner=request.user, shop=shop, upload_file=upload)
        return Response(job_body(request, job), status=status.HTTP_202_ACCEPTED)


def start_import(*, owner, shop, upload_file):
    """The API's import without a preview: checked and written by one job (all or nothing)."""
    from cases.imports.uploads import staged_preview_put

    data = upload_file.read()
    key = staged_preview_put(data=data)
    return job_start(
        kind=JobKind.IMPORT,
        owner=owner,
        shop=shop,
        params={"staged": key, "file_name": upload_file.name, "bytes": len(data)},
    )


def _job_for(request, pk: int):
    token = request.auth if isinstance(request.auth, ApiToken) else None
    job = jobs_visible(request.user, token=token).select_related("owner", "shop").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


class JobDetailView(CaseAPIView):
    required_scope = TokenScope.INTAKE

    @extend_schema(
        operation_id="jobs_read",
        parameters=[JOB_ID],
        summary="任务状态、进度与结果",
        responses={200: JOB_OUTPUT, 401: REFUSALS[401], 403: REFUSALS[403], 404: REFUSALS[404]},
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        return Response(job_body(request, _job_for(request, pk)))


class JobDownloadView(CaseAPIView):
    required_scope = TokenScope.INTAKE

    def perform_content_negotiation(self, request, force=False):
        # The answer is a file whatever the client accepts; only refusals are rendered (as JSON).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="jobs_download",
        parameters=[JOB_ID],
        summary="下载任务的结果文件",
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="结果文件，保留至过期"),
            401: REFUSALS[401],
            403: REFUSALS[403],
            404: REFUSALS[404],
        },
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        job = _job_for(request, pk)
        if job.state != JobState.DONE or not job.file or job.expires_at <= timezone.now():
            raise Http404
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type=job.content_type or None,
        )
