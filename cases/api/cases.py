"""``GET /api/v1/cases/`` (the queues), ``GET /api/v1/cases/{id}/`` and the buyer-contact reveal."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from cases.api.access import case_or_404, invalid_body, refusal_from, request_token
from cases.api.base import CaseAPIView
from cases.api.serializers_cases import (
    CaseDetailSerializer,
    CaseListSerializer,
    ErrorSerializer,
    RevealedContactSerializer,
)
from cases.choices import CaseStatus
from cases.models import (
    Appeal,
    Case,
    CaseEvent,
    CompensationOffer,
    ContactAttempt,
    Evidence,
    FollowUpTask,
    Reply,
    ReviewRevision,
    Verification,
)
from cases.queries import SCOPES, QueueFilters, queue_for
from cases.queries.queue import PAGE_SIZE, queue_page
from cases.workflow.services import case_reveal_contact
from policies.models import IssueType
from reviewdesk.access import restrict
from reviewdesk.choices import Platform
from reviewdesk.models import Shop

# The URL converters match digits only: say so, so generated clients never build an unroutable URL.
CASE_ID = OpenApiParameter(
    "case_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="案件ID"
)
EVIDENCE_ID = OpenApiParameter(
    "evidence_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="证据ID"
)

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效"),
    403: OpenApiResponse(ErrorSerializer, description="角色无权执行"),
    404: OpenApiResponse(ErrorSerializer, description="案件不存在或无权查看"),
}


EVIDENCE_IDS = Prefetch("evidence", queryset=Evidence.objects.only("pk", "case_id"))


class CasePagination(PageNumberPagination):
    """DRF's page shape over the UI's ``queue_page``: the page and its total in one query; a page past
    the end answers the last page, as in the UI."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page = queue_page(
            queryset, request.query_params.get(self.page_query_param), per_page=self.get_page_size(request)
        )
        return list(self.page)


SCOPE_HELP = "all=我所属店铺的全部未结案件(默认)；mine=我的队列；shop=店铺未分配；breached=已超时"


class CaseFilterSerializer(serializers.Serializer):
    """The queue filters of the UI, as query parameters (codes instead of the UI's ids)."""

    scope = serializers.ChoiceField(choices=SCOPES, default="all", help_text=SCOPE_HELP)
    shop = serializers.CharField(required=False, max_length=32, help_text=_("店铺代码"))
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    issue_type = serializers.CharField(required=False, max_length=32, help_text=_("问题类型代码"))
    state = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    tier = serializers.CharField(required=False, max_length=64, help_text=_("时效等级名称"))
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=CasePagination.max_page_size)
    q = serializers.CharField(
        required=False, max_length=100, help_text=_("订单编号、子订单编号或买家昵称(精确)")
    )

    def validate_shop(self, code):
        request = self.context["request"]
        shops = restrict(Shop.objects.all(), request.user, token=request_token(request))
        shop = shops.filter(code=code).only("pk").first()
        if shop is None:
            raise serializers.ValidationError(_("没有这个店铺，或你不属于该店铺。"))
        return shop.pk

    def validate_issue_type(self, code):
        issue_type = IssueType.objects.filter(code=code).only("pk").first()
        if issue_type is None:
            raise serializers.ValidationError(_("没有这个问题类型。"))
        return issue_type.pk

    def queue_filters(self) -> QueueFilters:
        data = self.validated_data
        return QueueFilters(
            shop_id=data.get("shop"),
            platform=data.get("platform", ""),
            issue_type_id=data.get("issue_type"),
            status=data.get("state", ""),
            tier=data.get("tier", ""),
            q=data.get("q", ""),
        )


# As in the UI's filter bar, an empty value (``?state=``) means "no filter".
FILTER_PARAMETERS = [
    OpenApiParameter("scope", str, enum=["", *SCOPES], description=SCOPE_HELP),
    OpenApiParameter("shop", str, description="店铺代码"),
    OpenApiParameter("platform", str, enum=["", *Platform.values], description="平台"),
    OpenApiParameter("issue_type", str, description="问题类型代码"),
    OpenApiParameter("state", str, enum=["", *CaseStatus.values], description="案件状态"),
    OpenApiParameter("tier", str, description="时效等级名称"),
    OpenApiParameter("q", str, description="订单编号、子订单编号或买家昵称(精确)"),
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1}, description="页码，从1起；超出范围时返回最后一页"
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 200},
        description="每页条数(默认50，最多200)",
    ),
]


class CaseListView(CaseAPIView):
    pagination_class = CasePagination
    required_scope = "cases:read"

    @extend_schema(
        operation_id="cases_list",
        summary="案件队列",
        description="与工作台队列相同的未结案件(cases.queries.queue_for)：已超时、临近超时在前，再按最近截止时间。"
        "令牌只看到令牌所属店铺。筛选条件与工作台相同。不含买家电话和地址。",
        parameters=FILTER_PARAMETERS,
        responses={
            200: CaseListSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="筛选条件有误"),
            401: ERRORS[401],
        },
        tags=["cases"],
    )
    def get(self, request):
        params = CaseFilterSerializer(data=request.query_params, context={"request": request})
        if not params.is_valid():
            return invalid_body(params.errors)
        cases = queue_for(
            request.user,
            scope=params.validated_data["scope"],
            filters=params.queue_filters(),
            token=request_token(request),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseListSerializer(page, many=True).data)


def _rows(model, *joined: str) -> QuerySet:
    # The models order by ("case", <time>, "pk"); ordering by the FK would join the case table again.
    return model.objects.select_related(*joined).order_by(*model._meta.ordering[1:] or ["pk"])


def case_detail_queryset() -> QuerySet[Case]:
    """Everything the detail shows in a fixed number of queries (one per kind of row, users joined),
    whatever the length of the timeline."""
    return Case.objects.select_related(
        "shop", "issue_type", "review", "assignee", "decision_record"
    ).prefetch_related(
        Prefetch("review__revisions", queryset=_rows(ReviewRevision)),
        Prefetch("events", queryset=_rows(CaseEvent, "actor")),
        Prefetch("contacts", queryset=_rows(ContactAttempt, "by")),
        Prefetch("replies", queryset=_rows(Reply, "by")),
        Prefetch("offers", queryset=_rows(CompensationOffer, "requested_by", "approved_by")),
        Prefetch("verifications", queryset=_rows(Verification, "by").prefetch_related(EVIDENCE_IDS)),
        Prefetch("appeals", queryset=_rows(Appeal, "filed_by").prefetch_related(EVIDENCE_IDS)),
        Prefetch("follow_ups", queryset=_rows(FollowUpTask, "done_by")),
        Prefetch("evidence", queryset=_rows(Evidence, "uploaded_by")),
    )


def case_detail_response(request, case_id: int, status_code: int = 200) -> Response:
    case = case_or_404(request, case_id, case_detail_queryset())
    return Response(CaseDetailSerializer(case, context={"request": request}).data, status=status_code)


class CaseDetailView(CaseAPIView):
    required_scope = "cases:read"

    @extend_schema(
        operation_id="cases_retrieve",
        parameters=[CASE_ID],
        summary="案件详情",
        description="评价(含修改记录)、引擎决定、时间线、联系、回复、补偿、核实、申诉、回访、证据(元数据)，"
        "以及当前用户此刻可做的动作和案件版本号(执行动作时原样带回)。买家电话和地址已脱敏。",
        responses={200: CaseDetailSerializer, 401: ERRORS[401], 404: ERRORS[404]},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        return case_detail_response(request, case_id)


class RevealContactView(CaseAPIView):
    required_scope = "cases:act"  # reading a buyer's contact is an act, recorded in the timeline

    @extend_schema(
        operation_id="cases_reveal_contact",
        parameters=[CASE_ID],
        summary="查看买家完整电话和地址",
        description="需要“可查看买家电话和地址”权限；每次查看都记入案件时间线。",
        request=None,
        responses={200: RevealedContactSerializer, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
        tags=["cases"],
    )
    def post(self, request, case_id: int):
        case = case_or_404(request, case_id)
        try:
            revealed = case_reveal_contact(case_id=case.pk, by=request.user)
        except ValidationError as error:
            return refusal_from(error)
        body = {"buyer_phone": revealed["phone"] or None, "buyer_address": revealed["address"] or None}
        return Response(RevealedContactSerializer(body).data)
