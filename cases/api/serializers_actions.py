"""The request body of each workflow action (``POST /api/v1/cases/{id}/actions/<action>/``), built
from its spec (``cases.workflow.specs.SPECS``), like the web form.

One serializer per action, so the OpenAPI document shows each body on its own. They check only the
shape (the spec's types, choices, limits and messages, the same as the web form's); every rule of the
workflow is the service's (cases.workflow.services), which the UI calls too.
"""

from rest_framework import serializers

from cases.workflow import specs
from cases.workflow.specs import MAX_ID, SPECS, VERSION, ActionSpec, InputField


def _messages(spec: InputField) -> dict:
    invalid = spec.invalid_message
    return {
        "required": spec.required_message,
        "blank": spec.required_message,
        "null": spec.required_message if spec.required else invalid,
        "invalid": invalid,
        "invalid_choice": invalid,
        "not_a_list": invalid,
        "min_value": invalid,
        "max_value": invalid,
        "max_string_length": invalid,
        "max_length": spec.too_long_message,
    }


class IdListField(serializers.ListField):
    """A list of ids refused as a whole, with the field's message, as the web form refuses it (DRF
    would name the item: {0: [...]})."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError:
            self.fail("invalid")


def serializer_field(spec: InputField) -> serializers.Field:
    """The DRF field of one input field: the spec's requirement, limits and messages."""
    common = {"required": spec.required, "help_text": spec.description, "error_messages": _messages(spec)}
    ref = {"min_value": 1, "max_value": MAX_ID}
    if spec.kind in (specs.TEXT, specs.CASE_CHOICE):
        return serializers.CharField(allow_blank=not spec.required, max_length=spec.max_length, **common)
    if spec.kind in (specs.BOOL, specs.ACK):
        extra = {} if spec.required else {"default": False}
        return serializers.BooleanField(**extra, **common)
    if spec.kind == specs.CHOICE:
        return serializers.ChoiceField(choices=list(spec.choices), **common)
    if spec.kind == specs.REF:
        return serializers.IntegerField(allow_null=not spec.required, **ref, **common)
    if spec.kind == specs.REFS:
        child = serializers.IntegerField(**ref, error_messages=_messages(spec))
        return IdListField(child=child, max_length=spec.max_length, **common)
    raise ValueError(f"no serializer field for kind {spec.kind!r}")


class ActionSerializer(serializers.Serializer):
    """Base: the case version the user saw travels with every action (optimistic concurrency)."""

    spec: ActionSpec = SPECS["claim"]
    version = serializer_field(VERSION)


def serializer_for(spec: ActionSpec) -> type[ActionSerializer]:
    attrs = {"spec": spec}
    attrs.update({field.name: serializer_field(field) for field in spec.fields})
    name = "".join(part.title() for part in spec.action.split("_")) + "Serializer"
    return type(name, (ActionSerializer,), attrs)


ACTION_SERIALIZERS: dict[str, type[ActionSerializer]] = {
    action: serializer_for(spec) for action, spec in SPECS.items()
}
