"""In-app notifications, the per-shop outgoing channels, and one Delivery row per message sent out.

Idempotency lives in the database: a Notification is unique per (user, dedupe_key) and a Delivery
per (channel, dedupe_key), where the key names the case and the event ("new_case:42",
"sla_breach:first_response:42:<due>"); creators insert with ON CONFLICT DO NOTHING, so a retried
task or a second cluster adds nothing.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from reviewdesk.crypto import EncryptedTextField

PENDING_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class NotificationChannel(models.Model):
    """Where a shop's alerts go besides the bell: an email channel or a Feishu/DingTalk robot."""

    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        related_name="notification_channels",
        verbose_name=_("店铺"),
    )
    kind = models.CharField(_("渠道"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("名称"), max_length=64)
    # Credentials (whoever holds them posts into the shop's group): stored encrypted (reviewdesk.crypto).
    webhook_url = EncryptedTextField(
        _("机器人Webhook地址"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "飞书：https://open.feishu.cn/open-apis/bot/v2/hook/…；钉钉：https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = EncryptedTextField(
        _("签名密钥"),
        max_length=128,
        blank=True,
        help_text=_("机器人安全设置里的“签名校验/加签”密钥；留空表示不签名。"),
    )
    on_new_case = models.BooleanField(_("新中差评时通知"), default=True)
    on_sla_warning = models.BooleanField(_("时效预警时通知"), default=False)
    on_sla_breach = models.BooleanField(_("时效超时/评分变差时通知"), default=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["shop", "kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self):
        if self.kind in (ChannelKind.FEISHU, ChannelKind.DINGTALK) and not self.webhook_url:
            raise ValidationError({"webhook_url": _("机器人渠道必须填写Webhook地址。")})
        if self.kind == ChannelKind.EMAIL and (self.webhook_url or self.secret):
            raise ValidationError({"webhook_url": _("邮件渠道发给相关人员的邮箱，不需要Webhook地址和密钥。")})

    def wants(self, kind: str) -> bool:
        return {
            NotificationKind.NEW_CASE: self.on_new_case,
            NotificationKind.NEW_CASES_DIGEST: self.on_new_case,
            NotificationKind.SLA_WARNING: self.on_sla_warning,
            NotificationKind.SLA_BREACH: self.on_sla_breach,
            NotificationKind.RATING_WORSENED: self.on_sla_breach,
        }.get(kind, False)


class Notification(models.Model):
    """One line in a user's bell. Text is rendered at creation from a whitelisted context."""

    user = models.ForeignKey(
        "reviewdesk.User", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("案件"),
    )
    kind = models.CharField(_("类型"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=160)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="uniq_notification_user_key")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(
                fields=["user"], name="notification_user_unread", condition=models.Q(read_at__isnull=True)
            ),
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """One message to one outgoing channel, with its retry state. Never holds buyer phone/address."""

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("渠道")
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
    kind = models.CharField(_("类型"), max_length=24, choices=NotificationKind.choices)
    dedupe_key = models.CharField(_("去重键"), max_length=160)
    message = models.JSONField(_("消息"), default=dict, help_text=_("标题、正文行和链接。"))
    recipients = models.JSONField(_("收件邮箱"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近HTTP状态"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedupe_key"], name="uniq_delivery_channel_key")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status__in=PENDING_STATUSES),
            ),
            models.Index(fields=["status", "-created_at"], name="delivery_status_recent"),
        ]

    def __str__(self):
        return f"{self.channel} · {self.dedupe_key} · {self.get_status_display()}"
