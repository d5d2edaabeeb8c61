"""The payout snapshot taken when a period is locked: one row per agent, as exported then. A lock of
the whole period writes rows without a shop; a lock of one shop (PeriodShopLock) writes that shop's
rows, over the entries that belong to it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incentives.models.ledger import AMOUNT


class PayoutLine(models.Model):
    period = models.ForeignKey(
        "incentives.Period", on_delete=models.PROTECT, related_name="payout_lines", verbose_name=_("期间")
    )
    user = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("员工")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("锁定店铺"),
        help_text=_("按店铺锁定时的店铺；留空表示整个期间锁定时的快照。"),
    )
    employee_code = models.CharField(_("工号"), max_length=32, blank=True)
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    shops = models.CharField(_("店铺"), max_length=500, blank=True)
    conversions = models.IntegerField(_("转化数"))
    bonus_cny = models.DecimalField(_("奖金(元)"), **AMOUNT)
    points_earned = models.DecimalField(_("获得积分"), **AMOUNT)
    points_redeemed = models.DecimalField(_("兑换积分"), **AMOUNT)
    points_balance = models.DecimalField(_("积分余额"), **AMOUNT)
    leave_days = models.DecimalField(_("带薪假(天)"), **AMOUNT)
    adjustments_cny = models.DecimalField(_("调整(元)"), **AMOUNT)
    total_payable = models.DecimalField(_("应发合计(元)"), **AMOUNT)
    created_at = models.DateTimeField(_("快照时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结算快照行")
        verbose_name_plural = _("结算快照")
        ordering = ["period", "employee_code", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "user"], condition=Q(shop__isnull=True), name="incentive_payout_line_unique"
            ),
            models.UniqueConstraint(
                fields=["period", "user", "shop"],
                condition=Q(shop__isnull=False),
                name="incentive_payout_line_shop_unique",
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.employee_code}"
