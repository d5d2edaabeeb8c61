"""Forms of the managers' tools: admin forms and formsets that check across rows, the sandbox, the pack upload."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.choices import Channel
from policies.compliance.rules import platform_actions_codes, platform_actions_in_words
from policies.models import ComplianceRule
from policies.models.base import split_codes
from policies.models.sla import MIDNIGHT
from reviewdesk.access import restrict
from reviewdesk.choices import Platform
from reviewdesk.models import Shop
from reviewdesk.money import MONEY


def _codes_field(label, choices, help_text):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class PolicyAdminForm(forms.ModelForm):
    """Refuses a stale form: the version the manager opened must still be the current one on save.

    The version is read from the database (not from the instance), so that reverting to an old
    version in the history page is checked against the current one too.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields["seen_version"].initial = self._current_version()

    def _current_version(self) -> int | None:
        model = type(self.instance)
        return model.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def clean(self):
        data = super().clean()
        seen = data.get("seen_version")
        if seen is not None and self.instance.pk is not None and hasattr(self.instance, "version"):
            current = self._current_version()
            if current is not None and current != seen:
                raise ValidationError(
                    _(
                        "这条规则在您打开后已被修改(您看到的是第%(seen)s版，当前是第%(current)s版)。请刷新页面后重新修改。"
                    ),
                    code="stale_form",
                    params={"seen": seen, "current": current},
                )
        return data


class ComplianceRuleAdminForm(PolicyAdminForm):
    """Platforms and channels as check boxes, stored as the model's comma-separated codes."""

    platforms = _codes_field(_("适用平台"), Platform.choices, _("都不勾选表示所有平台。"))
    channels = _codes_field(_("适用渠道"), Channel.choices, _("都不勾选表示所有渠道。"))

    class Meta:
        model = ComplianceRule
        fields = [
            "name",
            "category",
            "platforms",
            "channels",
            "match_mode",
            "patterns",
            "terms_a",
            "terms_b",
            "distance",
            "action",
            "platform_actions",
            "cited_rule",
            "reason",
            "shop",
            "client",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["platforms"] = split_codes(self.instance.platforms)
            self.initial["channels"] = split_codes(self.instance.channels)
            # Stored as codes, shown and typed in words ("淘宝:拦截、京东:警告"; codes are read too).
            self.initial["platform_actions"] = platform_actions_in_words(self.instance.platform_actions)
        # Left out (an older client, a script posting the old fields): the model's defaults.
        for name in ("category", "distance"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_platform_actions(self):
        return platform_actions_codes(self.cleaned_data.get("platform_actions") or "")

    def clean_category(self):
        return self.cleaned_data.get("category") or ComplianceRule._meta.get_field("category").default

    def clean_distance(self):
        value = self.cleaned_data.get("distance")
        return ComplianceRule._meta.get_field("distance").default if value is None else value

    @staticmethod
    def _join(selected, choices) -> str:
        # Stored in the order of the choices so that an unchanged selection saves an unchanged value.
        return ",".join(code for code, _label in choices if code in set(selected))

    def clean_platforms(self):
        return self._join(self.cleaned_data["platforms"], Platform.choices)

    def clean_channels(self):
        return self._join(self.cleaned_data["channels"], Channel.choices)


def _live_forms(formset):
    """The inline forms that will be saved: valid, filled in and not marked for deletion."""
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        yield form


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """Two rows of one weekday must not overlap (closing at 00:00 means midnight)."""

    def clean(self):
        super().clean()
        by_day: dict[int, list[tuple[dt.time, dt.time | None]]] = {}
        for form in _live_forms(self):
            data = form.cleaned_data
            if data.get("weekday") is None or not data.get("opens") or data.get("closes") is None:
                continue
            by_day.setdefault(int(data["weekday"]), []).append((data["opens"], data["closes"]))
        errors = []
        from policies.choices import Weekday

        for weekday, spans in sorted(by_day.items()):
            spans.sort()
            for (opens_a, closes_a), (opens_b, closes_b) in zip(spans, spans[1:], strict=False):
                # The earlier span ends at midnight (00:00) or after the later one starts: they overlap.
                if closes_a == MIDNIGHT or closes_a > opens_b:
                    errors.append(
                        ValidationError(
                            _("%(day)s的营业时间 %(a)s 与 %(b)s 重叠。"),
                            code="hours_overlap",
                            params={
                                "day": Weekday(weekday).label,
                                "a": _span(opens_a, closes_a),
                                "b": _span(opens_b, closes_b),
                            },
                        )
                    )
        if errors:
            raise ValidationError(errors)


def _span(opens: dt.time, closes: dt.time) -> str:
    return f"{opens:%H:%M}–{'24:00' if closes == MIDNIGHT else f'{closes:%H:%M}'}"


class CompensationOptionFormSet(forms.BaseInlineFormSet):
    """Within one rule every option needs its own name: the agent picks an option by it."""

    def clean(self):
        super().clean()
        seen: set[str] = set()
        duplicates: list[str] = []
        for form in _live_forms(self):
            name = (form.cleaned_data.get("name") or "").strip()
            if name in seen and name not in duplicates:
                duplicates.append(name)
            seen.add(name)
        if duplicates:
            raise ValidationError(
                _("同一补偿规则内方案名称重复：%(names)s。"),
                code="duplicate_option",
                params={"names": "、".join(duplicates)},
            )


# --- The policy sandbox -----------------------------------------------------------------------------

RATING_CHOICES = [(5, _("5 · 好评")), (4, _("4")), (3, _("3 · 中评")), (2, _("2")), (1, _("1 · 差评"))]
_MONEY = {
    **MONEY,
    "required": False,
    "validators": [MinValueValidator(Decimal("0"), message=_("金额不能为负数。"))],
}


class SandboxForm(forms.Form):
    """A review as a manager would type it; every field is what ``ReviewFacts`` carries."""

    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)
    shop = forms.ModelChoiceField(
        label=_("店铺"),
        queryset=Shop.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label=_("(全局默认规则)"),
        help_text=_("选择店铺时使用该店铺的覆盖规则。"),
    )
    rating = forms.TypedChoiceField(label=_("评分"), choices=RATING_CHOICES, coerce=int, initial=1)
    text = forms.CharField(label=_("评价内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    appended_text = forms.CharField(
        label=_("追评内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    order_amount = forms.DecimalField(label=_("订单金额(元)"), **_MONEY)
    shipping_fee = forms.DecimalField(label=_("运费(元)"), **_MONEY)
    annual_spend = forms.DecimalField(label=_("买家年消费(元)"), **_MONEY)
    order_count = forms.IntegerField(label=_("买家历史订单数"), required=False, min_value=0)
    days_since_last_order = forms.IntegerField(label=_("距上次下单(天)"), required=False, min_value=0)
    received_at = forms.DateTimeField(
        label=_("收到评价时间"),
        required=False,
        help_text=_("留空表示现在(北京时间)。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].widget.attrs["autofocus"] = True
        if user is not None:  # the global defaults, or one of the user's own shops
            self.fields["shop"].queryset = restrict(self.fields["shop"].queryset, user)

    def clean(self):
        data = super().clean()
        shop, platform = data.get("shop"), data.get("platform")
        if shop and platform and shop.platform != platform:
            self.add_error(
                "shop",
                _("店铺“%(shop)s”属于%(platform)s，与所选平台不一致。")
                % {"shop": shop.name, "platform": Platform(shop.platform).label},
            )
        return data

    def received_at_or_now(self) -> dt.datetime:
        return self.cleaned_data.get("received_at") or timezone.now()


class WordingCheckForm(forms.Form):
    """The sandbox's "check wording" box: a reply as an agent would send it, checked by the one checker."""

    prefix = "wording"
    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)
    shop = forms.ModelChoiceField(
        label=_("店铺"),
        queryset=Shop.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label=_("(全局默认规则)"),
    )
    text = forms.CharField(label=_("话术"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["shop"].queryset = restrict(self.fields["shop"].queryset, user)

    def clean(self):
        data = super().clean()
        shop, platform = data.get("shop"), data.get("platform")
        if shop and platform and shop.platform != platform:
            self.add_error(
                "shop",
                _("店铺“%(shop)s”属于%(platform)s，与所选平台不一致。")
                % {"shop": shop.name, "platform": Platform(shop.platform).label},
            )
        return data


def layer_choices(user, action: str) -> list[tuple[str, str]]:
    """The layers ``user`` may export (``action="view"``) or import into (``"change"``), as choices of
    ``policies.layers.parse_layer`` values; "" is the whole pack within their reach."""
    from policies.layers import CLIENT, GLOBAL, SHOP, layer_label
    from policies.scope import can_change_global_policy
    from reviewdesk.access import CHANGE, client_ids_for
    from reviewdesk.models import Client

    choices = [("", _("整个规则包(你可见的全部层级)"))]
    if action != CHANGE or can_change_global_policy(user):
        choices.append((GLOBAL, layer_label(GLOBAL)))
    clients = Client.objects.filter(pk__in=client_ids_for(user, action)).order_by("code")
    choices += [(f"{CLIENT}:{c.code}", layer_label(CLIENT, c.code)) for c in clients]
    shops = restrict(Shop.objects.order_by("code"), user, action)
    choices += [(f"{SHOP}:{s.code}", layer_label(SHOP, s.code)) for s in shops]
    return choices


class LayerForm(forms.Form):
    """One layer of the pack (export: the layers the user sees; import: those they may change)."""

    layer = forms.ChoiceField(label=_("层级"), required=False)

    def __init__(self, *args, user=None, action="view", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layer"].choices = layer_choices(user, action)

    def clean_layer(self):
        from policies.layers import parse_layer

        value = self.cleaned_data.get("layer") or ""
        if not value:
            return None
        try:
            return parse_layer(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="bad_layer")


class PackUploadForm(LayerForm):
    pack_file = forms.FileField(label=_("规则包文件(XLSX)"), help_text=_("由“导出规则包”生成的工作簿。"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, action="change", **kwargs)
        self.fields["layer"].label = _("导入到层级")
        self.fields["layer"].help_text = _(
            "选择一个层级时，店铺和品牌方两列为空的行导入到该层级，属于其他层级的行报错，不写入任何内容。"
        )

    def clean_pack_file(self):
        upload = self.cleaned_data["pack_file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("只接受 .xlsx 文件。"), code="not_xlsx")
        return upload
