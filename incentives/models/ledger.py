"""Periods, accounts and the append-only ledger.

Amounts: one ``Decimal(14, 2)`` column for every unit. CNY uses both decimals; points are whole
numbers (the services refuse fractions, so a points amount always has ``.00``); leave days may be
halves (``0.5``). UPDATE and DELETE of entries are refused by database triggers, and so is an INSERT
into a locked period (migration 0002): the model has no code path that edits an entry.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.choices import DisputeStatus, EntryKind, PeriodStatus, Unit

AMOUNT = {"max_digits": 14, "decimal_places": 2}


class Period(models.Model):
    """A calendar month (Asia/Shanghai). Quarters are groups of three months, never rows."""

    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    code = models.CharField(_("期间"), max_length=7, unique=True, help_text=_("如 2026-11。"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), help_text=_("含当日。"))
    status = models.CharField(
        _("状态"), max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("锁定人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结算期间")
        verbose_name_plural = _("结算期间")
        ordering = ["year", "month"]
        permissions = [("lock_period", _("可锁定结算期间")), ("export_payouts", _("可导出薪酬"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="incentive_period_month_unique"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="incentive_period_month_range"
            ),
            models.CheckConstraint(
                condition=Q(status=PeriodStatus.OPEN) | Q(locked_at__isnull=False),
                name="incentive_period_locked_has_time",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def quarter_code(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    def start_datetime(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.starts_on, dt.time.min))


class PeriodShopLock(models.Model):
    """A period locked for one shop only (an HR of some shops locks what its shops cover).

    The period itself stays open for the other shops; the ``Period.status`` lock (every shop at once)
    is for who sees every shop. An entry belongs to one shop (``services.scope``): ``entry_post`` moves
    an entry of a locked shop to that shop's next open month, and the lock's payout snapshot is taken
    in the same transaction (``PayoutLine.shop``)."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="shop_locks", verbose_name=_("期间")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺")
    )
    locked_at = models.DateTimeField(_("锁定时间"), default=timezone.now)
    locked_by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("锁定人")
    )

    class Meta:
        verbose_name = _("店铺结算锁定")
        verbose_name_plural = _("店铺结算锁定")
        ordering = ["period", "shop_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "shop"], name="incentive_period_shop_lock_unique")
        ]

    def __str__(self):
        return f"{self.period} · {self.shop_id}"


class Account(models.Model):
    """One per agent per unit. The balance is the sum of its entries (never a stored column)."""

    user = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="incentive_accounts", verbose_name=_("员工")
    )
    unit = models.CharField(_("单位"), max_length=12, choices=Unit.choices)
    created_at = models.DateTimeField(_("开户时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("激励账户")
        verbose_name_plural = _("激励账户")
        ordering = ["user_id", "unit"]
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="incentive_account_user_unit")]

    def __str__(self):
        return f"{self.user} · {self.get_unit_display()}"


class LedgerEntry(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("账户")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="entries", verbose_name=_("期间")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额/数量"), **AMOUNT)
    # --- cause ------------------------------------------------------------------------------------
    rule = models.ForeignKey(
        "incentives.AwardRule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("规则"),
    )
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    case_ref = models.PositiveBigIntegerField(_("案件ID"), null=True, blank=True, db_index=True)
    event = models.CharField(_("事件"), max_length=40, blank=True)
    subject_ref = models.CharField(
        _("来源对象"), max_length=64, blank=True, help_text=_("如质检记录ID、KPI期间。")
    )
    note = models.TextField(_("说明"), blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("冲正的原分录"),
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记账人"),
    )
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="incentive_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="incentive_entry_reversal_points_back",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "account"], name="incentive_entry_period_acct"),
            models.Index(fields=["account", "period"], name="incentive_entry_acct_period"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.idempotency_key})"


class Dispute(models.Model):
    """An agent questions an entry; a manager resolves it with an adjustment in the next open period.

    An adjustment above the unit's threshold (``AdjustmentLimit``) is first proposed (``proposed_*``,
    status ``awaiting``) and posted only when a second person, neither the agent nor the proposer,
    confirms the same amount."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("分录")
    )
    raised_by = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉人")
    )
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)
    adjustment = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolves_dispute",
        verbose_name=_("调整分录"),
    )
    proposed_amount = models.DecimalField(_("拟调整金额"), null=True, blank=True, **AMOUNT)
    proposed_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第一审批人"),
    )
    proposed_at = models.DateTimeField(_("提议时间"), null=True, blank=True)
    proposed_note = models.TextField(_("提议说明"), blank=True)

    class Meta:
        verbose_name = _("分录申诉")
        verbose_name_plural = _("分录申诉")
        ordering = ["-created_at", "-pk"]
        permissions = [("resolve_dispute", _("可处理分录申诉"))]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status__in=[DisputeStatus.OPEN, DisputeStatus.AWAITING_SECOND]),
                name="incentive_one_open_dispute",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.entry_id}"
