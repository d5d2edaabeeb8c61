"""Award rules (admin-edited, versioned) and awards a rule matched but withheld, with the reason."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incentives.choices import AwardEvent, Unit
from policies.models.base import PolicyBase, one_layer, split_codes, validate_platform_list
from reviewdesk.money import MONEY


class AwardRule(PolicyBase):
    """Event → award. ``version`` (from PolicyBase) counts edits; each entry records the version that paid it.

    Filters: platforms, layer (PolicyBase: a shop's rule pays in that shop, a client's in the client's
    shops, a global one everywhere; every rule that matches pays, ``services.awards.matching_rules``),
    customer tiers. Caps count the awards of this rule per agent per period. ``top_n`` and ``leave_days`` serve the quarterly ranking.
    """

    code = models.SlugField(_("规则代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    event = models.CharField(_("触发事件"), max_length=32, choices=AwardEvent.choices)
    amount = models.DecimalField(_("奖金(元)"), max_digits=10, decimal_places=2, null=True, blank=True)
    points = models.PositiveIntegerField(_("积分"), null=True, blank=True)
    leave_days = models.DecimalField(_("带薪假(天)"), max_digits=4, decimal_places=1, null=True, blank=True)
    platforms = models.CharField(
        _("适用平台"),
        max_length=100,
        blank=True,
        validators=[validate_platform_list],
        help_text=_("平台代码，逗号分隔；留空表示所有平台。"),
    )
    tiers = models.CharField(
        _("适用客户分层"), max_length=200, blank=True, help_text=_("客户分层代码，逗号分隔；留空表示不限。")
    )
    min_score = models.DecimalField(
        _("最低分"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("质检得分类规则：得分不低于此值才奖励。"),
    )
    top_n = models.PositiveSmallIntegerField(
        _("名次"), null=True, blank=True, help_text=_("季度排名类规则：前几名获奖。")
    )
    cap_per_period = models.PositiveIntegerField(
        _("每人每期上限(次)"),
        null=True,
        blank=True,
        help_text=_("同一员工同一期间内本规则最多奖励几次；留空不限。"),
    )
    effective_from = models.DateField(_("生效日期"))
    effective_until = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("含当日；留空表示长期有效。")
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("奖励规则")
        verbose_name_plural = _("奖励规则")
        ordering = ["event", "code"]
        constraints = [one_layer("incentive_award_rule")]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def platform_list(self) -> list[str]:
        return split_codes(self.platforms)

    @property
    def tier_list(self) -> list[str]:
        return split_codes(self.tiers)

    def clean(self):
        errors = {}
        if self.event == AwardEvent.QUARTER_TOP:
            if not self.leave_days or not self.top_n:
                errors["leave_days"] = _("季度排名规则需要填写名次和带薪假天数。")
        elif not self.amount and not self.points:
            errors["amount"] = _("奖金和积分至少填写一项。")
        if self.amount is not None and self.amount < 0:
            errors["amount"] = _("奖金不能为负数；更正请使用冲正或调整。")
        if self.event == AwardEvent.QA_SCORE and self.min_score is None:
            errors["min_score"] = _("质检得分规则需要填写最低分。")
        if self.effective_until and self.effective_from and self.effective_until < self.effective_from:
            errors["effective_until"] = _("失效日期不能早于生效日期。")
        if errors:
            raise ValidationError(errors)


class WithheldAward(models.Model):
    """A rule matched but paid nothing (compliance violation, cap reached, …): the manager sees why."""

    agent = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("员工"),
    )
    rule = models.ForeignKey(
        AwardRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withheld",
        verbose_name=_("规则"),
    )
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    event = models.CharField(_("事件"), max_length=40)
    case_ref = models.PositiveBigIntegerField(_("案件ID"), null=True, blank=True, db_index=True)
    subject_ref = models.CharField(_("来源对象"), max_length=64, blank=True)
    reason_code = models.CharField(_("原因代码"), max_length=40)
    reason = models.TextField(_("原因"))
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("未发放的奖励")
        verbose_name_plural = _("未发放的奖励")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        event = dict(AwardEvent.choices).get(self.event, self.event)
        return f"{event} #{self.case_ref or self.subject_ref}: {self.reason[:40]}"


class AdjustmentLimit(models.Model):
    """How far a dispute may adjust the ledger, per unit: never beyond ``cap`` (either sign), and above
    ``second_approval_above`` only once a second person confirms the first approver's amount. A unit
    without a row uses ``DEFAULTS`` (the same values migration 0006 seeds), so there is always a cap."""

    DEFAULTS = {
        Unit.CNY: (Decimal("2000.00"), Decimal("500.00")),
        Unit.POINTS: (Decimal("5000.00"), Decimal("1000.00")),
        Unit.LEAVE_DAYS: (Decimal("3.00"), Decimal("1.00")),
    }

    unit = models.CharField(_("单位"), max_length=12, choices=Unit.choices, unique=True)
    cap = models.DecimalField(
        _("单笔调整上限"),
        **MONEY,
        help_text=_("一次申诉调整的绝对值上限(补发或扣回)。"),
    )
    second_approval_above = models.DecimalField(
        _("须第二人复核的金额"),
        **MONEY,
        help_text=_("调整绝对值超过此值时，须由申诉人和第一位审批人以外的另一人确认后才记账。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申诉调整限额")
        verbose_name_plural = _("申诉调整限额")
        ordering = ["unit"]
        constraints = [
            models.CheckConstraint(condition=Q(cap__gt=0), name="incentive_adjustment_cap_positive"),
            models.CheckConstraint(
                condition=Q(second_approval_above__gte=0, second_approval_above__lte=F("cap")),
                name="incentive_adjustment_threshold_within_cap",
            ),
        ]

    def __str__(self):
        return f"{self.get_unit_display()} ≤ {self.cap}"

    @classmethod
    def for_unit(cls, unit: str) -> "AdjustmentLimit":
        limit = cls.objects.filter(unit=unit).first()
        if limit is None:
            cap, threshold = cls.DEFAULTS.get(unit, cls.DEFAULTS[Unit.CNY])
            limit = cls(unit=unit, cap=cap, second_approval_above=threshold)
        return limit

    def clean(self):
        if (
            self.cap is not None
            and self.second_approval_above is not None
            and self.second_approval_above > self.cap
        ):
            raise ValidationError({"second_approval_above": _("复核金额不能高于单笔调整上限。")})
