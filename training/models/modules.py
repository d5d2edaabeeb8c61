from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reviewdesk.choices import Role
from training.choices import Comparison, ComputedMetric, ModuleFormat, PeriodKind

SCORE = {"max_digits": 9, "decimal_places": 2}


class TrainingModule(models.Model):
    """One line of the training matrix: how an ability is measured and what counts as a pass."""

    code = models.SlugField(
        _("代码"), max_length=32, unique=True, help_text=_("导入文件里用来指明模块的短代码。")
    )
    name = models.CharField(_("名称"), max_length=64)
    format = models.CharField(_("培训形式"), max_length=16, choices=ModuleFormat.choices)
    kpi = models.CharField(_("考核指标"), max_length=100)
    unit = models.CharField(_("单位"), max_length=8, default="%", blank=True)
    threshold = models.DecimalField(_("达标线"), validators=[MinValueValidator(Decimal("0"))], **SCORE)
    comparison = models.CharField(
        _("比较方式"), max_length=4, choices=Comparison.choices, default=Comparison.GTE
    )
    max_value = models.DecimalField(
        _("成绩上限"),
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("成绩必须在0到此值之间(百分比填100)。"),
        **SCORE,
    )
    period_kind = models.CharField(
        _("考核周期"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.MONTHLY
    )
    validity_days = models.PositiveIntegerField(
        _("有效期(天)"), default=90, help_text=_("从成绩所属周期结束之日起，达标成绩在此天数内有效。")
    )
    computed_metric = models.CharField(
        _("由案件计算的指标"),
        max_length=32,
        choices=ComputedMetric.choices,
        blank=True,
        help_text=_("留空表示只由培训师录入、导入或质检得出。"),
    )
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训模块")
        verbose_name_plural = _("培训模块")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__lte=models.F("max_value")), name="module_threshold_within_max"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.threshold is not None and self.max_value is not None and self.threshold > self.max_value:
            raise ValidationError({"threshold": _("达标线不能高于成绩上限。")})

    def passes(self, value: Decimal) -> bool:
        """Exactly at the threshold passes, in either direction."""
        return value >= self.threshold if self.comparison == Comparison.GTE else value <= self.threshold

    @property
    def threshold_label(self) -> str:
        sign = "≥" if self.comparison == Comparison.GTE else "≤"
        return f"{sign} {self.threshold.normalize():f}{self.unit}"


class ModuleRequirement(models.Model):
    """Policy: which modules a user must have passed to be routed a case of a role / issue type."""

    module = models.ForeignKey(
        TrainingModule, on_delete=models.PROTECT, related_name="requirements", verbose_name=_("培训模块")
    )
    handling_role = models.CharField(
        _("处理角色"), max_length=16, choices=Role.choices, blank=True, help_text=_("留空表示任何处理角色。")
    )
    issue_type = models.ForeignKey(
        "policies.IssueType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("问题类型"),
        help_text=_("留空表示任何问题类型。"),
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示所有店铺。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("上岗认证要求")
        verbose_name_plural = _("上岗认证要求")
        ordering = ["module__sort_order", "pk"]

    def __str__(self):
        role = self.get_handling_role_display() if self.handling_role else _("任何角色")
        issue = self.issue_type or _("任何问题类型")
        return f"{role} / {issue} → {self.module}"

    def clean(self):
        clash = ModuleRequirement.objects.filter(
            module_id=self.module_id,
            handling_role=self.handling_role,
            issue_type_id=self.issue_type_id,
            shop_id=self.shop_id,
        ).exclude(pk=self.pk)
        if self.module_id and clash.exists():
            raise ValidationError(_("同一模块、处理角色、问题类型和店铺的要求已存在。"))
