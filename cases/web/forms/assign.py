"""The assignment forms: one case (the case page, the team page) or many (bulk, the team page).

The picker lists people with their load ("张三 · 12/30"), eligible first; anyone who may not take the
case is shown with the reason, disabled — or, when only a full desk or a lapsed certification stops
them, enabled by the "越权分配" checkbox (static/js/workspace.js; without script the service refuses
with the same reason). The forms only shape input: every rule is ``cases.routing.assign.case_reassign``'s.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.routing.eligibility import Standing


class PickerSelect(forms.Select):
    """A ``<select>`` whose options carry each person's standing: disabled when nobody may assign
    them, ``data-overridable`` when the override checkbox enables them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.standings: dict[int, Standing] = {}
        self.may_override = False

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        standing = self.standings.get(_as_int(value))
        if standing is not None and not standing.eligible:
            option["attrs"]["disabled"] = True
            option["attrs"]["title"] = standing.reason
            if standing.overridable and self.may_override:
                option["attrs"]["data-overridable"] = "1"
        return option


def _as_int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class ReassignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    user = forms.TypedChoiceField(label=_("分配给"), coerce=int, choices=[], widget=PickerSelect)
    override = forms.BooleanField(
        label=_("越权分配（越过在办上限或认证）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-assign-override": "1"}),
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def set_people(self, standings: list[Standing], *, may_override: bool) -> None:
        """The picker's options, in the order given (``standings_for_case`` sorts them). Without the
        right to override, nobody ineligible is selectable and there is no override checkbox."""
        self.fields["user"].choices = [(s.user_id, s.label) for s in standings]
        widget = self.fields["user"].widget
        widget.standings = {s.user_id: s for s in standings}
        widget.may_override = may_override
        if not (may_override and any(s.overridable for s in standings)):
            self.fields.pop("override")


class BulkAssignForm(forms.Form):
    """Many cases to one person (the team page's unassigned queue)."""

    cases = forms.TypedMultipleChoiceField(label=_("案件"), coerce=int, choices=[])
    user = forms.TypedChoiceField(label=_("分配给"), coerce=int, choices=[])
    override = forms.BooleanField(label=_("越权分配（越过在办上限或认证）"), required=False)
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)
