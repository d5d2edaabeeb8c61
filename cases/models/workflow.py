"""What the workflow records: the timeline, offers, contacts, replies, follow-ups, evidence, appeals.

Every row here is written by a service in cases/workflow/services*.py inside the transaction that
moves the case, so the timeline and the case never disagree. Rows are append-only in practice: an
offer's answer or a task's completion fills a column once, nothing is deleted.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    AppealOutcome,
    CaseStatus,
    ContactChannel,
    EvidenceKind,
    OfferStatus,
    Responsibility,
    WorkflowAction,
)
from policies.choices import Channel
from reviewdesk.choices import Role
from reviewdesk.money import MONEY
from reviewdesk.uploads import random_name


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what when, the state before → after, and the details."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="events", verbose_name=_("案件")
    )
    actor = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=24, choices=WorkflowAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=CaseStatus.choices, blank=True)
    version = models.PositiveIntegerField(_("版本"), help_text=_("动作之后案件的版本。"))
    payload = models.JSONField(_("详情"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = _("案件时间线")
        ordering = ["case", "at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]
        permissions = [("reveal_buyer_contact", _("可查看买家电话和地址(查看会记入时间线)"))]

    def __str__(self):
        return f"#{self.case_id} {self.get_action_display()}"


class ContactAttempt(models.Model):
    """A private contact with the buyer (the harassment limits count these)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="contacts", verbose_name=_("案件")
    )
    channel = models.CharField(_("渠道"), max_length=24, choices=ContactChannel.choices)
    template_ref = models.JSONField(
        _("所用模板"), null=True, blank=True, help_text=_("{model, id, version, name}")
    )
    reached = models.BooleanField(_("联系上买家"))
    note = models.TextField(_("备注"), blank=True)
    by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["case", "at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="contact_case_at")]

    def __str__(self):
        return f"#{self.case_id} {self.get_channel_display()} {self.at:%m-%d %H:%M}"


class Reply(models.Model):
    """Words sent to the buyer (a private message with a contact, or the public reply/explanation):
    the final text as sent, the template it started from, and the compliance warnings acknowledged."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="replies", verbose_name=_("案件")
    )
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices)
    text = models.TextField(_("发送内容"))
    template_ref = models.JSONField(_("所用模板"), null=True, blank=True)
    acknowledged_warnings = models.JSONField(_("已确认的合规提醒"), default=list, blank=True)
    contact = models.OneToOneField(
        ContactAttempt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply",
        verbose_name=_("联系记录"),
    )
    by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("回复记录")
        verbose_name_plural = _("回复记录")
        ordering = ["case", "at", "pk"]

    def __str__(self):
        return f"#{self.case_id} {self.get_channel_display()}"


class CompensationOffer(models.Model):
    """One option offered (or put up for approval), its money, and the buyer's answer: the rows
    the acceptance-per-option report (seed 002's A/B) reads."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="offers", verbose_name=_("案件")
    )
    option_id = models.PositiveIntegerField(_("方案ID"))
    option_name = models.CharField(_("方案"), max_length=100)
    option_kind = models.CharField(_("方案类型"), max_length=32)
    rule_ref = models.JSONField(_("补偿规则(版本)"))
    amount = models.DecimalField(_("金额(元)"), **MONEY)
    cost = models.DecimalField(_("成本(元)"), **MONEY)
    requires_approval = models.BooleanField(_("需审批"), default=False)
    approval_role = models.CharField(_("审批角色"), max_length=16, choices=Role.choices, blank=True)
    reason = models.TextField(_("计算依据"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=OfferStatus.choices)
    requested_by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    requested_at = models.DateTimeField(_("提出时间"))
    approved_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approval_note = models.TextField(_("审批意见"), blank=True)
    buyer_answer = models.CharField(
        _("买家答复"),
        max_length=16,
        blank=True,
        choices=[
            (OfferStatus.ACCEPTED, OfferStatus.ACCEPTED.label),
            (OfferStatus.DECLINED, OfferStatus.DECLINED.label),
        ],
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补偿方案记录")
        verbose_name_plural = _("补偿方案记录")
        ordering = ["case", "requested_at", "pk"]
        indexes = [
            models.Index(fields=["option_id", "buyer_answer"], name="offer_option_answer"),
            models.Index(
                fields=["status", "approval_role"],
                name="offer_pending_approval",
                condition=models.Q(status="pending_approval"),
            ),
        ]

    def __str__(self):
        return f"#{self.case_id} {self.option_name} {self.amount}"


class FollowUpTask(models.Model):
    """One step of the follow-up plan, scheduled when the case was resolved."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("案件")
    )
    # The case's shop, copied (a case never changes shop): "my follow-ups due" reads the open tasks of
    # the user's shops (the partial index ``followup_open_shop_due``) instead of every open task.
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"), editable=False
    )
    step_ref = models.PositiveIntegerField(_("回访步骤ID"))
    plan_ref = models.JSONField(_("回访计划(版本)"), null=True, blank=True)
    name = models.CharField(_("步骤"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices)
    template_ref = models.JSONField(_("模板"), null=True, blank=True)
    instructions = models.CharField(_("说明"), max_length=1000, blank=True)
    due_at = models.DateTimeField(_("到期时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    note = models.TextField(_("备注"), blank=True)
    skipped_reason = models.CharField(_("跳过原因"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["case", "due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="followup_open_due",
                condition=models.Q(done_at__isnull=True, skipped_reason=""),
            ),
            models.Index(
                fields=["shop", "due_at"],
                name="followup_open_shop_due",
                condition=models.Q(done_at__isnull=True, skipped_reason=""),
            ),
        ]

    def __str__(self):
        return f"#{self.case_id} {self.name}"

    def save(self, *args, **kwargs):
        if self.shop_id is None and self.case_id is not None:
            self.shop_id = self.case.shop_id  # the case, as given (no query) or read once
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.done_at is None and not self.skipped_reason


def evidence_path(instance, filename: str) -> str:
    """Random names under a per-case folder: the uploader's file name is kept in the row, not on disk."""
    return random_name("evidence", instance.case_id, filename)


class Evidence(models.Model):
    """A file backing a verification or an appeal. Stored under MEDIA_ROOT, never served directly:
    only cases.web.workspace.evidence_download, after checking who may see the case."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="evidence", verbose_name=_("案件")
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=16, choices=EvidenceKind.choices)
    checklist_item = models.CharField(_("对应申诉材料"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["case", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class Appeal(models.Model):
    """A platform appeal of a malicious review, with the checklist as it stood when filed."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="appeals", verbose_name=_("案件")
    )
    reason_type = models.CharField(_("申诉理由"), max_length=64)
    description = models.TextField(_("申诉说明"), blank=True)
    checklist = models.JSONField(_("申诉清单快照"), default=dict)
    evidence = models.ManyToManyField(Evidence, related_name="appeals", blank=True, verbose_name=_("证据"))
    filed_by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉人")
    )
    filed_at = models.DateTimeField(_("提交时间"))
    deadline = models.DateTimeField(_("申诉截止"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=8, choices=AppealOutcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    decided_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    decided_at = models.DateTimeField(_("结果时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("平台申诉")
        verbose_name_plural = _("平台申诉")
        ordering = ["case", "filed_at", "pk"]

    def __str__(self):
        return f"#{self.case_id} {self.reason_type}"


class Verification(models.Model):
    """Who is responsible, as the agent found it. Offers are possible only after one exists."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="verifications", verbose_name=_("案件")
    )
    responsibility = models.CharField(_("责任方"), max_length=32, choices=Responsibility.choices)
    note = models.TextField(_("核实说明"))
    evidence = models.ManyToManyField(
        Evidence, related_name="verifications", blank=True, verbose_name=_("证据")
    )
    by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("核实人")
    )
    at = models.DateTimeField(_("核实时间"))

    class Meta:
        verbose_name = _("责任核实")
        verbose_name_plural = _("责任核实")
        ordering = ["case", "at", "pk"]

    def __str__(self):
        return f"#{self.case_id} {self.get_responsibility_display()}"
