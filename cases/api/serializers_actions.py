"""The request body of each workflow action (``POST /api/v1/cases/{id}/actions/<action>/``).

One serializer per action, so the OpenAPI document shows each body on its own. They check only the
shape (types, choices, lengths); every rule of the workflow is the service's (cases.workflow.services),
which the UI calls too. Keys mirror ``case_act``'s ``data``.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.choices import AppealOutcome, ContactChannel, Responsibility, WorkflowAction

NOTE = 2000
TEXT = 5000
# Versions and ids fit a signed 64-bit column; a larger number would overflow the query (SQLite raises).
MAX_ID = 2**63 - 1


class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("你看到的案件版本(详情里的 version)；已被他人更新时返回409"),
    )


def note_field(required: bool = False, help_text=None):
    """Optional in the body even where the workflow requires it: the service refuses a missing note
    with its own code (note_required), so the rule lives in one place."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE,
        help_text=help_text or (_("说明(必填)") if required else _("说明(可选)")),
    )


def offer_ref_field():
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("补偿记录ID；省略时取本案当前那一条"),
    )


def evidence_ids_field(help_text):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=50,
        help_text=help_text,
    )


class ClaimSerializer(ActionSerializer):
    pass


class RecordContactSerializer(ActionSerializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    reached = serializers.BooleanField(help_text=_("是否联系上买家"))
    template_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=_("所用回复模板ID")
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT, help_text=_("发送的内容(给出时做合规检查)")
    )
    acknowledge_warnings = serializers.BooleanField(
        required=False, default=False, help_text=_("已确认合规提醒")
    )
    note = note_field()


class BuyerRepliedSerializer(ActionSerializer):
    note = note_field(help_text=_("买家说了什么(可选)"))


class VerifySerializer(ActionSerializer):
    responsibility = serializers.ChoiceField(choices=Responsibility.choices)
    note = note_field(required=True)
    evidence_ids = evidence_ids_field(_("本案已上传证据的ID"))


class OfferSerializer(ActionSerializer):
    option_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("补偿方案ID(引擎为本案计算的方案之一)；超出上限时自动转为审批申请"),
    )
    note = note_field()


class RequestApprovalSerializer(OfferSerializer):
    pass


class ApproveSerializer(ActionSerializer):
    offer_id = offer_ref_field()
    note = note_field()


class RejectSerializer(ActionSerializer):
    offer_id = offer_ref_field()
    note = note_field(required=True)


class BuyerAnswerSerializer(ActionSerializer):
    offer_id = offer_ref_field()
    note = note_field()


class BuyerAcceptsSerializer(BuyerAnswerSerializer):
    pass


class BuyerDeclinesSerializer(BuyerAnswerSerializer):
    pass


class PublicReplySerializer(ActionSerializer):
    text = serializers.CharField(max_length=TEXT, allow_blank=True, help_text=_("最终发布的公开回复/解释"))
    template_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    acknowledge_warnings = serializers.BooleanField(
        required=False, default=False, help_text=_("已确认合规提醒")
    )


class ResolveSerializer(ActionSerializer):
    note = note_field(help_text=_("说明(恶意差评案件必填)"))


class MarkMaliciousSerializer(ActionSerializer):
    note = note_field(required=True)


class FileAppealSerializer(ActionSerializer):
    reason_type = serializers.CharField(max_length=64, help_text=_("平台申诉清单里的理由之一"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT)
    evidence_ids = evidence_ids_field(_("本案已上传证据的ID，须覆盖清单要求的每一项"))


class AppealOutcomeSerializer(ActionSerializer):
    outcome = serializers.ChoiceField(choices=AppealOutcome.choices)
    note = note_field()


class CloseSerializer(ActionSerializer):
    note = note_field(help_text=_("说明(未解决的案件必填)"))


class ReopenSerializer(ActionSerializer):
    note = note_field(required=True)


A = WorkflowAction
ACTION_SERIALIZERS: dict[str, type[ActionSerializer]] = {
    A.CLAIM: ClaimSerializer,
    A.RECORD_CONTACT: RecordContactSerializer,
    A.BUYER_REPLIED: BuyerRepliedSerializer,
    A.VERIFY: VerifySerializer,
    A.OFFER: OfferSerializer,
    A.REQUEST_APPROVAL: RequestApprovalSerializer,
    A.APPROVE: ApproveSerializer,
    A.REJECT: RejectSerializer,
    A.BUYER_ACCEPTS: BuyerAcceptsSerializer,
    A.BUYER_DECLINES: BuyerDeclinesSerializer,
    A.PUBLIC_REPLY: PublicReplySerializer,
    A.RESOLVE: ResolveSerializer,
    A.MARK_MALICIOUS: MarkMaliciousSerializer,
    A.FILE_APPEAL: FileAppealSerializer,
    A.APPEAL_OUTCOME: AppealOutcomeSerializer,
    A.CLOSE: CloseSerializer,
    A.REOPEN: ReopenSerializer,
}
