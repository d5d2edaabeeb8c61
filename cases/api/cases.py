"""``GET /api/v1/cases/`` (the queues), ``GET /api/v1/cases/{id}/`` and the buyer-contact reveal."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
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
from cases.queries import SCOPES, queue_for
from cases.queries.filters import IdFilter, QueueFilterSet
from cases.queries.queue import PAGE_SIZE, queue_page
from cases.workflow.services import case_reveal_contact

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


class QueueParamsSerializer(serializers.Serializer):
    """Which queue and which page; the filters are the web queue's (``cases.queries.filters``)."""

    scope = serializers.ChoiceField(choices=SCOPES, default="all", help_text=SCOPE_HELP)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=CasePagination.max_page_size)


def _filter_parameter(name: str, filter_) -> OpenApiParameter:
    """A query parameter of the queue FilterSet, described from the filter itself."""
    extra = filter_.extra
    if isinstance(filter_, IdFilter):
        schema = {"type": "integer", "minimum": extra["min_value"], "maximum": extra["max_value"]}
    else:
        schema = {"type": "string"}
        if extra.get("max_length"):
            schema["maxLength"] = extra["max_length"]
        choices = extra.get("choices")
        if choices and not callable(choices):
            schema["enum"] = ["", *(str(value) for value, _label in choices)]
    return OpenApiParameter(name, schema, description=str(filter_.label))


# As in the UI's filter bar, an empty value (``?state=``) means "no filter".
FILTER_PARAMETERS = [
    OpenApiParameter("scope", str, enum=["", *SCOPES], description=SCOPE_HELP),
    *(_filter_parameter(name, filter_) for name, filter_ in QueueFilterSet.base_filters.items()),
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
        token = request_token(request)
        params = QueueParamsSerializer(data=request.query_params)
        filters = QueueFilterSet(request.query_params, user=request.user, token=token)
        if not params.is_valid() or filters.errors:  # an unbound FilterSet (no filter) has no errors
            return invalid_body({**params.errors, **filters.errors})
        cases = queue_for(request.user, scope=params.validated_data["scope"], filters=filters, token=token)
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
