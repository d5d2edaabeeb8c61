"""Admin of buyer outreach: SMS accounts (write-only key secret), SMS templates (policy data, layered and
checked for compliance), the messages sent (read-only, number masked), opt-outs and alert numbers.

Every admin is scoped by the one access path (``ShopScopedAdminMixin``); how each model reaches its shop
is registered here (``reviewdesk.access.register_scope``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outreach.choices import ProviderKind
from outreach.models import OptOut, SmsAccount, SmsMessage, SmsTemplate, SupervisorPhone
from outreach.phones import masked, normalise_phone
from outreach.validation import check_template_compliance
from policies.admin.base import PolicyScopedAdmin
from policies.forms import PolicyAdminForm
from policies.scope import GLOBAL_POLICY_PERM
from reviewdesk.access import GLOBAL, Scope, register_scope
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.history_admin import HistoryAdmin

register_scope(SmsAccount, Scope(shop="shop", client="client", null=GLOBAL))  # no row has neither
register_scope(SmsTemplate, Scope(shop="shop", client="client", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM))
register_scope(OptOut, Scope(shop="shop", client="client", null=GLOBAL))  # no row has neither
register_scope(SupervisorPhone, Scope(user="user", include_self=True))

SECRET_STORED = _("已设置，出于安全不再显示；留空则保持不变，填写则替换。")


class SmsAccountForm(forms.ModelForm):
    """The key secret is write-only: the page never shows it, empty keeps the stored one."""

    access_key_secret = forms.CharField(
        label=_("AccessKey Secret / SecretKey"),
        max_length=256,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = SmsAccount
        fields = [
            "name",
            "provider",
            "shop",
            "client",
            "endpoint",
            "region",
            "access_key_id",
            "access_key_secret",
            "app_id",
            "sign_name",
            "alert_hourly_cap",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_secret = self.instance.access_key_secret if self.instance.pk else ""
        self.initial["access_key_secret"] = ""
        if self.stored_secret:
            self.fields["access_key_secret"].help_text = SECRET_STORED

    def clean_endpoint(self):
        from reviewdesk.outbound import OutboundRefused, check_url

        url = (self.cleaned_data.get("endpoint") or "").strip()
        if url:
            try:
                check_url(url)
            except OutboundRefused as refused:
                raise ValidationError(str(refused), code="outbound_refused")
        return url

    def clean(self):
        data = super().clean()
        if not data.get("access_key_secret"):
            if not self.stored_secret:
                self.add_error("access_key_secret", _("请填写密钥。"))
            data["access_key_secret"] = self.stored_secret
        return data


@admin.register(SmsAccount)
class SmsAccountAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = SmsAccountForm
    list_display = ["name", "provider", "shop", "client", "sign_name", "alert_hourly_cap", "active"]
    list_filter = ["provider", "active"]
    search_fields = ["name"]
    list_select_related = ["shop", "client"]
    readonly_fields = ["callback_urls"]

    @admin.display(description=_("腾讯云回调地址"))
    def callback_urls(self, account):
        if account is None or account.pk is None or account.provider != ProviderKind.TENCENT:
            return "—"
        kwargs = {"account_id": account.pk, "token": account.callback_token}
        return "\n".join(
            [
                reverse("outreach:tencent_status", kwargs=kwargs),
                reverse("outreach:tencent_reply", kwargs=kwargs),
            ]
        )


class SmsTemplateForm(PolicyAdminForm):
    class Meta:
        model = SmsTemplate
        fields = "__all__"

    def _post_clean(self):
        super()._post_clean()
        if "text" in self.errors or "purpose" in self.errors:
            return
        try:
            check_template_compliance(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(SmsTemplate)
class SmsTemplateAdmin(PolicyScopedAdmin, HistoryAdmin):
    form = SmsTemplateForm
    list_display = ["code", "name", "purpose", "provider", "template_code", "scope_label", "active"]
    list_filter = ["purpose", "provider", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["shop", "client"]
    readonly_fields = ["version", "updated_at"]
    fields = [
        "code",
        "name",
        "purpose",
        "provider",
        "template_code",
        "sign_name",
        "text",
        "reply_template",
        "shop",
        "client",
        "active",
        "seen_version",
        "version",
        "updated_at",
    ]

    @admin.display(description=_("范围"))
    def scope_label(self, obj):
        return obj.scope_label


@admin.register(SmsMessage)
class SmsMessageAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "shop",
        "purpose",
        "phone_masked",
        "status",
        "attempts",
        "error_code",
        "error_message",
        "accepted_at",
        "delivered_at",
    ]
    list_filter = ["status", "purpose"]
    list_select_related = ["shop"]
    fields = [
        "shop",
        "case",
        "purpose",
        "phone_masked",
        "sign_name",
        "template_code",
        "text",
        "status",
        "attempts",
        "provider_message_id",
        "error_code",
        "error_message",
        "created_at",
        "accepted_at",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OptOutForm(forms.ModelForm):
    phone = forms.CharField(label=_("手机号"), max_length=32, help_text=_("只保存号码指纹和脱敏号码。"))

    class Meta:
        model = OptOut
        fields = ["client", "shop", "phone", "note"]

    def clean(self):
        data = super().clean()
        number = normalise_phone(data.get("phone"))
        if number is None:
            self.add_error("phone", _("请填写正确的手机号码。"))
        if not data.get("client") and not data.get("shop"):
            self.add_error("shop", _("请选择品牌方或店铺。"))
        data["phone"] = number
        return data


@admin.register(OptOut)
class OptOutAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = OptOutForm
    list_display = ["phone_masked", "client", "shop", "source", "created_at", "by"]
    list_filter = ["source"]
    list_select_related = ["client", "shop", "by"]

    def get_fields(self, request, obj=None):
        return (
            ["phone_masked", "client", "shop", "source", "note", "created_at"]
            if obj
            else super().get_fields(request, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        return ["phone_masked", "client", "shop", "source", "note", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        from outreach.services.optouts import optout_record

        if change:
            return
        shop = form.cleaned_data.get("shop")
        client = form.cleaned_data.get("client")
        if shop is None:
            shop = client.shops.order_by("pk").first()
        recorded = optout_record(shop=shop, phone=form.cleaned_data["phone"], by=request.user, note=obj.note)
        obj.pk = recorded.pk


class SupervisorPhoneForm(forms.ModelForm):
    phone = forms.CharField(label=_("手机号"), max_length=32, required=False)

    class Meta:
        model = SupervisorPhone
        fields = ["user", "phone", "sms_alerts"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_phone = self.instance.phone if self.instance.pk else ""
        self.initial["phone"] = ""
        if self.stored_phone:
            self.fields["phone"].help_text = _("已设置(%(masked)s)；留空则保持不变，填写则替换。") % {
                "masked": masked(self.stored_phone)
            }

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if not value:
            if not self.stored_phone:
                raise ValidationError(_("请填写手机号码。"))
            return self.stored_phone
        number = normalise_phone(value)
        if number is None:
            raise ValidationError(_("请填写正确的手机号码。"))
        return number

    def save(self, commit=True):
        self.instance.phone_masked = masked(self.cleaned_data["phone"])
        return super().save(commit)


@admin.register(SupervisorPhone)
class SupervisorPhoneAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = SupervisorPhoneForm
    list_display = ["user", "phone_masked", "sms_alerts", "updated_at"]
    list_select_related = ["user"]
