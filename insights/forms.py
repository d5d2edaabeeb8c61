"""Filters of the insights pages. Shop choices are only the shops the user may see; client (品牌方) choices
only the clients of those shops (read with them, in the same query). A client narrows the pages to its
shops within the user's reach (``reviewdesk.access.client_shop_ids``); a client out of reach is refused
with the field's message."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from insights.periods import local_today, parse_week
from reviewdesk.access import restrict
from reviewdesk.choices import Platform
from reviewdesk.models import Client, Shop

MAX_DAYS = 366
DEFAULT_DAYS = 30


class ShopChoiceField(forms.ModelChoiceField):
    """The shops a user may see, read once for both the options and the chosen one. (The default
    re-reads them for the options through a server-side cursor on PostgreSQL — three round trips —
    and once more for the choice; a user sees a handful of shops.)"""

    def limit_to(self, queryset, rows=None) -> None:
        """``rows``: the queryset's rows when the caller has read them already (never read again)."""
        self.queryset = queryset
        self._by_code = {shop.code: shop for shop in (queryset if rows is None else rows)}
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


class ClientChoiceField(ShopChoiceField):
    """The clients of the user's shops, by code; another client is "not yours" (not "no such client")."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("品牌方"),
            queryset=None,
            required=False,
            empty_label=_("全部品牌方"),
            to_field_name="code",
            error_messages={"invalid_choice": _("没有这个品牌方，或你不服务该品牌方。")},
            **kwargs,
        )


class ShopChoiceMixin:
    def _limit_shops(self, user):
        shops = restrict(Shop.objects.select_related("client"), user).order_by("code")
        rows = list(shops)
        self.fields["shop"].limit_to(shops, rows)
        if "client" not in self.fields:
            return
        clients = {shop.client.code: shop.client for shop in rows if shop.client_id}
        self.fields["client"].limit_to(
            Client.objects.filter(pk__in=[c.pk for c in clients.values()]),
            [clients[code] for code in sorted(clients)],
        )

    def _check_client(self, data) -> None:
        """A shop of another client than the one chosen is a contradiction, said so (not an empty page)."""
        shop, client = data.get("shop"), data.get("client")
        if shop is not None and client is not None and shop.client_id != client.pk:
            self.add_error("shop", _("所选店铺不属于所选品牌方。"))


class DashboardFilterForm(ShopChoiceMixin, forms.Form):
    client = ClientChoiceField()
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
        self._check_client(data)
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
    client = ClientChoiceField()
    shop = ShopChoiceField(
        label=_("店铺"), queryset=None, required=False, empty_label=_("全部店铺"), to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_shops(user)

    def clean(self):
        data = super().clean()
        self._check_client(data)
        return data

    def clean_week(self):
        from insights.periods import last_complete_week

        value = self.cleaned_data.get("week")
        return parse_week(value) if value else last_complete_week()
