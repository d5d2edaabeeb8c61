"""One small form per workflow action: it turns the POST into the ``data`` dict of
``cases.workflow.services.case_act`` (keys documented there). The forms only shape input; every
rule (state, role, guards, compliance, limits) is the service's, so a refusal is the service's
message, shown as it is."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import AppealOutcome, ContactChannel, Responsibility
from cases.choices import WorkflowAction as A
from policies.choices import Channel

NOTE = {
    "label": _("说明"),
    "required": False,
    "max_length": 2000,
    "widget": forms.Textarea(attrs={"rows": 2}),
}


class ActionForm(forms.Form):
    """Base: the case version the user saw travels with every action (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    data_keys: tuple[str, ...] = ()

    def __init__(self, *args, case_choices: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in (case_choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = choices

    def data_for_service(self) -> dict:
        return {key: self.cleaned_data[key] for key in self.data_keys if key in self.cleaned_data}


class NoteForm(ActionForm):
    note = forms.CharField(**NOTE)
    data_keys = ("note",)


class RequiredNoteForm(ActionForm):
    note = forms.CharField(**{**NOTE, "required": True})
    data_keys = ("note",)


class ComposedTextMixin(forms.Form):
    """A message written in the composer: the text, the template it started from, the warnings ticked."""

    text = forms.CharField(
        label=_("内容"), required=False, max_length=5000, strip=True, widget=forms.Textarea(attrs={"rows": 5})
    )
    template_id = forms.TypedChoiceField(
        label=_("模板"), required=False, coerce=int, empty_value=None, choices=[]
    )
    ack = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)


class RecordContactForm(ComposedTextMixin, ActionForm):
    channel = forms.ChoiceField(label=_("联系渠道"), choices=ContactChannel.choices)
    reached = forms.TypedChoiceField(
        label=_("联系上买家了吗"),
        coerce=lambda v: v == "1",
        choices=[("1", _("已联系上")), ("0", _("未联系上"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(**NOTE)
    data_keys = ("channel", "reached", "template_id", "text", "note")


class VerifyForm(ActionForm):
    responsibility = forms.ChoiceField(label=_("责任方"), choices=Responsibility.choices)
    note = forms.CharField(**{**NOTE, "required": True, "label": _("核实说明")})
    evidence_ids = forms.TypedMultipleChoiceField(
        label=_("证据"), required=False, coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )
    data_keys = ("responsibility", "note", "evidence_ids")


class OfferForm(ActionForm):
    option_id = forms.TypedChoiceField(label=_("补偿方案"), coerce=int, choices=[], widget=forms.RadioSelect)
    note = forms.CharField(**NOTE)
    data_keys = ("option_id", "note")


class OfferDecisionForm(ActionForm):
    """Approve / reject / buyer accepts / buyer declines one offer."""

    offer_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(**NOTE)
    data_keys = ("offer_id", "note")


class PublicReplyForm(ComposedTextMixin, ActionForm):
    data_keys = ("text", "template_id")


class AppealForm(ActionForm):
    reason_type = forms.ChoiceField(label=_("申诉理由"), choices=[])
    description = forms.CharField(
        label=_("申诉说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_ids = forms.TypedMultipleChoiceField(
        label=_("提交的证据"), required=False, coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )
    data_keys = ("reason_type", "description", "evidence_ids")


class AppealOutcomeForm(ActionForm):
    outcome = forms.ChoiceField(label=_("申诉结果"), choices=AppealOutcome.choices)
    note = forms.CharField(**NOTE)
    data_keys = ("outcome", "note")


ACTION_FORMS: dict[str, type[ActionForm]] = {
    A.CLAIM: ActionForm,
    A.RECORD_CONTACT: RecordContactForm,
    A.BUYER_REPLIED: NoteForm,
    A.VERIFY: VerifyForm,
    A.OFFER: OfferForm,
    A.REQUEST_APPROVAL: OfferForm,
    A.APPROVE: OfferDecisionForm,
    A.REJECT: OfferDecisionForm,
    A.BUYER_ACCEPTS: OfferDecisionForm,
    A.BUYER_DECLINES: OfferDecisionForm,
    A.PUBLIC_REPLY: PublicReplyForm,
    A.RESOLVE: NoteForm,
    A.MARK_MALICIOUS: RequiredNoteForm,
    A.FILE_APPEAL: AppealForm,
    A.APPEAL_OUTCOME: AppealOutcomeForm,
    A.CLOSE: NoteForm,
    A.REOPEN: RequiredNoteForm,
}

# The policy channel whose compliance rules check the composer's text, per action.
COMPOSER_CHANNEL = {A.PUBLIC_REPLY: Channel.PUBLIC_REPLY}


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    kind = forms.ChoiceField(label=_("类型"), choices=[])
    checklist_item = forms.ChoiceField(label=_("对应申诉材料"), required=False, choices=[])
    description = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, kinds=(), checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        self.fields["checklist_item"].choices = [("", _("(不对应)"))] + [(item, item) for item in checklist]
