"""Admin forms whose rows also pass the checks that need the policy engine (``policies.validation``):
the reply template (compliance on every platform where it is offered) and the follow-up step (compliance
on the step's channel), on the change page, the inline and the history's revert alike."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from policies.choices import TemplateCondition
from policies.forms import PolicyAdminForm
from policies.models.base import split_codes
from policies.validation import check_engine_rules


class EngineChecks:
    """After the model's own validation (``full_clean`` in ``_post_clean``), the engine's checks of the
    row; skipped when a field the check reads already has an error, as the model's ``clean()`` stops
    at its first failure."""

    def _post_clean(self):
        super()._post_clean()
        try:
            check_engine_rules(self.instance, failed=set(self.errors))
        except ValidationError as exc:
            self._update_errors(exc)


class ReplyTemplateAdminForm(EngineChecks, PolicyAdminForm):
    # The conditions are stored as comma-separated codes; a manager ticks them by their names.
    conditions = forms.MultipleChoiceField(
        label=_("使用条件"),
        choices=TemplateCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("全部满足才提供此模板；不勾选表示无条件。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance is not None:
            self.initial["conditions"] = split_codes(self.instance.conditions or "")

    def clean_conditions(self) -> str:
        return ",".join(self.cleaned_data.get("conditions") or ())


class FollowUpStepForm(EngineChecks, forms.ModelForm):
    pass
