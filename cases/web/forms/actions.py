"""The web form of each workflow action, built from its spec (``cases.workflow.specs.SPECS``): it turns
the POST into the ``data`` of ``cases.workflow.services.case_act``. The forms only shape input (the
spec's types, limits and messages, the same as the API's); every rule (state, role, guards,
compliance, policy limits) is the service's, so a refusal is the service's message, shown as it is.

Choices that depend on the case (its offer options, evidence, templates, appeal reasons, the
composer's warnings) are given by the page when it renders the form and taken from the POST when it
is submitted (the service checks each value against the case)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from cases.choices import WorkflowAction as A
from cases.workflow import specs
from cases.workflow.specs import SPECS, VERSION, InputField
from policies.choices import Channel

WIDGETS = {
    "radio": forms.RadioSelect,
    "checkboxes": forms.CheckboxSelectMultiple,
    "hidden": forms.HiddenInput,
}
# Fields whose choices are the case's: set by the page, or from the POST on submission.
CASE_CHOICE_KINDS = {specs.CASE_CHOICE, specs.REF, specs.REFS, specs.ACK}


def _id(value) -> int:
    number = int(value)
    if not 1 <= number <= specs.MAX_ID:
        raise ValueError(value)
    return number


def _yes(value) -> bool:
    return value == "1"


def form_field(spec: InputField) -> forms.Field:
    """The Django form field of one input field: the spec's requirement, limits and messages."""
    messages = {
        "required": spec.required_message,
        "invalid": spec.invalid_message,
        "invalid_choice": spec.invalid_message,
        "invalid_list": spec.invalid_message,
        "min_value": spec.invalid_message,
        "max_value": spec.invalid_message,
        "max_length": spec.too_long_message,
    }
    common = {"label": spec.label, "required": spec.required, "error_messages": messages}
    widget = WIDGETS.get(spec.widget)
    if spec.kind == specs.TEXT:
        textarea = forms.Textarea(attrs={"rows": spec.rows}) if spec.widget == "textarea" else None
        return forms.CharField(max_length=spec.max_length, widget=textarea, **common)
    if spec.kind == specs.BOOL:
        yes, no = spec.choices
        return forms.TypedChoiceField(
            coerce=_yes, choices=[("1", yes), ("0", no)], widget=widget or forms.Select, **common
        )
    if spec.kind == specs.CHOICE:
        return forms.ChoiceField(choices=list(spec.choices), widget=widget or forms.Select, **common)
    if spec.kind == specs.CASE_CHOICE:
        limit = [MaxLengthValidator(spec.max_length)] if spec.max_length else []
        return forms.ChoiceField(choices=[], widget=widget or forms.Select, validators=limit, **common)
    if spec.kind == specs.REF and spec.widget == "hidden":
        return forms.IntegerField(min_value=1, max_value=specs.MAX_ID, widget=forms.HiddenInput, **common)
    if spec.kind == specs.REF:
        return forms.TypedChoiceField(
            coerce=_id, empty_value=None, choices=[], widget=widget or forms.Select, **common
        )
    if spec.kind == specs.REFS:
        return MaxItemsMultipleChoiceField(
            coerce=_id, choices=[], widget=widget or forms.SelectMultiple, max_items=spec.max_length, **common
        )
    if spec.kind == specs.ACK:  # the web ticks each warning; the view compares them with the check
        return forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple, **common)
    raise ValueError(f"no form field for kind {spec.kind!r}")


class MaxItemsMultipleChoiceField(forms.TypedMultipleChoiceField):
    def __init__(self, *args, max_items: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_items = max_items

    def validate(self, value):
        super().validate(value)
        if self.max_items is not None and len(value) > self.max_items:
            raise forms.ValidationError(self.error_messages["max_length"], code="max_length")


class ActionForm(forms.Form):
    """Base: the case version the user saw travels with every action (optimistic concurrency)."""

    spec: specs.ActionSpec = SPECS["claim"]
    version = form_field(VERSION)

    def __init__(self, *args, case_choices: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in (case_choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = choices

    def take_choices_from(self, post) -> None:
        """On submission, the case's choices are the values posted (the service checks them)."""
        for spec in self.spec.fields:
            if spec.kind in CASE_CHOICE_KINDS and not isinstance(self.fields[spec.name], forms.IntegerField):
                choices = [(v, v) for v in post.getlist(spec.name)]
                self.fields[spec.name].choices = [("", "")] + choices if spec.kind == specs.REF else choices

    def data_for_service(self) -> dict:
        """The spec's fields, as cleaned (the warnings ticked are the view's to judge: ``ticked``)."""
        data = {key: value for key, value in self.cleaned_data.items() if key != VERSION.name}
        for spec in self.spec.fields:
            if spec.kind == specs.ACK:
                data.pop(spec.name, None)
        return self.spec.service_kwargs(data)

    def ticked(self) -> set[str]:
        return {
            str(value)
            for spec in self.spec.fields
            if spec.kind == specs.ACK
            for value in self.cleaned_data.get(spec.name) or ()
        }


def form_for(spec: specs.ActionSpec) -> type[ActionForm]:
    attrs = {"spec": spec}
    attrs.update({field.name: form_field(field) for field in spec.fields})
    name = "".join(part.title() for part in spec.action.split("_")) + "Form"
    return type(name, (ActionForm,), attrs)


ACTION_FORMS: dict[str, type[ActionForm]] = {action: form_for(spec) for action, spec in SPECS.items()}
# The form a decision on one offer renders with (approve, reject, buyer accepts or declines take the
# same fields); the POST is validated by the posted action's own form.
OfferDecisionForm = ACTION_FORMS[A.APPROVE]

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
