"""Choices and error codes of work orders, named once (conventions rule 8)."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class RobotKind(models.TextChoices):
    NONE = "", _("不推送")
    FEISHU = "feishu", _("飞书机器人")
    DINGTALK = "dingtalk", _("钉钉机器人")


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    CANCELLED = "cancelled", _("已取消")


class WorkOrderSource(models.TextChoices):
    MANUAL = "manual", _("人工发起")
    API = "api", _("接口发起")
    COURIER_WATCH = "courier_watch", _("物流预警自动发起")
    QUALITY_THRESHOLD = "quality_threshold", _("质量问题超阈值自动发起")


class Escalation(models.IntegerChoices):
    """How far the sweep has gone with an open order: each step is taken once, in this order."""

    NONE = 0, _("未预警")
    WARNED = 1, _("已预警")
    LEAD = 2, _("已升级至部门负责人")
    SUPERVISOR = 3, _("已升级至案件主管")


class WorkOrderError(StrEnum):
    """Why a work-order action was refused (ValidationError.code / the API's ``code``)."""

    NOT_FOUND = "not_found"
    CASE_CLOSED = "case_closed"
    BAD_DEPARTMENT = "bad_department"
    BAD_REQUEST_TYPE = "bad_request_type"
    BAD_CONTACT = "bad_contact"
    EMPTY_QUESTION = "empty_question"
    TOO_LONG = "too_long"
    NOT_MEMBER = "not_member"
    ALREADY_ANSWERED = "already_answered"
    EMPTY_ANSWER = "empty_answer"
    BAD_RESPONSIBILITY = "bad_responsibility"
    LINK_INVALID = "link_invalid"
    LINK_EXPIRED = "link_expired"
    LINK_USED = "link_used"
    TOO_MANY_FILES = "too_many_files"
    RESOLVE_BLOCKED = "work_order_open"


class AutomationKind(models.TextChoices):
    COURIER_WATCH = "courier_watch", _("物流预警")
    QUALITY_THRESHOLD = "quality_threshold", _("质量问题超阈值")


class RobotPostStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
