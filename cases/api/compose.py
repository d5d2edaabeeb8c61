"""``GET /api/v1/cases/{id}/compose/``: what the case page's forms offer, for API clients.

The engine's compensation options (the ``option_id`` values ``offer`` / ``request_approval`` take),
the reply templates rendered with the case's context and already compliance-checked (the
``template_id`` values ``record_contact`` / ``public_reply`` take), and the platform's appeal
checklist (the ``reason_type`` values and the evidence ``file_appeal`` needs). Read from the same
helpers as the UI (cases.workflow.compose); nothing is written.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cases.api.access import case_or_404
from cases.api.base import CaseAPIView
from cases.api.cases import CASE_ID, ERRORS
from cases.models import Case
from cases.workflow.compose import appeal_requirements, offer_options, policy_for, reply_drafts
from policies.choices import ComplianceCategory
from reviewdesk.money import MONEY


class RuleRefSerializer(serializers.Serializer):
    model = serializers.CharField()
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class CompensationOptionSerializer(serializers.Serializer):
    option_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    cost = serializers.DecimalField(**MONEY)
    requires_approval = serializers.BooleanField(help_text=_("超出上限：提出时转为审批申请"))
    approval_role = serializers.CharField()
    expected_acceptance = serializers.IntegerField(allow_null=True, help_text=_("预期接受率(%)"))
    reason = serializers.CharField()
    rule = RuleRefSerializer()
    value_label = serializers.CharField(help_text=_("方案的实际价值，如“¥10.00(补发 + 10.00元优惠券)”"))


class FindingSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("block", _("拦截")), ("warn", _("提醒"))])
    matched = serializers.CharField(help_text=_("命中的原文(按原样，含空格等)"))
    reason = serializers.CharField()
    category = serializers.ChoiceField(choices=ComplianceCategory.choices)
    cited_rule = serializers.CharField(help_text=_("依据的平台规则"))
    start = serializers.IntegerField(help_text=_("命中原文在文本中的起始位置(字符)"))
    end = serializers.IntegerField(help_text=_("命中原文在文本中的结束位置(字符，不含)"))
    rule = RuleRefSerializer()


class ComplianceSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)
    length = serializers.IntegerField()
    max_length = serializers.IntegerField(allow_null=True)
    too_long = serializers.BooleanField()


class DraftSerializer(serializers.Serializer):
    template_id = serializers.IntegerField()
    name = serializers.CharField()
    stage = serializers.CharField()
    channel = serializers.CharField()
    text = serializers.CharField()
    compliance = ComplianceSerializer()


class AppealReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("申诉理由代码，file_appeal 的 reason_type 可填它或平台上的名称"))
    label = serializers.CharField()
    evidence_required = serializers.ListField(child=serializers.CharField())
    max_images = serializers.IntegerField(allow_null=True)
    description_max_chars = serializers.IntegerField(allow_null=True)
    once_per_review = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class AppealRequirementsSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    appeal_until = serializers.DateTimeField(allow_null=True)
    reason_types = serializers.ListField(child=serializers.CharField())
    evidence_required = serializers.ListField(
        child=serializers.CharField(), help_text=_("每项对应证据的 checklist_item")
    )
    max_images = serializers.IntegerField(allow_null=True)
    description_max_chars = serializers.IntegerField(allow_null=True)
    once_per_review = serializers.BooleanField()
    reason = serializers.CharField()
    reasons = AppealReasonSerializer(many=True, help_text=_("平台接受的每个申诉理由及该理由所需的证据"))


class ComposeSerializer(serializers.Serializer):
    compensation_options = CompensationOptionSerializer(many=True)
    reply_drafts = DraftSerializer(many=True)
    appeal = AppealRequirementsSerializer(allow_null=True)


class CaseComposeView(CaseAPIView):
    required_scope = "cases:act"  # the options and drafts of an action about to be taken

    @extend_schema(
        operation_id="cases_compose",
        summary="补偿方案、回复草稿与申诉清单",
        description="与工作台表单相同的内容：引擎为本案计算的补偿方案、套用本案信息并已做合规检查的回复模板、平台申诉清单。",
        parameters=[CASE_ID],
        responses={200: ComposeSerializer, 401: ERRORS[401], 404: ERRORS[404]},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        case = case_or_404(request, case_id, Case.objects.select_related("review", "shop", "decision_record"))
        policy = policy_for(case)
        body = {
            "compensation_options": offer_options(case, policy),
            "reply_drafts": reply_drafts(case, user=request.user, policy=policy),
            "appeal": appeal_requirements(case, policy),
        }
        return Response(ComposeSerializer(body).data)
