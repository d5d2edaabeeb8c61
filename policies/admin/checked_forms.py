"""Admin forms whose rows also pass the checks that need the policy engine (``policies.validation``):
the reply template (compliance on every platform where it is offered) and the follow-up step (compliance
on the step's channel), on the change page, the inline and the history's revert alike."""

from django import forms
from django.core.exceptions import ValidationError

from policies.forms import PolicyAdminForm
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
    pass


class FollowUpStepForm(EngineChecks, forms.ModelForm):
    pass
