"""Rules for the later steps of a case: follow-up plans, appeal checklists and contact limits."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import AppealReason, Channel, FollowUpEvent
from policies.models.base import PolicyBase, one_layer, unique_per_layer
from policies.models.messaging import ReplyTemplate
from reviewdesk.choices import Platform


class FollowUpPlan(PolicyBase):
    name = models.CharField(_("名称"), max_length=64)
    event = models.CharField(
        _("触发事件"), max_length=16, choices=FollowUpEvent.choices, default=FollowUpEvent.RESOLVED
    )

    class Meta:
        verbose_name = _("回访计划")
        verbose_name_plural = _("回访计划")
        constraints = [
            *unique_per_layer(["event"], "one_active_{layer}_plan_per_event", active=True),
            one_layer("follow_up_plan"),
        ]

    def __str__(self):
        return f"{self.name} · {self.scope_label}"


class FollowUpStep(models.Model):
    plan = models.ForeignKey(
        FollowUpPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("回访计划")
    )
    name = models.CharField(_("步骤"), max_length=64)
    offset_minutes = models.PositiveIntegerField(
        _("触发后(分钟)"), help_text=_("如 1440 = 24小时，4320 = 3天，43200 = 30天。")
    )
    channel = models.CharField(
        _("渠道"), max_length=24, choices=Channel.choices, default=Channel.PRIVATE_MESSAGE
    )
    template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("模板"),
    )
    asks_for_revision = models.BooleanField(
        _("请买家修改/追加评价"), default=False, help_text=_("平台不允许请买家改评价时，此步骤自动跳过。")
    )
    instructions = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("回访步骤")
        verbose_name_plural = _("回访步骤")
        ordering = ["plan", "offset_minutes", "pk"]

    def __str__(self):
        return self.name

    @property
    def offset(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.offset_minutes)

    # Whether the template passes the compliance rules of the step's channel needs the engine:
    # ``policies.validation.check_follow_up_step``, run by every writing path after ``full_clean()``.


class AppealChecklist(PolicyBase):
    """What a platform wants for an appeal of a review for one reason (extortion, a competitor's attack,
    abuse …): each reason has its own evidence. The deadline is the platform rule's window."""

    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    reason = models.CharField(_("申诉理由"), max_length=16, choices=AppealReason.choices)
    reason_label = models.CharField(
        _("平台上的理由名称"),
        max_length=64,
        blank=True,
        help_text=_("平台申诉页面上该理由的叫法，如“利用评价要挟”；留空时使用申诉理由的名称。"),
    )
    evidence_required = models.TextField(_("所需证据"), help_text=_("每行一项，如：飞鸽聊天记录、通话录音。"))
    max_images = models.PositiveSmallIntegerField(_("图片上限"), null=True, blank=True)
    description_max_chars = models.PositiveIntegerField(_("说明字数上限"), null=True, blank=True)
    once_per_review = models.BooleanField(_("每条评价只能申诉一次"), default=False)
    note = models.CharField(
        _("说明"), max_length=300, blank=True, help_text=_("给法务的提示，如平台规则出处、证据要点。")
    )

    class Meta:
        verbose_name = _("申诉清单")
        verbose_name_plural = _("申诉清单")
        ordering = ["platform", "reason"]
        constraints = [
            *unique_per_layer(["platform", "reason"], "uniq_appeal_checklist_reason_{layer}"),
            one_layer("appeal_checklist"),
        ]

    def __str__(self):
        return f"{self.get_platform_display()} · {self.label} · {self.scope_label}"

    @property
    def label(self) -> str:
        return self.reason_label or str(self.get_reason_display())

    @property
    def evidence_list(self) -> list[str]:
        return [line.strip() for line in self.evidence_required.splitlines() if line.strip()]

    def clean(self):
        if not self.evidence_list:
            raise ValidationError({"evidence_required": _("至少填写一项所需证据。")})


class ContactLimit(PolicyBase):
    """Against harassment (恶意骚扰): attempts per case and quiet hours in which nobody is contacted."""

    platform = models.CharField(
        _("平台"), max_length=16, choices=Platform.choices, blank=True, help_text=_("留空表示所有平台。")
    )
    max_attempts_per_case = models.PositiveSmallIntegerField(_("每案最多联系次数"), default=3)
    min_minutes_between = models.PositiveIntegerField(_("两次联系最短间隔(分钟)"), default=60)
    quiet_start = models.TimeField(_("免打扰开始"), default=dt.time(22, 0))
    quiet_end = models.TimeField(_("免打扰结束"), default=dt.time(8, 0))

    class Meta:
        verbose_name = _("联系限制")
        verbose_name_plural = _("联系限制")
        constraints = [
            *unique_per_layer(["platform"], "uniq_contact_limit_{layer}"),
            one_layer("contact_limit"),
        ]

    def __str__(self):
        return f"{self.get_platform_display() or _('所有平台')} · {self.scope_label}"

    def clean(self):
        if self.max_attempts_per_case == 0:
            raise ValidationError({"max_attempts_per_case": _("每案最多联系次数至少为1。")})
        if self.quiet_start == self.quiet_end:
            raise ValidationError({"quiet_end": _("免打扰开始和结束不能相同。")})
