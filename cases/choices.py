"""Choices of the cases app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """The case workflow's states. The transitions between them are the table in cases/workflow/table.py;
    intake opens cases as NEW and routing moves them to ASSIGNED."""

    NEW = "new", _("新建(未分配)")
    ASSIGNED = "assigned", _("已分配")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_BUYER = "waiting_buyer", _("等待买家")
    VERIFIED = "verified", _("已核实责任")
    PENDING_APPROVAL = "pending_approval", _("待审批")
    OFFERED = "offered", _("已提出方案")
    AGREED = "agreed", _("买家已接受")
    MALICIOUS = "malicious", _("恶意差评处理中")
    APPEALING = "appealing", _("平台申诉中")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


# Statuses in which the SLA clock runs and the case counts toward an assignee's open load.
OPEN_STATUSES: tuple[str, ...] = (
    CaseStatus.NEW,
    CaseStatus.ASSIGNED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_BUYER,
    CaseStatus.VERIFIED,
    CaseStatus.PENDING_APPROVAL,
    CaseStatus.OFFERED,
    CaseStatus.AGREED,
    CaseStatus.MALICIOUS,
    CaseStatus.APPEALING,
)


class IntakeSource(models.TextChoices):
    FILE = "file", _("导出文件")
    API = "api", _("接口")
    ADMIN = "admin", _("手工录入")
    DEMO = "demo", _("演示数据")
    CONNECTOR = "connector", _("平台接口拉取")


class ImportStatus(models.TextChoices):
    COMPLETED = "completed", _("已完成")
    FAILED = "failed", _("失败(未写入)")


class RowStatus(models.TextChoices):
    """What happened to one review of a batch (file row or API item)."""

    CREATED = "created", _("新建")
    UPDATED = "updated", _("已更新")
    UNCHANGED = "unchanged", _("无变化")
    ERROR = "error", _("错误")


# --- The case workflow ------------------------------------------------------------------------------


class WorkflowAction(models.TextChoices):
    CLAIM = "claim", _("认领")
    RECORD_CONTACT = "record_contact", _("记录联系")
    BUYER_REPLIED = "buyer_replied", _("买家已回复")
    VERIFY = "verify", _("核实责任")
    OFFER = "offer", _("提出补偿方案")
    REQUEST_APPROVAL = "request_approval", _("申请审批")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("驳回")
    BUYER_ACCEPTS = "buyer_accepts", _("买家接受")
    BUYER_DECLINES = "buyer_declines", _("买家拒绝")
    PUBLIC_REPLY = "public_reply", _("公开回复/解释")
    RESOLVE = "resolve", _("解决")
    MARK_MALICIOUS = "mark_malicious", _("标记恶意")
    FILE_APPEAL = "file_appeal", _("提交申诉")
    APPEAL_OUTCOME = "appeal_outcome", _("记录申诉结果")
    CLOSE = "close", _("关闭")
    REOPEN = "reopen", _("重新打开")
    # Timeline-only events (no state change, no transition row)
    REVEAL_CONTACT = "reveal_contact", _("查看买家联系方式")
    EVIDENCE_ADDED = "evidence_added", _("上传证据")
    FOLLOW_UP_DONE = "follow_up_done", _("完成回访")
    FOLLOW_UP_SKIPPED = "follow_up_skipped", _("跳过回访")
    ASSIGN = "assign", _("分配")
    NOT_ROUTED = "not_routed", _("无人可分配")
    WORK_ORDER_RAISED = "work_order_raised", _("发起内部工单")  # written by the workorders app
    WORK_ORDER_ANSWERED = "work_order_answered", _("内部工单已答复")


class Responsibility(models.TextChoices):
    MERCHANT = "merchant", _("商家")
    SUPPLIER = "supplier", _("供应商")
    COURIER = "courier", _("快递")
    WAREHOUSE = "warehouse", _("仓库")
    BUYER_MISUNDERSTANDING = "buyer_misunderstanding", _("买家误解")


class ContactChannel(models.TextChoices):
    PRIVATE_MESSAGE = "private_message", _("私信(千牛/飞鸽/咚咚)")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")


class OfferStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("待审批")
    REJECTED = "rejected", _("审批驳回")
    OFFERED = "offered", _("已提出")
    ACCEPTED = "accepted", _("买家接受")
    DECLINED = "declined", _("买家拒绝")


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("图片/截图")
    AUDIO = "audio", _("录音")
    CHAT_EXPORT = "chat_export", _("聊天记录导出")
    DOCUMENT = "document", _("文档")


class AppealOutcome(models.TextChoices):
    WON = "won", _("申诉成功(评价已删除/屏蔽)")
    LOST = "lost", _("申诉失败")
