"""The routing log (see cases.routing.assign)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Assignment(models.Model):
    """The routing log: every assignment, reassignment and failed routing attempt (with its reason).

    Also the source of "idle longest": a user's last assignment is their newest row here.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("案件")
    )
    from_user = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("原处理人"),
    )
    to_user = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments_received",
        verbose_name=_("新处理人"),
        help_text=_("为空表示没有符合条件的人，案件留在店铺待分配队列。"),
    )
    by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        help_text=_("为空表示系统自动分配。"),
    )
    reason = models.TextField(_("说明"), blank=True)
    refusals = models.JSONField(
        _("候选人情况"),
        default=list,
        blank=True,
        help_text=_("无人可分配时，每位候选人不能接的原因：[{user_id, name, load, problems, reason}]。"),
    )
    overridden = models.JSONField(
        _("越权分配"),
        default=list,
        blank=True,
        help_text=_("主管越过的限制（在办上限、认证）：[{problem, reason}]；为空表示没有越权。"),
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("分配记录")
        verbose_name_plural = _("分配记录")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["to_user", "-created_at"], name="assignment_user_recent"),
            models.Index(fields=["case", "-created_at"], name="assignment_case_recent"),
        ]

    def __str__(self):
        return f"#{self.case_id} → {self.to_user_id or '-'}"
