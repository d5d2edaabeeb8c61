"""Output of the cases endpoints: a list row, the full case, and the refusal body.

Buyer phone and address appear only in the detail, masked; the unmasked values are answered only by
the reveal endpoint (which records the look in the timeline). Phone numbers, ID numbers and
addresses the buyer typed into free text (review, appended review, item title, SKU) show masked in a list
row for everyone and in the detail for whoever may not reveal contact data
(``reviewdesk.pii.mask_free_text``). Every nested list is read from the prefetch the view set up, never
queried per row.
"""

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.choices import CaseStatus, WorkflowAction
from cases.queries.rows import sla_tier_names_en
from cases.workflow import allowed_actions
from cases.workflow.masking import (
    can_reveal,
    free_text_for,
    mask_address,
    mask_contact_values,
    mask_free_text,
    mask_phone,
)
from reviewdesk.i18n_text import render_text, render_values
from reviewdesk.money import MONEY
from reviewdesk.pii import PAYLOAD_HIDDEN


class ErrorSerializer(serializers.Serializer):
    """Why a request was refused. ``code`` is stable (cases.errors); ``message`` is in the user's language."""

    code = serializers.CharField(
        help_text=_("稳定的错误代码，如 stale、invalid_transition、role_not_allowed")
    )
    message = serializers.CharField(help_text=_("给用户看的说明(按用户语言)"))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("请求体字段错误(仅 code=invalid 时)"),
    )


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, user) -> str:
        return getattr(user, "display_name", "") or user.get_username()


class MaskedTextField(serializers.CharField):
    """Buyer free text in a list: a phone number, ID number or street address the buyer typed in shows
    masked, whoever asks."""

    def to_representation(self, value):
        return mask_free_text(super().to_representation(value))


class ViewerMaskedTextField(serializers.CharField):
    """Buyer free text in the detail: as written for holders of ``cases.reveal_buyer_contact``, masked for
    everyone else (the request's user; masked when there is none)."""

    def to_representation(self, value):
        request = self.context.get("request")
        return free_text_for(getattr(request, "user", None))(super().to_representation(value))


class CaseListSerializer(serializers.Serializer):
    """One row of a queue: what the agent needs to pick the next case. No buyer contact data."""

    id = serializers.IntegerField()
    shop = serializers.CharField(source="shop.code")
    shop_name = serializers.CharField(source="shop.name")
    platform = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    issue_type = serializers.CharField(source="issue_type.code", allow_null=True, default=None)
    issue_type_name = serializers.SerializerMethodField()
    is_malicious = serializers.BooleanField()
    customer_tier = serializers.CharField()
    sla_tier_name = serializers.SerializerMethodField()
    order_no = serializers.CharField(source="review.order_no")
    buyer_nick = serializers.CharField(source="review.buyer_nick")
    rating = serializers.IntegerField(source="review.rating")
    content = MaskedTextField(
        source="review.content", help_text=_("评价内容；买家写在里面的电话和地址已脱敏")
    )
    assignee = UserRefSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    next_response_due_at = serializers.DateTimeField(allow_null=True)
    public_reply_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    sla_breached_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()

    # Policy names in the reader's language: the English name where the pack has one.
    def get_issue_type_name(self, case) -> str | None:
        return case.issue_type.label(get_language() or "") if case.issue_type_id else None

    def get_sla_tier_name(self, case) -> str:
        """The tier's name as frozen at intake, or its English name to an English reader (one query per
        answer, shared by the rows of a list)."""
        if not (case.sla_tier_id_ref and (get_language() or "").startswith("en")):
            return case.sla_tier_name
        names = self.context.get("_sla_tier_names_en")
        if names is None:
            names = self.context["_sla_tier_names_en"] = sla_tier_names_en()
        return names.get(case.sla_tier_id_ref) or case.sla_tier_name


class RenderedDictField(serializers.DictField):
    """The engine's decision with its reasons in the request's language (stored language-neutral)."""

    def to_representation(self, value):
        return super().to_representation(render_values(value))


class ContactMaskedValuesField(serializers.DictField):
    """A revision's field values; a changed buyer phone or address shows masked, like the review's own."""

    def to_representation(self, value):
        return super().to_representation(mask_contact_values(value))


class RevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    changed_fields = serializers.ListField(child=serializers.CharField())
    rating_before = serializers.IntegerField(allow_null=True)
    rating_after = serializers.IntegerField(allow_null=True)
    before = ContactMaskedValuesField()
    after = ContactMaskedValuesField()
    source = serializers.CharField()


class ReviewDetailSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    order_no = serializers.CharField()
    sub_order_no = serializers.CharField()
    item_id = serializers.CharField()
    item_title = ViewerMaskedTextField()
    sku = ViewerMaskedTextField()
    rating = serializers.IntegerField()
    rating_text = serializers.CharField()
    content = ViewerMaskedTextField(
        help_text=_("买家写在里面的电话、证件号和地址，对无权查看联系方式的用户已脱敏")
    )
    appended_content = ViewerMaskedTextField()
    appended_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField()
    buyer_nick = serializers.CharField()
    buyer_phone = serializers.SerializerMethodField(help_text=_("已脱敏；完整号码需调用查看接口"))
    buyer_address = serializers.SerializerMethodField(help_text=_("已脱敏；完整地址需调用查看接口"))
    order_amount = serializers.DecimalField(allow_null=True, **MONEY)
    courier = serializers.CharField()
    revisions = RevisionSerializer(many=True, source="revisions.all")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_buyer_phone(self, review):
        return mask_phone(review.buyer_phone) if review.buyer_phone else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_buyer_address(self, review):
        return mask_address(review.buyer_address) if review.buyer_address else None


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=WorkflowAction.choices)
    action_display = serializers.CharField(source="get_action_display")
    actor = UserRefSerializer(allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    version = serializers.IntegerField()
    payload = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    @extend_schema_field(serializers.DictField())
    def get_payload(self, event) -> dict:
        # Texts written for every reader (routing's reasons) in the request's language.
        return {k: render_values(v) for k, v in (event.payload or {}).items() if k not in PAYLOAD_HIDDEN}


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    template_ref = serializers.DictField(allow_null=True)
    reached = serializers.BooleanField()
    note = serializers.CharField()
    by = UserRefSerializer()
    at = serializers.DateTimeField()


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    text = serializers.CharField()
    template_ref = serializers.DictField(allow_null=True)
    acknowledged_warnings = serializers.ListField(child=serializers.JSONField())
    by = UserRefSerializer()
    at = serializers.DateTimeField()


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    option_id = serializers.IntegerField()
    option_name = serializers.CharField()
    option_kind = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    cost = serializers.DecimalField(**MONEY)
    requires_approval = serializers.BooleanField()
    approval_role = serializers.CharField()
    reason = serializers.SerializerMethodField()
    status = serializers.CharField()
    requested_by = UserRefSerializer()
    requested_at = serializers.DateTimeField()
    approved_by = UserRefSerializer(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    approval_note = serializers.CharField()
    buyer_answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)

    def get_reason(self, offer) -> str:
        """The engine's reason for this option, in the request's language (stored language-neutral)."""
        return render_text(offer.reason)


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    channel = serializers.CharField()
    instructions = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = UserRefSerializer(allow_null=True)
    note = serializers.CharField()
    skipped_reason = serializers.SerializerMethodField()

    # The engine's words on a task, in the request's language (stored language-neutral).
    def get_instructions(self, task) -> str:
        return render_text(task.instructions)

    def get_skipped_reason(self, task) -> str:
        return render_text(task.skipped_reason)


class EvidenceSerializer(serializers.Serializer):
    """Metadata only: the file itself is served by the download endpoint after the same checks."""

    id = serializers.IntegerField()
    original_name = serializers.CharField()
    kind = serializers.CharField()
    checklist_item = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    description = serializers.CharField()
    uploaded_by = UserRefSerializer()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, evidence) -> str:
        return reverse("api-case-evidence-download", args=[evidence.case_id, evidence.pk])


@extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
class EvidenceIdsField(serializers.Field):
    """The ids of the evidence a verification or an appeal cites (its ``evidence`` many-to-many, read
    from the prefetch)."""

    def __init__(self, **kwargs):
        super().__init__(source="evidence", read_only=True, **kwargs)

    def to_representation(self, evidence):
        return [e.pk for e in evidence.all()]


class VerificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    responsibility = serializers.CharField()
    note = serializers.CharField()
    evidence_ids = EvidenceIdsField()
    by = UserRefSerializer()
    at = serializers.DateTimeField()


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason_type = serializers.CharField()
    description = serializers.CharField()
    checklist = serializers.DictField()
    evidence_ids = EvidenceIdsField()
    filed_by = UserRefSerializer()
    filed_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    outcome_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseListSerializer):
    """The whole case as the case page shows it, plus what the requesting user may do now.
    ``version`` goes back in the body of every action (optimistic concurrency)."""

    review = ReviewDetailSerializer()
    decision = RenderedDictField(help_text=_("开案时引擎的决定及依据"))
    policy_refs = serializers.ListField(child=serializers.JSONField())
    handling_role = serializers.CharField()
    escalation_role = serializers.CharField()
    first_responded_at = serializers.DateTimeField(allow_null=True)
    public_replied_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    reply_until = serializers.DateTimeField(allow_null=True)
    appeal_until = serializers.DateTimeField(allow_null=True)
    revision_allowed = serializers.BooleanField()
    revision_until = serializers.DateTimeField(allow_null=True)
    may_request_revision = serializers.BooleanField()
    timeline = EventSerializer(many=True, source="events.all")
    contacts = ContactSerializer(many=True, source="contacts.all")
    replies = ReplySerializer(many=True, source="replies.all")
    offers = OfferSerializer(many=True, source="offers.all")
    verifications = VerificationSerializer(many=True, source="verifications.all")
    appeals = AppealSerializer(many=True, source="appeals.all")
    follow_ups = FollowUpSerializer(many=True, source="follow_ups.all")
    evidence = EvidenceSerializer(many=True, source="evidence.all")
    allowed_actions = serializers.SerializerMethodField(help_text=_("当前用户此刻可做的动作"))
    can_reveal_contact = serializers.SerializerMethodField(help_text=_("当前用户能否查看买家完整电话和地址"))

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=WorkflowAction.choices)))
    def get_allowed_actions(self, case):
        return [str(action) for action in allowed_actions(case, self.context["request"].user)]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_reveal_contact(self, case) -> bool:
        return can_reveal(self.context["request"].user)


class RevealedContactSerializer(serializers.Serializer):
    buyer_phone = serializers.CharField(allow_null=True)
    buyer_address = serializers.CharField(allow_null=True)
