from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import AmountFormula, OptionKind
from policies.models.base import PolicyBase, one_layer, unique_per_layer
from policies.models.classification import IssueType
from reviewdesk.choices import Role
from reviewdesk.money import MONEY

NON_NEGATIVE = [MinValueValidator(Decimal("0"), message=_("金额不能为负数。"))]


class CustomerTier(PolicyBase):
    """A buyer segment (seed 000): VIP by annual spend, new, silent, ordinary. First match by priority."""

    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True, help_text=_("界面为英文时显示。"))
    min_annual_spend = models.DecimalField(
        _("年消费不低于(元)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    max_order_count = models.PositiveIntegerField(_("历史订单数不超过"), null=True, blank=True)
    min_days_since_last_order = models.PositiveIntegerField(_("距上次下单不少于(天)"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("优先级"), default=100, help_text=_("数字小的先匹配；条件全空的为兜底。")
    )

    class Meta:
        verbose_name = _("客户分层")
        verbose_name_plural = _("客户分层")
        ordering = ["priority", "pk"]
        constraints = [
            *unique_per_layer(["code"], "uniq_tier_code_{layer}"),
            one_layer("customer_tier"),
        ]

    def __str__(self):
        return self.name

    def label(self, language: str = "zh-hans") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class CompensationRule(PolicyBase):
    """Issue type × order-amount band × customer tier → options. Empty fields match anything.

    Bands are (lower, upper]: an amount equal to a band's upper bound belongs to that band, the
    first band of a group starts at 0 inclusive. Within one group (scope, issue type, tier) the
    bands must neither overlap nor leave a gap.
    """

    name = models.CharField(_("名称"), max_length=64)
    issue_type = models.ForeignKey(
        IssueType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensation_rules",
        verbose_name=_("问题类型"),
    )
    customer_tier = models.ForeignKey(
        CustomerTier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compensation_rules",
        verbose_name=_("客户分层"),
    )
    amount_above = models.DecimalField(
        _("订单金额高于(元)"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("留空表示从0起(含0)。"),
        **MONEY,
    )
    amount_up_to = models.DecimalField(
        _("订单金额不超过(元)"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("留空表示无上限。"),
        **MONEY,
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("补偿规则")
        verbose_name_plural = _("补偿规则")
        ordering = ["priority", "pk"]
        constraints = [one_layer("compensation_rule")]

    def __str__(self):
        return self.name

    @property
    def band_label(self) -> str:
        low = f"{self.amount_above}" if self.amount_above is not None else "0"
        high = f"{self.amount_up_to}" if self.amount_up_to is not None else "∞"
        return f"({low}, {high}]"

    def contains(self, amount: Decimal) -> bool:
        low_ok = amount >= 0 if self.amount_above is None else amount > self.amount_above
        return low_ok and (self.amount_up_to is None or amount <= self.amount_up_to)

    def clean(self):
        if (
            self.amount_above is not None
            and self.amount_up_to is not None
            and self.amount_up_to <= self.amount_above
        ):
            raise ValidationError({"amount_up_to": _("金额上限必须大于下限。")})
        if not self.active:
            return
        siblings = list(
            CompensationRule.objects.filter(
                shop_id=self.shop_id,
                client_id=self.client_id,
                issue_type_id=self.issue_type_id,
                customer_tier_id=self.customer_tier_id,
                active=True,
            ).exclude(pk=self.pk)
        )
        problem = band_problem(siblings + [self])
        if problem:
            raise ValidationError(problem, code="band_overlap_or_gap")


def band_problem(rules: list["CompensationRule"]) -> str | None:
    """Why the bands of one group do not tile [0, ∞) without overlap, or None when they do.

    A group that stops below infinity is fine (amounts above simply match nothing in it); a gap
    *between* bands or an overlap is not.
    """
    if len(rules) <= 1:
        return None
    ordered = sorted(rules, key=lambda r: (r.amount_above is not None, r.amount_above or Decimal(0)))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.amount_up_to is None:
            return str(
                _("金额区间重叠：%(a)s %(ab)s 没有上限，与 %(b)s %(bb)s 重叠。")
                % {"a": before.name, "ab": before.band_label, "b": after.name, "bb": after.band_label}
            )
        after_low = after.amount_above if after.amount_above is not None else Decimal(0)
        if after.amount_above is None or after_low < before.amount_up_to:
            return str(
                _("金额区间重叠：%(a)s %(ab)s 与 %(b)s %(bb)s。")
                % {"a": before.name, "ab": before.band_label, "b": after.name, "bb": after.band_label}
            )
        if after_low > before.amount_up_to:
            return str(
                _("金额区间有缺口：%(a)s %(ab)s 与 %(b)s %(bb)s 之间的金额没有规则。")
                % {"a": before.name, "ab": before.band_label, "b": after.name, "bb": after.band_label}
            )
    return None


class CompensationOption(models.Model):
    """One option of a rule with its amount formula, cost cap and the role that approves above it."""

    rule = models.ForeignKey(
        CompensationRule, on_delete=models.CASCADE, related_name="options", verbose_name=_("补偿规则")
    )
    name = models.CharField(_("方案名称"), max_length=100)
    kind = models.CharField(_("方案类型"), max_length=32, choices=OptionKind.choices)
    formula = models.CharField(
        _("金额公式"), max_length=32, choices=AmountFormula.choices, default=AmountFormula.FIXED
    )
    value = models.DecimalField(
        _("公式参数"),
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text=_("固定金额(元)、百分比(如10表示10%)或运费倍数(如1.5)。"),
        **MONEY,
    )
    extra_coupon = models.DecimalField(
        _("附加优惠券(元)"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    cost_cap = models.DecimalField(
        _("成本上限(元)"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("超过上限需审批；留空表示不限。"),
        **MONEY,
    )
    clamp_to_cap = models.BooleanField(
        _("按上限封顶"), default=False, help_text=_("勾选后金额直接封顶为上限(如VIP礼包≤30元)，不再走审批。")
    )
    approval_role = models.CharField(
        _("超上限审批角色"), max_length=16, choices=Role.choices, default=Role.SUPERVISOR
    )
    always_requires_approval = models.BooleanField(_("总是需要审批"), default=False)
    expected_acceptance = models.PositiveSmallIntegerField(_("预期接受率(%)"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("补偿方案")
        verbose_name_plural = _("补偿方案")
        ordering = ["rule", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="comp_option_value_non_negative"),
            models.CheckConstraint(
                condition=models.Q(extra_coupon__gte=0), name="comp_option_coupon_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(cost_cap__isnull=True) | models.Q(cost_cap__gte=0),
                name="comp_option_cap_non_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.formula == AmountFormula.PERCENT_OF_ORDER and self.value is not None and self.value > 100:
            raise ValidationError({"value": _("百分比不能超过100。")})
        if self.clamp_to_cap and self.cost_cap is None:
            raise ValidationError({"cost_cap": _("勾选“按上限封顶”时必须填写成本上限。")})
        if self.expected_acceptance is not None and self.expected_acceptance > 100:
            raise ValidationError({"expected_acceptance": _("接受率不能超过100%。")})
