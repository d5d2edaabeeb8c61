"""Choices of the cases app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """The case workflow's states. Issue 4 adds the transition table; intake only opens cases as NEW."""

    NEW = "new", _("新建(未分配)")
    ASSIGNED = "assigned", _("已分配")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_BUYER = "waiting_buyer", _("等待买家")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


# Statuses in which the SLA clock runs and the case counts toward an assignee's open load.
OPEN_STATUSES: tuple[str, ...] = (
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_BUYER,
)


class IntakeSource(models.TextChoices):
    FILE = "file", _("导出文件")
    API = "api", _("接口")
    ADMIN = "admin", _("手工录入")
    DEMO = "demo", _("演示数据")


class ImportStatus(models.TextChoices):
    COMPLETED = "completed", _("已完成")
    FAILED = "failed", _("失败(未写入)")


class RowStatus(models.TextChoices):
    """What happened to one review of a batch (file row or API item)."""

    CREATED = "created", _("新建")
    UPDATED = "updated", _("已更新")
    UNCHANGED = "unchanged", _("无变化")
    ERROR = "error", _("错误")
