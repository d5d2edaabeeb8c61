"""Choices and error codes of prevention, named once (conventions rule 8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    AWAITING_SHIPMENT = "awaiting_shipment", _("待发货")
    IN_TRANSIT = "in_transit", _("运输中")
    DELIVERED = "delivered", _("已签收")
    CLOSED = "closed", _("已关闭")


# The orders the late-parcel sweep reads: a partial index covers exactly these (Order.Meta).
WATCHED_STATUSES = (OrderStatus.AWAITING_SHIPMENT, OrderStatus.IN_TRANSIT)


class AfterSale(models.TextChoices):
    NONE = "", _("无")
    REFUND = "refund", _("仅退款")
    RETURN = "return", _("退货退款")
    EXCHANGE = "exchange", _("换货")


class OrderSource(models.TextChoices):
    FILE = "file", _("导入文件")
    CONNECTOR = "connector", _("平台接口")


class ReturnReason(models.TextChoices):
    """What an after-sale's reason is about, read from the buyer's words (``prevention.reasons``)."""

    QUALITY = "quality", _("质量问题")
    SIZE = "size", _("尺码不合适")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    LOGISTICS = "logistics", _("物流问题")
    CHANGED_MIND = "changed_mind", _("不想要了/七天无理由")
    OTHER = "other", _("其他")


class PullKind(models.TextChoices):
    """What a connector's incremental order pull reads (one cursor each)."""

    TRADES = "trades", _("订单")
    REFUNDS = "refunds", _("退款")


class LateReason(models.TextChoices):
    NOT_SHIPPED = "not_shipped", _("超过承诺时间未发货")
    NO_MOVEMENT = "no_movement", _("物流长时间未更新")
    STUCK = "stuck", _("滞留在同一站点")
    OVERDUE = "overdue", _("超出预计送达天数")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已处理")


class TaskOutcome(models.TextChoices):
    CONTACTED = "contacted", _("已联系买家")
    COMPENSATED = "compensated", _("已补偿")
    PARCEL_ARRIVED = "parcel_arrived", _("包裹已送达")
    UNREACHABLE = "unreachable", _("联系不上买家")
    NO_ACTION = "no_action", _("无需处理")


# The outcomes that count as "prevented" in the measured effect: the team reached the buyer first.
PREVENTED_OUTCOMES = (TaskOutcome.CONTACTED, TaskOutcome.COMPENSATED)


class RiskReason(models.TextChoices):
    AFTER_SALES = "after_sales", _("退款/退货次数")
    NEGATIVE_REVIEWS = "negative_reviews", _("中差评次数")
    MALICIOUS = "malicious", _("疑似恶意评价次数")
    EXTORTION = "extortion", _("有索要好处/勒索信号")


class PreventionError(models.TextChoices):
    TASK_DONE = "task_done", _("该预防任务已处理，请刷新页面。")
    BAD_OUTCOME = "bad_outcome", _("请选择处理结果。")
    NOTE_TOO_LONG = "note_too_long", _("备注不能超过500个字符。")
