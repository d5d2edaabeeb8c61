"""``POST /api/v1/cases/{id}/actions/<action>/``: one endpoint per workflow action.

Each endpoint validates its body's shape with the action's serializer (built from the action's spec,
``cases.workflow.specs``, like the web form) and hands it to ``case_act``,
the service the UI calls too, so both refuse the same things with the same codes and messages. The
answer is the case as the detail endpoint shows it (with its new ``version``), or ``{code, message}``:
400 a refusal of the workflow or a malformed body, 403 a role (or non-assignee) not allowed, 404 a case
out of reach, 409 a stale version. A case out of reach is answered 404 before the body is looked at.
"""

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema

from cases.api.access import case_or_404, invalid_body, refusal_from
from cases.api.base import CaseAPIView
from cases.api.cases import CASE_ID, ERRORS, case_detail_response
from cases.api.parsers import StrictJSONParser
from cases.api.serializers_actions import ACTION_SERIALIZERS
from cases.api.serializers_cases import CaseDetailSerializer, ErrorSerializer
from cases.choices import WorkflowAction
from cases.workflow.services import case_act
from cases.workflow.table import transitions_for
from reviewdesk.choices import Role

ACTION_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="当前状态不允许、条件不满足(如未核实、超出联系次数、合规拦截)或请求体有误",
    ),
    401: ERRORS[401],
    403: OpenApiResponse(ErrorSerializer, description="角色无权执行，或不是案件处理人"),
    404: ERRORS[404],
    409: OpenApiResponse(ErrorSerializer, description="案件已被他人更新(version 过期)，请重新读取后再试"),
}


class CaseActionView(CaseAPIView):
    parser_classes = [StrictJSONParser]
    required_scope = "cases:act"
    action: str = ""
    serializer_class = None

    def post(self, request, case_id: int):
        case = case_or_404(request, case_id)
        body = self.serializer_class(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        data = dict(body.validated_data)
        version = data.pop("version")
        try:
            case_act(case_id=case.pk, action=self.action, by=request.user, version=version, data=data)
        except ValidationError as error:
            return refusal_from(error)
        return case_detail_response(request, case.pk)


def _description(action: str) -> str:
    rows = transitions_for(action)
    lines = []
    for row in rows:
        states = "、".join(sorted(row.from_states))
        to = row.to_state or "(状态不变)"
        roles = "、".join(str(Role(r).label) for r in sorted(row.roles))
        guards = f"；条件：{row.guard}" if row.guards else ""
        lines.append(f"* 从 {states} → {to}；角色：{roles}{guards}")
    return "与工作台相同的服务和权限。请求体须带上详情里的 `version`。\n\n" + "\n".join(lines)


def make_action_view(action: str) -> type[CaseActionView]:
    serializer = ACTION_SERIALIZERS[action]
    label = str(WorkflowAction(action).label)
    view = type(
        f"Case{serializer.__name__.removesuffix('Serializer')}ActionView",
        (CaseActionView,),
        {"action": action, "serializer_class": serializer, "__doc__": label},
    )

    # A function of its own per action: extend_schema annotates the function object it decorates.
    def post(self, request, case_id: int):
        return CaseActionView.post(self, request, case_id)

    view.post = extend_schema(
        operation_id=f"cases_{action}",
        parameters=[CASE_ID],
        summary=label,
        description=_description(action),
        request=serializer,
        responses={200: CaseDetailSerializer, **ACTION_ERRORS},
        tags=["case actions"],
    )(post)
    return view


def action_urlpatterns() -> list:
    return [
        path(
            f"cases/<int:case_id>/actions/{action}/",
            make_action_view(action).as_view(),
            name=f"api-case-{action}",
        )
        for action in ACTION_SERIALIZERS
    ]
