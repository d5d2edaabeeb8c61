"""Admin of the platform connectors and their outbox.

A manager connects the shops he belongs to (``ShopScopedAdminMixin``: the list, the shop choices and
every object check go through ``reviewdesk.access``; another shop's manager sees nothing of this shop's
connector). The app key, app secret, session key, refresh token and signing secret are credentials: write-only (the form never shows
them back, a field left empty keeps what is stored), stored encrypted (``EncryptedTextField``). The
gateway URL passes the outbound policy before it is saved. ``api`` (method names, fixed parameters, field
mapping, paging, the window cap) is the data a deployer corrects without a release. Health and the pull
cursor are shown, not edited; the outbox is read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connectors.models import Connector, OutboxReply
from connectors.platforms import CLIENTS, UNSUPPORTED, default_api
from connectors.services.configure import COMPATIBLE, NEEDS_SIGN_SECRET
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.outbound import OutboundRefused, check_url

SECRET_FIELDS = ("app_key", "app_secret", "session_key", "refresh_token", "sign_secret")
REQUIRED_SECRETS = ("app_key", "app_secret", "session_key")


def _secret_field(label):
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class ConnectorForm(forms.ModelForm):
    """Write-only credentials: empty on the page, kept when left empty, replaced when typed."""

    platform = forms.ChoiceField(label=_("平台接口"), choices=[(p, p) for p in CLIENTS])
    app_key = _secret_field(_("App Key"))
    app_secret = _secret_field(_("App Secret"))
    session_key = _secret_field(_("授权令牌(session)"))
    refresh_token = _secret_field(_("刷新令牌(refresh token)"))
    sign_secret = _secret_field(_("签名密钥(signSecret)"))

    class Meta:
        model = Connector
        fields = [
            "shop",
            "platform",
            "enabled",
            "gateway_url",
            "app_key",
            "app_secret",
            "session_key",
            "sign_method",
            "expires_at",
            "refresh_token",
            "sign_secret",
            "seller_nick",
            "tmc_group",
            "backfill_days",
            "overlap_minutes",
            "recheck_per_pull",
            "api",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = {
            name: getattr(self.instance, name) if self.instance.pk else "" for name in SECRET_FIELDS
        }
        for name in SECRET_FIELDS:
            self.initial[name] = ""
            self.fields[name].help_text = (
                _("已设置，出于安全不再显示；留空则保持不变，填写则替换。")
                if self.stored[name]
                else _("在开放平台的应用管理和授权页面获得。")
            )

    def clean_gateway_url(self):
        url = (self.cleaned_data.get("gateway_url") or "").strip()
        try:
            check_url(url)
        except OutboundRefused as refused:
            raise ValidationError(str(refused), code="outbound_refused")
        return url

    def clean(self):
        data = super().clean()
        shop = data.get("shop")
        platform = data.get("platform")
        if shop is not None and shop.platform in UNSUPPORTED:
            raise ValidationError(str(UNSUPPORTED[shop.platform]))
        if shop is not None and platform and shop.platform not in COMPATIBLE.get(platform, {platform}):
            raise ValidationError(_("该店铺的平台没有可用的接口对接。"))
        for name in SECRET_FIELDS:
            if not data.get(name):
                data[name] = self.stored[name]
                required = name in REQUIRED_SECRETS or (
                    name == "sign_secret" and platform in NEEDS_SIGN_SECRET
                )
                if not data[name] and required:
                    self.add_error(name, _("必须填写。"))
        if not data.get("api") and platform:
            data["api"] = default_api(platform)
        return data


@admin.register(Connector)
class ConnectorAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = ConnectorForm
    list_display = ["shop", "platform", "enabled", "state", "last_success_at", "calls_total", "last_error"]
    list_filter = ["state", "enabled", "shop"]
    list_select_related = ["shop"]
    readonly_fields = [
        "state",
        "refreshed_at",
        "last_success_at",
        "last_attempt_at",
        "backoff_until",
        "failures",
        "calls_total",
        "cursor_at",
        "last_error",
        "recent_errors",
    ]
    fieldsets = [
        (None, {"fields": ["shop", "platform", "enabled", "gateway_url"]}),
        (
            _("凭据(只写，不再显示)"),
            {
                "fields": [
                    "app_key",
                    "app_secret",
                    "session_key",
                    "sign_method",
                    "expires_at",
                    "refresh_token",
                    "sign_secret",
                ]
            },
        ),
        (_("消息推送(TMC)"), {"fields": ["seller_nick", "tmc_group"]}),
        (_("拉取"), {"fields": ["backfill_days", "overlap_minutes", "recheck_per_pull", "api"]}),
        (_("健康状况"), {"fields": readonly_fields}),
    ]


@admin.register(OutboxReply)
class OutboxReplyAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["case", "shop", "state", "attempts", "created_at", "delivered_at", "platform_message"]
    list_filter = ["state", "shop"]
    list_select_related = ["shop", "case"]
    fields = list_display + ["target", "order_no", "text", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
