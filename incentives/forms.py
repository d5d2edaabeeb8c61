from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("调整金额/数量"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
        help_text=_(
            "正数补发，负数扣回；填 0 表示驳回申诉，不记账。调整记入下一个开放期间；有单笔上限，超过复核线须第二人确认。"
        ),
    )
    note = forms.CharField(label=_("处理说明"), max_length=500, required=False)


class RedemptionForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("拒绝"))])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
