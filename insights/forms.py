"""Filters of the insights pages. Shop choices are only the shops the user may see."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from insights.periods import local_today, parse_week
from reviewdesk.access import restrict
from reviewdesk.choices import Platform
from reviewdesk.models import Shop

MAX_DAYS = 366
DEFAULT_DAYS = 30


class ShopChoiceField(forms.ModelChoiceField):
    """The shops a user may see, read once for both the options and the chosen one. (The default
    re-reads them for the options through a server-side cursor on PostgreSQL — three round trips —
    and once more for the choice; a user sees a handful of shops.)"""

    def limit_to(self, queryset) -> None:
        self.queryset = queryset
        self._by_code = {shop.code: shop for shop in queryset}
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = [
            *empty,
            *((code, self.label_from_instance(shop)) for code, shop in self._by_code.items()),
        ]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self._by_code[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class ShopChoiceMixin:
    def _limit_shops(self, user):
        self.fields["shop"].limit_to(restrict(Shop.objects.all(), user).order_by("code"))


class DashboardFilterForm(ShopChoiceMixin, forms.Form):
    shop = ShopChoiceField(
        label=_("店铺"), queryset=None, required=False, empty_label=_("全部店铺"), to_field_name="code"
    )
    platform = forms.ChoiceField(
        label=_("平台"), choices=[("", _("全部平台")), *Platform.choices], required=False
    )
    start = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_shops(user)

    def clean(self):
        data = super().clean()
        end = data.get("end") or local_today()
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"), code="bad_range")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("日期范围不能超过%(days)s天。") % {"days": MAX_DAYS}, code="range_too_long"
            )
        data["start"], data["end"] = start, end
        return data


class WeeklyForm(ShopChoiceMixin, forms.Form):
    week = forms.CharField(
        label=_("ISO周"), required=False, max_length=8, help_text=_("如 2026-W47；留空为上一个完整周。")
    )
    shop = ShopChoiceField(
        label=_("店铺"), queryset=None, required=False, empty_label=_("全部店铺"), to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_shops(user)

    def clean_week(self):
        from insights.periods import last_complete_week

        value = self.cleaned_data.get("week")
        return parse_week(value) if value else last_complete_week()
