"""``POST /api/v1/reviews/``: one review or a list, answered per item."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.auth import ApiTokenAuthentication, writable_shop_ids
from cases.api.parsers import StrictJSONParser, api_exception
from cases.api.serializers import (
    ReviewBatchRefusalSerializer,
    ReviewBatchResultSerializer,
    ReviewInputSerializer,
)
from cases.choices import IntakeSource, RowStatus
from cases.imports.submit import may_import_reviews, reviews_submit
from cases.models import ApiToken
from cases.models.intake import TokenScope

MAX_ITEMS = 1000

DESCRIPTION = """提交一条评价(JSON对象)或多条评价(JSON数组，最多1000条)。

* 幂等：以(店铺, 评价标识)识别同一条评价；同一批数据重复提交，每条都返回 `unchanged`。
  评价标识取 `external_id`，留空时由 `sub_order_no`，或 `order_no` + `item_id` 生成。
* 评分、时间、金额的写法与导入文件相同(好评/中评/差评 或 1–5；北京时间或 ISO 8601；￥59.00)。
* 每条单独校验并返回 `status`：`created` / `updated` / `unchanged` / `error`(附 `errors`)。
  有错误的条目不写入；其余条目在同一个事务中写入。
* 条目的JSON形状不符合下面的格式(该是字符串的给了数字、缺少必填字段)时，整批以 HTTP 400 拒绝，
  `results` 列出这些条目的字段错误，什么都不写。
* **HTTP 200**：所有条目都成功；**HTTP 207**：至少一条出错(逐条看 `status`)；
  **HTTP 400**：请求体不是有效的JSON、不是对象或数组，或超过1000条(什么都不写)；**HTTP 413**：请求体过大。
* 认证：只接受带 `intake` 权限的接口令牌 `Authorization: Bearer rd_…`(只能写令牌所属的店铺)。
  评价、评分和追评是平台数据：令牌所属账号须能导入评价(客服主管、运营经理、超级管理员或集成账号)；
  已登录会话(任何角色)一律 **HTTP 403**，什么都不写。更正评价请重新导入平台导出文件或由令牌重新提交。
"""


class PlatformIntakeOnly(BasePermission):
    """Reviews are platform data: only an API token with the intake scope whose owner may import
    reviews (``cases.imports.submit.may_import_reviews``) writes them. A person's session — any role,
    the superuser's too — is refused with 403 before anything is read or written (session
    authentication stays on the view so the refusal says why instead of asking for credentials)."""

    message = gettext_lazy(
        "评价、评分和追评只能来自平台数据：请使用带 intake 权限的接口令牌，或导入平台导出文件；登录会话不能写入评价。"
    )

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if not token.has_scope(TokenScope.INTAKE):
            self.message = _("该接口令牌没有 intake(评价接入)权限，不能提交评价。")
            return False
        if not may_import_reviews(token.user):
            self.message = _("令牌所属账号的角色不能导入评价(只有客服主管、运营经理或集成账号可以)。")
            return False
        return True


class ReviewIntakeView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, PlatformIntakeOnly]
    required_scope = TokenScope.INTAKE  # the token scope this endpoint needs (PlatformIntakeOnly checks it)
    parser_classes = [StrictJSONParser]

    def handle_exception(self, exc):
        return super().handle_exception(api_exception(exc))

    @extend_schema(
        operation_id="reviews_submit",
        summary="提交评价(单条或批量)",
        description=DESCRIPTION,
        request={"application/json": ReviewInputSerializer(many=True)},
        responses={
            200: ReviewBatchResultSerializer,
            207: OpenApiResponse(ReviewBatchResultSerializer, description="部分条目出错"),
            400: OpenApiResponse(
                ReviewBatchRefusalSerializer, description="请求体格式错误、条目不符合格式或条目过多"
            ),
            403: OpenApiResponse(description="登录会话、没有 intake 权限的令牌，或令牌所属账号不能导入评价"),
            413: OpenApiResponse(description="请求体过大"),
        },
        examples=[
            OpenApiExample(
                "一条差评",
                value=[
                    {
                        "shop": "tb-home",
                        "order_no": "3100000000000001",
                        "sub_order_no": "310000000000000101",
                        "item_id": "640012345678",
                        "rating": "差评",
                        "content": "杯子收到就裂了",
                        "reviewed_at": "2026-11-20 13:05:00",
                        "buyer_nick": "t**1",
                        "order_amount": "59.00",
                    }
                ],
                request_only=True,
            )
        ],
        tags=["reviews"],
    )
    def post(self, request):
        payload = request.data
        items = [payload] if isinstance(payload, dict) else payload
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return Response(
                {"detail": _("请求体必须是一个评价对象或评价对象数组。")}, status=status.HTTP_400_BAD_REQUEST
            )
        if not items or items == [{}]:  # an empty body arrives as {}
            return Response({"detail": _("没有评价。")}, status=status.HTTP_400_BAD_REQUEST)
        if len(items) > MAX_ITEMS:
            return Response(
                {"detail": _("一次最多提交%(n)d条评价。") % {"n": MAX_ITEMS}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        shaped: list[dict] = []
        shape_errors: dict[int, list[dict]] = {}
        for index, item in enumerate(items):
            serializer = ReviewInputSerializer(data=item)
            if serializer.is_valid():
                shaped.append(serializer.validated_data)
            else:
                shape_errors[index] = [
                    {"field": name, "message": " ".join(str(m) for m in messages)}
                    for name, messages in serializer.errors.items()
                ]
        if shape_errors:  # not the documented shape: the whole request is refused, nothing written
            refused = [
                {
                    "index": index,
                    "status": RowStatus.ERROR,
                    "external_id": None,
                    "review_id": None,
                    "case_id": None,
                    "errors": errors,
                }
                for index, errors in sorted(shape_errors.items())
            ]
            return Response(
                {"detail": _("有条目不符合接口格式(见 results)，整批未写入。"), "results": refused},
                status=status.HTTP_400_BAD_REQUEST,
            )
        results = reviews_submit(
            items=shaped,
            allowed_shop_ids=writable_shop_ids(request),
            by=request.user,
            source=IntakeSource.API,
        )  # an intake token: PlatformIntakeOnly
        body = {
            "results": [r.as_dict() for r in results],
            "created": sum(r.status == RowStatus.CREATED for r in results),
            "updated": sum(r.status == RowStatus.UPDATED for r in results),
            "unchanged": sum(r.status == RowStatus.UNCHANGED for r in results),
            "errors": sum(r.status == RowStatus.ERROR for r in results),
        }
        return Response(body, status=status.HTTP_207_MULTI_STATUS if body["errors"] else status.HTTP_200_OK)
