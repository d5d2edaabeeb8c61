"""The reward catalogue for points and agents' redemption requests."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incentives.choices import RedemptionStatus, RewardCategory


class RewardItem(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=RewardCategory.choices)
    point_price = models.PositiveIntegerField(_("所需积分"))
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("上架"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("积分兑换项目")
        verbose_name_plural = _("积分兑换项目")
        ordering = ["category", "point_price", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(point_price__gt=0), name="incentive_reward_price_positive")
        ]

    def __str__(self):
        return f"{self.name} ({self.point_price})"


class Redemption(models.Model):
    """requested → approved (points debited then) | rejected | cancelled (by the agent)."""

    agent = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("员工")
    )
    item = models.ForeignKey(
        RewardItem, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("兑换项目")
    )
    points = models.PositiveIntegerField(_("积分"), help_text=_("申请时的价格。"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RedemptionStatus.choices, default=RedemptionStatus.REQUESTED
    )
    note = models.TextField(_("备注"), blank=True)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    entry = models.OneToOneField(
        "incentives.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemption",
        verbose_name=_("扣减分录"),
    )

    class Meta:
        verbose_name = _("积分兑换申请")
        verbose_name_plural = _("积分兑换申请")
        ordering = ["-requested_at", "-pk"]
        permissions = [("decide_redemption", _("可审批积分兑换"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=RedemptionStatus.APPROVED, entry__isnull=False)
                | (~Q(status=RedemptionStatus.APPROVED) & Q(entry__isnull=True)),
                name="incentive_redemption_approved_has_entry",
            ),
        ]

    def __str__(self):
        return f"{self.agent} · {self.item.name}"
