"""Admin for the outgoing channels (Feishu/DingTalk robots, email) and their deliveries.

A manager configures the robots of the shops he belongs to (``ShopScopedAdminMixin``: the list, the shop
choices and every object check go through ``reviewdesk.access``). A robot's webhook URL and its signing
secret are credentials (whoever holds them posts into the shop's group), so both are write-only: the
form never shows them back, the list shows only the URL's host, and a field left empty keeps what is
stored. A new URL is checked with the outbound policy (``reviewdesk.outbound.check_url``: http(s) only,
https only in production, no loopback, private, link-local or metadata address) before it is saved;
the sender checks it again at every call. Deliveries are read-only: what was sent, to which channel,
how often it was tried and why it failed (status code and a short reason, never a response body).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.models import Delivery, NotificationChannel
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.admin_secrets import WriteOnlySecretsMixin, url_host


class NotificationChannelForm(WriteOnlySecretsMixin, forms.ModelForm):
    """Write-only URL and secret: empty on the page, kept when left empty, replaced when typed."""

    webhook_url = forms.CharField(
        label=_("机器人Webhook地址"),
        max_length=500,
        required=False,
        help_text=_(
            "飞书：https://open.feishu.cn/open-apis/bot/v2/hook/…；钉钉：https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = forms.CharField(
        label=_("签名密钥"),
        max_length=128,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(label=_("清除签名密钥"), required=False)

    class Meta:
        model = NotificationChannel
        fields = [
            "shop",
            "kind",
            "name",
            "webhook_url",
            "secret",
            "on_new_case",
            "on_sla_warning",
            "on_sla_breach",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"].help_text = (
            _("已设置，出于安全不再显示；留空则保持不变，填写则替换。")
            if self.stored_secret
            else _("机器人安全设置里的“签名校验/加签”密钥；留空表示不签名。")
        )


@admin.register(NotificationChannel)
class NotificationChannelAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = NotificationChannelForm
    list_display = [
        "name",
        "shop",
        "kind",
        "destination",
        "signed",
        "on_new_case",
        "on_sla_warning",
        "on_sla_breach",
        "active",
    ]
    list_filter = ["kind", "active", "shop"]
    search_fields = ["name"]
    list_select_related = ["shop"]
    fields = [
        "shop",
        "kind",
        "name",
        "webhook_url",
        "secret",
        "clear_secret",
        "on_new_case",
        "on_sla_warning",
        "on_sla_breach",
        "active",
    ]

    @admin.display(description=_("地址"))
    def destination(self, channel):
        return url_host(channel.webhook_url) or "—"

    @admin.display(description=_("签名"), boolean=True)
    def signed(self, channel):
        return bool(channel.secret)


@admin.register(Delivery)
class DeliveryAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "shop",
        "channel",
        "kind",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "kind", "shop"]
    list_select_related = ["shop", "channel"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "channel",
        "shop",
        "case",
        "kind",
        "dedupe_key",
        "message",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "last_status_code",
        "sent_at",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
