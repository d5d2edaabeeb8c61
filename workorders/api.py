"""The API of work orders, beside the cases API (same authentication, token scopes, throttles and refusal
shape: ``cases.api.base.CaseAPIView``).

- ``GET  /api/v1/cases/{case_id}/work-orders/``  the case's orders (scope ``cases:read``);
- ``POST /api/v1/cases/{case_id}/work-orders/``  raise one (``cases:act``; multipart for attachments);
- ``POST /api/v1/work-orders/{id}/answer/``      a department member's answer (``cases:act``).

The case is reached only through ``cases.api.access.case_or_404`` (the one access path with the
request's token): another shop's case, or a case the token does not cover, is 404 like an unknown id.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases.api.access import case_or_404, invalid_body, refusal, refusal_from, request_token
from cases.api.base import CaseAPIView
from cases.api.cases import ERRORS
from cases.api.serializers_cases import ErrorSerializer
from cases.choices import Responsibility
from workorders.choices import WorkOrderError
from workorders.models import RequestType
from workorders.queries import order_rows, orders_for, with_related
from workorders.services import raise_for_case, work_order_answer


class WorkOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    department = serializers.CharField()
    request_type = serializers.CharField()
    question = serializers.CharField()
    contact = serializers.CharField()
    status = serializers.CharField()
    blocking = serializers.BooleanField()
    raised_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    answer = serializers.CharField()
    responsibility = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class RaiseSerializer(serializers.Serializer):
    request_type = serializers.IntegerField(help_text="请求类型ID(决定部门与答复时限)")
    question = serializers.CharField(max_length=2000)
    contact = serializers.IntegerField(required=False, allow_null=True, help_text="外部联系人ID(可选)")
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)
    responsibility = serializers.ChoiceField(choices=Responsibility.choices, required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


def _out(orders) -> list[dict]:
    fields = set(WorkOrderSerializer().fields)
    return [{k: v for k, v in row.items() if k in fields} for row in order_rows(orders)]


REFUSALS = {
    400: OpenApiResponse(ErrorSerializer, description="请求体有误，或部门、请求类型、外部联系人不可用"),
    401: ERRORS[401],
    403: OpenApiResponse(ErrorSerializer, description="令牌或角色无权执行，或不是该部门成员"),
    404: OpenApiResponse(ErrorSerializer, description="案件或工单不存在或无权查看"),
}


class CaseWorkOrdersView(CaseAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    required_scope = {"GET": "cases:read", "POST": "cases:act"}  # reading the orders, or raising one

    @extend_schema(
        operation_id="case_work_orders_list",
        responses={200: WorkOrderSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request, case_id: int):
        case = case_or_404(request, case_id)
        orders = with_related(orders_for(request.user, token=request_token(request)).filter(case_id=case.pk))
        return Response(_out(orders.order_by("raised_at", "pk")))

    @extend_schema(
        operation_id="case_work_orders_raise",
        request={"multipart/form-data": RaiseSerializer, "application/json": RaiseSerializer},
        responses={201: WorkOrderSerializer, **REFUSALS},
    )
    def post(self, request, case_id: int):
        case = case_or_404(request, case_id)
        body = RaiseSerializer(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        data = body.validated_data
        request_type = RequestType.objects.filter(pk=data["request_type"]).first()
        try:
            order = raise_for_case(
                case=case,
                by=request.user,
                department_id=request_type.department_id if request_type else None,
                request_type_id=data["request_type"],
                question=data["question"],
                contact_id=data.get("contact"),
                files=data.get("files") or [],
                source="api",
            )
        except ValidationError as error:
            return refusal_from(error)
        return Response(_out(with_related(orders_for(request.user).filter(pk=order.pk)))[0], status=201)


class WorkOrderAnswerView(CaseAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    required_scope = "cases:act"

    @extend_schema(
        operation_id="work_order_answer",
        request={"multipart/form-data": AnswerSerializer, "application/json": AnswerSerializer},
        responses={200: WorkOrderSerializer, **REFUSALS},
    )
    def post(self, request, pk: int):
        token = request_token(request)
        if not orders_for(request.user, token=token).filter(pk=pk).exists():
            return refusal(WorkOrderError.NOT_FOUND, _("工单不存在或无权查看。"), status.HTTP_404_NOT_FOUND)
        body = AnswerSerializer(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        data = body.validated_data
        try:
            order = work_order_answer(
                order_id=pk,
                by=request.user,
                answer=data["answer"],
                responsibility=data.get("responsibility", ""),
                files=data.get("files") or [],
            )
        except ValidationError as error:
            response = refusal_from(error)
            if error.code == WorkOrderError.NOT_MEMBER:
                response.status_code = status.HTTP_403_FORBIDDEN
            return response
        return Response(_out(with_related(orders_for(request.user).filter(pk=order.pk)))[0])
