"""Buyer outreach: the SMS provider accounts, the SMS templates (policy data), every message sent,
the opt-outs, and the supervisors' numbers for SMS alerts.

Credentials and phone numbers are stored encrypted (``reviewdesk.crypto.EncryptedTextField``); an
opt-out keeps only a keyed hash of the number (``outreach.phones``). One ``SmsMessage`` row per send,
unique on its idempotency key: a retried task or a second cluster adds nothing and, through ``out_id``,
finds a message the provider already accepted instead of sending it again (``outreach.services.dispatch``).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from outreach.choices import OptOutSource, ProviderKind, SmsPurpose, SmsStatus
from policies.models.base import PolicyBase, one_layer, unique_per_layer
from reviewdesk.crypto import EncryptedTextField

DEFAULT_ENDPOINTS = {
    ProviderKind.ALIYUN: "https://dysmsapi.aliyuncs.com/",
    ProviderKind.TENCENT: "https://sms.tencentcloudapi.com/",
}
DEFAULT_REGIONS = {ProviderKind.ALIYUN: "cn-hangzhou", ProviderKind.TENCENT: "ap-guangzhou"}


def new_callback_token() -> str:
    return secrets.token_urlsafe(24)


def new_out_id() -> str:
    """Our id of a message at the provider (Alibaba ``OutId``, Tencent ``SessionContext``): 32 hex digits."""
    return secrets.token_hex(16)


class SmsAccount(models.Model):
    """A shop's (or a client's, for all its shops) account at an SMS provider. A shop's own account
    overrides its client's. The key secret is write-only in the admin and never logged."""

    name = models.CharField(_("名称"), max_length=64)
    provider = models.CharField(_("服务商"), max_length=16, choices=ProviderKind.choices)
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
    )
    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
        help_text=_("填写品牌方表示该品牌方的所有店铺共用此账号；店铺自己的账号优先。"),
    )
    endpoint = models.CharField(
        _("接口地址"),
        max_length=200,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "留空使用服务商的默认地址(阿里云 dysmsapi.aliyuncs.com，腾讯云 sms.tencentcloudapi.com)。"
        ),
    )
    region = models.CharField(_("地域"), max_length=32, blank=True)
    access_key_id = models.CharField(_("AccessKey ID / SecretId"), max_length=128)
    access_key_secret = EncryptedTextField(_("AccessKey Secret / SecretKey"), max_length=256)
    app_id = models.CharField(
        _("SdkAppId"), max_length=32, blank=True, help_text=_("腾讯云短信应用的 SdkAppId；阿里云不需要。")
    )
    sign_name = models.CharField(_("默认签名"), max_length=64, help_text=_("服务商审核通过的短信签名。"))
    callback_token = EncryptedTextField(_("回执地址令牌"), default=new_callback_token, editable=False)
    alert_hourly_cap = models.PositiveSmallIntegerField(
        _("每人每小时提醒短信上限"), default=10, help_text=_("发给同一位主管的提醒短信，每小时最多这么多条。")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信账号")
        verbose_name_plural = _("短信账号")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(shop__isnull=True) & models.Q(client__isnull=False))
                | (models.Q(shop__isnull=False) & models.Q(client__isnull=True)),
                name="sms_account_shop_or_client",
                violation_error_message=_("短信账号属于一个店铺或一个品牌方(二选一)。"),
            ),
            models.UniqueConstraint(
                fields=["shop"],
                condition=models.Q(active=True),
                name="uniq_sms_account_active_shop",
                violation_error_message=_("这个店铺已有一个启用的短信账号：请修改它，或先停用再新建。"),
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(active=True),
                name="uniq_sms_account_active_client",
                violation_error_message=_("这个品牌方已有一个启用的短信账号：请修改它，或先停用再新建。"),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_provider_display()})"

    def clean(self):
        if bool(self.shop_id) == bool(self.client_id):
            raise ValidationError({"shop": _("短信账号属于一个店铺或一个品牌方(二选一)。")})
        if self.provider == ProviderKind.TENCENT and not self.app_id:
            raise ValidationError({"app_id": _("腾讯云短信需要填写 SdkAppId。")})

    @property
    def api_endpoint(self) -> str:
        return self.endpoint or DEFAULT_ENDPOINTS.get(self.provider, "")

    @property
    def api_region(self) -> str:
        return self.region or DEFAULT_REGIONS.get(self.provider, "")


class SmsTemplate(PolicyBase):
    """An SMS template as policy data, in the layers global → client → shop (the most specific wins):
    the provider's approved template code, the sign name, and the text with whitelisted placeholders
    (``outreach.rendering.SMS_PLACEHOLDERS``) in the order the provider's variables take them. The text
    passes the compliance check of the SMS channel when saved and again when each message is sent."""

    code = models.SlugField(
        _("代码"), max_length=48, help_text=_("如 care_3d、survey、alert；同一代码的店铺模板覆盖全局模板。")
    )
    name = models.CharField(_("名称"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=16, choices=SmsPurpose.choices)
    provider = models.CharField(_("服务商"), max_length=16, choices=ProviderKind.choices)
    template_code = models.CharField(
        _("服务商模板编号"), max_length=64, help_text=_("如阿里云 SMS_123456789、腾讯云 1234567。")
    )
    sign_name = models.CharField(
        _("签名"), max_length=64, blank=True, help_text=_("留空使用账号的默认签名。")
    )
    text = models.TextField(
        _("短信内容"),
        help_text=_(
            "与服务商审核通过的模板一致，变量写成 {shop_name} 这样的占位符，按出现顺序对应服务商模板的变量。"
        ),
    )
    reply_template = models.ForeignKey(
        "policies.ReplyTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对应话术模板"),
        help_text=_("回访计划里短信步骤用这条话术模板时，发送本短信模板。"),
    )

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["code", "pk"]
        constraints = [
            *unique_per_layer(["code", "provider"], "uniq_sms_template_{layer}"),
            one_layer("sms_template"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code} · {self.scope_label})"

    def clean(self):
        from outreach.rendering import placeholder_refusal

        refusal = placeholder_refusal(self.text)
        if refusal:
            raise ValidationError({"text": refusal})


class SmsMessage(models.Model):
    """One SMS to one number, with its provider state. ``idempotency_key`` names what it is for (the
    follow-up task, the alert and its recipient, the agent's send): unique, so nothing is sent twice."""

    account = models.ForeignKey(
        SmsAccount, on_delete=models.PROTECT, related_name="messages", verbose_name=_("账号")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("案件"),
    )
    template = models.ForeignKey(
        SmsTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("模板"),
    )
    recipient_user = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人(员工)"),
    )
    purpose = models.CharField(_("用途"), max_length=16, choices=SmsPurpose.choices)
    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(_("号码指纹"), max_length=64, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号(脱敏)"), max_length=20)
    sign_name = models.CharField(_("签名"), max_length=64)
    template_code = models.CharField(_("服务商模板编号"), max_length=64)
    params = models.JSONField(_("模板变量"), default=dict, blank=True)
    text = models.TextField(_("内容"))
    idempotency_key = models.CharField(_("幂等键"), max_length=160, unique=True)
    out_id = models.CharField(_("外部流水号"), max_length=32, unique=True, default=new_out_id)
    status = models.CharField(_("状态"), max_length=16, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    attempt_started_at = models.DateTimeField(_("本次尝试开始"), null=True, blank=True)
    provider_message_id = models.CharField(_("服务商流水号"), max_length=128, blank=True, db_index=True)
    error_code = models.CharField(_("错误码"), max_length=64, blank=True)
    error_message = models.CharField(_("错误说明"), max_length=500, blank=True)
    followup_task_id = models.BigIntegerField(_("回访任务"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="sms_open_due",
                condition=models.Q(status__in=["queued", "sending", "retrying"]),
            ),
            models.Index(fields=["recipient_user", "purpose", "created_at"], name="sms_recipient_recent"),
        ]

    def __str__(self):
        return f"{self.phone_masked} · {self.get_purpose_display()} · {self.get_status_display()}"


class OptOut(models.Model):
    """A number that must not be messaged: for every shop of a client (or, for a shop without a client,
    for that shop). Only the number's keyed hash and its masked form are kept."""

    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
    )
    phone_hash = models.CharField(_("号码指纹"), max_length=64, editable=False)
    phone_masked = models.CharField(_("手机号(脱敏)"), max_length=20, editable=False)
    source = models.CharField(_("来源"), max_length=16, choices=OptOutSource.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("退订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False) | models.Q(shop__isnull=False),
                name="optout_client_or_shop",
            ),
            models.UniqueConstraint(
                fields=["client", "phone_hash"],
                condition=models.Q(client__isnull=False),
                name="uniq_optout_client",
            ),
            models.UniqueConstraint(
                fields=["shop", "phone_hash"],
                condition=models.Q(client__isnull=True),
                name="uniq_optout_shop",
            ),
        ]

    def __str__(self):
        return self.phone_masked


class SupervisorPhone(models.Model):
    """A staff member's mobile number for SMS alerts (stored encrypted, shown masked)."""

    user = models.OneToOneField(
        "reviewdesk.User", on_delete=models.CASCADE, related_name="sms_phone", verbose_name=_("员工")
    )
    phone = EncryptedTextField(_("手机号"))
    phone_masked = models.CharField(_("手机号(脱敏)"), max_length=20, editable=False)
    sms_alerts = models.BooleanField(_("接收提醒短信"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("员工提醒手机号")
        verbose_name_plural = _("员工提醒手机号")
        ordering = ["user"]

    def __str__(self):
        return f"{self.user} · {self.phone_masked}"
