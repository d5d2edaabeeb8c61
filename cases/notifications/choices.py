"""Choices of notifications, deliveries and SLA events, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("邮件")
    FEISHU = "feishu", _("飞书机器人")
    DINGTALK = "dingtalk", _("钉钉机器人")
    SMS = "sms", _("短信(主管手机号)")


class NotificationKind(models.TextChoices):
    NEW_CASE = "new_case", _("新中差评")
    ASSIGNED = "assigned", _("案件已分配给你")
    NEW_CASES_DIGEST = "new_cases_digest", _("批量新中差评")
    SLA_WARNING = "sla_warning", _("时效预警")
    SLA_BREACH = "sla_breach", _("时效超时")
    RATING_WORSENED = "rating_worsened", _("评分变差")
    APPROVAL_REQUESTED = "approval_requested", _("补偿方案待审批")
    APPROVAL_DECIDED = "approval_decided", _("补偿方案审批结果")
    JOB_FINISHED = "job_finished", _("后台任务结束")
    CONNECTOR = "connector", _("平台对接")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("发送失败，等待重试")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("最终失败")


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("首次响应")
    NEXT_RESPONSE = "next_response", _("买家回复后再响应")
    PUBLIC_REPLY = "public_reply", _("公开回复")
    RESOLUTION = "resolution", _("解决")


class SlaEventKind(models.TextChoices):
    WARNING = "warning", _("预警")
    BREACH = "breach", _("超时")
