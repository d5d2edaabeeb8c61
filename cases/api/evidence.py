"""Evidence files of a case: upload (multipart) and download, with the checks of the case page.

Upload goes through ``evidence_add`` (the service the UI uses: role, real file type, size; recorded in
the timeline). Download serves the private file only to whoever may see the case; a case or file out
of reach answers 404.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cases.api.access import case_or_404, invalid_body, refusal_from
from cases.api.base import CaseAPIView
from cases.api.cases import CASE_ID, ERRORS, EVIDENCE_ID
from cases.api.serializers_cases import ErrorSerializer, EvidenceSerializer
from cases.choices import EvidenceKind
from cases.models import Evidence
from cases.workflow.files import download_response
from cases.workflow.services import evidence_add


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("图片、录音、聊天记录导出或文档；类型按文件内容检查，大小有上限")
    )
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    checklist_item = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("对应的申诉清单材料(可选)")
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class EvidenceUploadView(CaseAPIView):
    parser_classes = [MultiPartParser, FormParser]
    required_scope = "cases:act"

    @extend_schema(
        operation_id="cases_evidence_upload",
        parameters=[CASE_ID],
        summary="上传证据",
        description="multipart/form-data。与工作台相同的检查：角色、文件真实类型、大小上限；上传记入时间线。",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            400: OpenApiResponse(ErrorSerializer, description="类型不符、文件为空或过大，或请求体有误"),
            401: ERRORS[401],
            403: ERRORS[403],
            404: ERRORS[404],
        },
        tags=["case evidence"],
    )
    def post(self, request, case_id: int):
        case = case_or_404(request, case_id)
        body = EvidenceUploadSerializer(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        try:
            evidence = evidence_add(case_id=case.pk, by=request.user, **body.validated_data)
        except ValidationError as error:
            return refusal_from(error)
        evidence = Evidence.objects.select_related("uploaded_by").get(pk=evidence.pk)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDownloadView(CaseAPIView):
    required_scope = "cases:read"

    def perform_content_negotiation(self, request, force=False):
        # The answer is a file whatever the client accepts; only refusals are rendered (as JSON).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="cases_evidence_download",
        parameters=[CASE_ID, EVIDENCE_ID],
        summary="下载证据文件",
        description="只有能查看该案件的用户可以下载；以附件形式返回原文件名。",
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="文件内容(类型为上传时识别出的真实类型)"
            ),
            401: ERRORS[401],
            404: ERRORS[404],
        },
        tags=["case evidence"],
    )
    def get(self, request, case_id: int, evidence_id: int):
        case = case_or_404(request, case_id)
        evidence = Evidence.objects.filter(pk=evidence_id, case=case).first()
        if evidence is None:
            raise Http404
        return download_response(evidence)
