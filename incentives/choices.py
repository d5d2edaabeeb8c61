"""Choices of the incentives app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """What an account counts. Points and leave days are non-cash; only CNY is payable."""

    CNY = "cny", _("奖金(元)")
    POINTS = "points", _("服务价值积分")
    LEAVE_DAYS = "leave_days", _("带薪假(天)")


class EntryKind(models.TextChoices):
    AWARD = "award", _("奖励")
    REVERSAL = "reversal", _("冲正")
    REDEMPTION = "redemption", _("兑换")
    ADJUSTMENT = "adjustment", _("调整")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("开放")
    LOCKED = "locked", _("已锁定")


class AwardEvent(models.TextChoices):
    """The causes a rule can pay for. Values are also the ``event`` cause field of an entry."""

    VERIFIED_CONVERSION = "verified_conversion", _("差评转化(平台数据确认)")
    HANDLED_WITHIN_SLA = "handled_within_sla", _("时效内处理中差评")
    APPEAL_WON = "appeal_won", _("申诉成功")
    QA_SCORE = "qa_score", _("质检得分达标")
    RESPONSE_KPI = "response_kpi", _("响应时长KPI达标")
    QUARTER_TOP = "quarter_top", _("季度转化前三名")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    AWAITING_SECOND = (
        "awaiting",
        _("待复核"),
    )  # an adjustment above the threshold, waiting for a second approver
    RESOLVED = "resolved", _("已调整")
    REJECTED = "rejected", _("已驳回")


class RewardCategory(models.TextChoices):
    TRAINING = "training", _("培训资源")
    PROMOTION = "promotion", _("晋升机会")
    PAID_LEAVE = "paid_leave", _("带薪休假")
    GIFT = "gift", _("礼品")


class RedemptionStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
