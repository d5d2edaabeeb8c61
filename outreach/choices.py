"""Choices of buyer outreach, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    ALIYUN = "aliyun", _("阿里云短信")
    TENCENT = "tencent", _("腾讯云短信")


class SmsPurpose(models.TextChoices):
    CARE = "care", _("关怀短信")
    SURVEY = "survey", _("满意度调查")
    ALERT = "alert", _("主管提醒")
    CONTACT = "contact", _("联系买家")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENDING = "sending", _("发送中")
    RETRYING = "retrying", _("等待重试")
    ACCEPTED = "accepted", _("服务商已受理")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败")
    SKIPPED = "skipped", _("未发送")


class OptOutSource(models.TextChoices):
    REPLY = "reply", _("买家回复退订")
    MANUAL = "manual", _("人工登记")


# Statuses a dispatch may still act on; a message past them is settled.
OPEN_STATUSES = (SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.RETRYING)
