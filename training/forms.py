from django import forms
from django.utils.translation import gettext_lazy as _

from training.models import QaItem, TrainingModule
from training.selectors import visible_agents


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.employee_code or '-'} {obj.display_name or obj.username}"


class ScoreEntryForm(forms.Form):
    agent = AgentChoiceField(label=_("员工"), queryset=None)
    module = forms.ModelChoiceField(label=_("培训模块"), queryset=TrainingModule.objects.filter(active=True))
    period = forms.CharField(
        label=_("周期"), max_length=10, help_text=_("月度写作 2026-11，周度写作 2026-W47。")
    )
    value = forms.DecimalField(label=_("成绩"), max_digits=9, decimal_places=2)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # One's own score is entered by a colleague (the service refuses it too): not offered here.
        self.fields["agent"].queryset = visible_agents(user).exclude(pk=user.pk)


class ScoreImportForm(forms.Form):
    file = forms.FileField(label=_("成绩文件(XLSX或CSV)"))
    dry_run = forms.BooleanField(label=_("仅预览，不写入"), required=False, initial=True)


class ExportForm(forms.Form):
    period = forms.CharField(
        label=_("周期"), max_length=10, help_text=_("如 2026-11(含该月各周)或 2026-W47。")
    )


PASS_CHOICES = [("1", _("合格")), ("0", _("不合格"))]


def item_field_name(item: QaItem) -> str:
    return f"item_{item.pk}"


class QaItemsMixin:
    def add_item_fields(self, items, initial=None):
        self.items = list(items)
        for item in self.items:
            label = (
                _("%(name)s(权重%(weight)s，致命项)") if item.critical else _("%(name)s(权重%(weight)s)")
            ) % {"name": item.name, "weight": item.weight}
            self.fields[item_field_name(item)] = forms.ChoiceField(
                label=label,
                choices=PASS_CHOICES,
                widget=forms.RadioSelect,
                help_text=item.description,
                initial=None if initial is None else ("1" if initial.get(item.pk) else "0"),
            )

    def item_results(self) -> dict[int, bool]:
        return {item.pk: self.cleaned_data[item_field_name(item)] == "1" for item in self.items}


class QaReviewForm(QaItemsMixin, forms.Form):
    comment = forms.CharField(label=_("质检评语"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items)


class DisputeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}))


class SettleForm(QaItemsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("裁定意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, initial_results, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items, initial=initial_results)


class SurveyForm(forms.Form):
    """The buyer's answer to the satisfaction survey, recorded by a supervisor on the QA case page."""

    score = forms.TypedChoiceField(
        label=_("满意度(1–5分)"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    answered_at = forms.DateTimeField(label=_("买家答复时间"), help_text=_("北京时间，如 2026-11-20 14:30。"))
    comment = forms.CharField(label=_("买家意见"), max_length=500, required=False)
