"""``/api/v1/cases/{id}/assignees/`` (who could take the case, with their load and what stops them)
and ``/api/v1/cases/{id}/assign/`` (give it to someone): the same service as the web form and bulk
assignment (``cases.routing.assign.case_reassign``), so all refuse the same things with the same
codes and messages. Refusals: 400 the person may not take the case (``assignee_not_eligible``, or
``override_required`` / ``override_reason_required`` when a supervisor could override), 403 the caller
may not assign or override, 404 a case out of reach, 409 a stale version.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from cases.api.access import case_or_404, invalid_body, refusal, refusal_from
from cases.api.base import CaseAPIView
from cases.api.cases import CASE_ID, ERRORS, case_detail_response
from cases.api.parsers import StrictJSONParser
from cases.api.serializers_actions import MAX_ID, ActionSerializer
from cases.api.serializers_cases import CaseDetailSerializer, ErrorSerializer
from cases.routing.assign import FORBIDDEN_CODES, RoutingError, case_reassign, may_override
from cases.routing.eligibility import standings_for_case
from reviewdesk.models import User
from reviewdesk.roles import user_roles


class AssignSerializer(ActionSerializer):
    user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("分配给谁(用户ID)"))
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=_("原因(越权分配时必填)")
    )
    override = serializers.BooleanField(
        required=False, default=False, help_text=_("越权分配：越过在办上限或认证(仅本店铺客服主管)")
    )


class AssigneeSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    open_cases = serializers.IntegerField(help_text=_("在办案件数"))
    cap = serializers.IntegerField(help_text=_("在办上限"))
    eligible = serializers.BooleanField()
    overridable = serializers.BooleanField(help_text=_("不可直接分配，但客服主管可越权分配"))
    problems = serializers.ListField(child=serializers.CharField(), help_text=_("原因代码"))
    reason = serializers.CharField(help_text=_("不能分配的原因"))


def is_overseer(user) -> bool:
    return user.is_superuser or bool(user_roles(user) & {"supervisor", "manager"})


class CaseAssigneesView(CaseAPIView):
    required_scope = "cases:read"

    @extend_schema(
        operation_id="cases_assignees",
        parameters=[CASE_ID],
        summary="可分配的人",
        description="店铺里处理案件的人，各自的在办数/上限和能否接这个案件(不能时的原因)；可直接分配的排在前面。"
        "只有客服主管和运营经理可以查看。",
        responses={200: AssigneeSerializer(many=True), 401: ERRORS[401], 404: ERRORS[404]},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        case = case_or_404(request, case_id)
        if not is_overseer(request.user):
            return refusal("not_found", _("没有找到这个案件。"), status.HTTP_404_NOT_FOUND)
        standings = standings_for_case(case=case, shop_ids=[case.shop_id])
        body = [
            {
                "user_id": s.user_id,
                "name": s.name,
                "open_cases": s.open_cases,
                "cap": s.cap,
                "eligible": s.eligible,
                "overridable": s.overridable and may_override(request.user, case.shop_id),
                "problems": [str(r.code) for r in s.refusals],
                "reason": s.reason,
            }
            for s in standings
            if s.user_id != case.assignee_id
        ]
        return Response(AssigneeSerializer(body, many=True).data)


class CaseAssignView(CaseAPIView):
    parser_classes = [StrictJSONParser]
    required_scope = "cases:act"

    @extend_schema(
        operation_id="cases_assign",
        parameters=[CASE_ID],
        summary="分配/改派",
        description="与工作台相同的服务和权限：本店铺客服主管或运营经理分配；越过在办上限或认证须 override=true、"
        "写明原因，且仅本店铺客服主管可以。请求体须带上详情里的 `version`。",
        request=AssignSerializer,
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(ErrorSerializer, description="此人不能接这个案件，或请求体有误"),
            401: ERRORS[401],
            403: OpenApiResponse(ErrorSerializer, description="无权分配或无权越权分配"),
            404: ERRORS[404],
            409: OpenApiResponse(ErrorSerializer, description="案件已被他人更新(version 过期)"),
        },
        tags=["cases"],
    )
    def post(self, request, case_id: int):
        case = case_or_404(request, case_id)
        body = AssignSerializer(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        data = body.validated_data
        target = User.objects.filter(pk=data["user_id"]).first()
        if target is None:
            return refusal(RoutingError.NOT_ELIGIBLE, _("没有这个用户。"))
        case.version = data["version"]
        try:
            case_reassign(
                case=case,
                user=target,
                by=request.user,
                reason=data.get("reason", ""),
                override=data.get("override", False),
            )
        except ValidationError as error:
            response = refusal_from(error)
            if error.code in FORBIDDEN_CODES:
                response.status_code = status.HTTP_403_FORBIDDEN
            elif error.code == RoutingError.STALE:
                response.status_code = status.HTTP_409_CONFLICT
            return response
        return case_detail_response(request, case.pk)
