from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from training.choices import QaStatus
from training.models.modules import SCORE, TrainingModule


class QaRubric(models.Model):
    """A QA scorecard: weighted items; a failed critical item zeroes the review.

    A review feeds ``module`` with the share of reviews at or above ``pass_mark`` (a pass rate,
    like seed 000's 沟通录音合格率); an item that names a module feeds it with its own pass rate.
    """

    name = models.CharField(_("名称"), max_length=64, unique=True)
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qa_rubrics",
        verbose_name=_("计入培训模块"),
        help_text=_("质检合格率计入此模块的成绩；留空表示不计入。"),
    )
    pass_mark = models.DecimalField(
        _("合格分"),
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("总分(百分制)不低于此值的质检记为合格。"),
        **SCORE,
    )
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("质检评分表")
        verbose_name_plural = _("质检评分表")
        ordering = ["name"]

    def __str__(self):
        return self.name


class QaItem(models.Model):
    rubric = models.ForeignKey(
        QaRubric, on_delete=models.CASCADE, related_name="items", verbose_name=_("评分表")
    )
    name = models.CharField(_("评分项"), max_length=64)
    description = models.CharField(_("评分标准"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("权重"), default=10, validators=[MinValueValidator(1)])
    critical = models.BooleanField(_("致命项"), default=False, help_text=_("致命项不合格时整张质检得0分。"))
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qa_items",
        verbose_name=_("计入培训模块"),
        help_text=_("此项的合格率另计入该模块；留空表示不单独计入。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("质检评分项")
        verbose_name_plural = _("质检评分项")
        ordering = ["rubric", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="qa_item_weight_positive"),
            models.UniqueConstraint(fields=["rubric", "name"], name="uniq_qa_item_name"),
        ]

    def __str__(self):
        return self.name


class QaReview(models.Model):
    """A supervisor's QA of one handled case; the agent may dispute once, another supervisor settles."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="qa_reviews", verbose_name=_("案件")
    )
    rubric = models.ForeignKey(
        QaRubric, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("评分表")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qa_reviews_received",
        verbose_name=_("被质检人"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="qa_reviews_given",
        verbose_name=_("质检人"),
    )
    scored_at = models.DateTimeField(_("质检时间"))
    total = models.DecimalField(_("质检得分"), **SCORE)
    critical_failed = models.BooleanField(_("致命项不合格"), default=False)
    comment = models.TextField(_("质检评语"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=QaStatus.choices, default=QaStatus.SCORED)
    dispute_reason = models.TextField(_("申诉理由"), blank=True)
    disputed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("裁定人"),
    )
    settled_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)
    settle_comment = models.TextField(_("裁定意见"), blank=True)
    final_total = models.DecimalField(_("裁定后得分"), null=True, blank=True, **SCORE)
    final_critical_failed = models.BooleanField(_("裁定后致命项不合格"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检记录")
        ordering = ["-scored_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "rubric"], name="uniq_qa_review_case_rubric"),
            models.CheckConstraint(condition=~models.Q(reviewer=models.F("agent")), name="qa_no_self_review"),
            models.CheckConstraint(
                condition=models.Q(settled_by__isnull=True) | ~models.Q(settled_by=models.F("reviewer")),
                name="qa_settler_not_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["agent", "scored_at"], name="qa_agent_scored_idx")]
        permissions = [("settle_qareview", _("可裁定质检申诉"))]

    def __str__(self):
        return f"QA #{self.pk} · {self.agent}"

    @property
    def effective_total(self) -> Decimal:
        return (
            self.final_total
            if self.status == QaStatus.SETTLED and self.final_total is not None
            else self.total
        )

    @property
    def counts(self) -> bool:
        """A disputed review does not count until it is settled."""
        return self.status != QaStatus.DISPUTED


class QaItemResult(models.Model):
    review = models.ForeignKey(
        QaReview, on_delete=models.CASCADE, related_name="results", verbose_name=_("质检记录")
    )
    item = models.ForeignKey(QaItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分项"))
    passed = models.BooleanField(_("合格"))
    settled_passed = models.BooleanField(_("裁定后合格"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("质检评分项结果")
        verbose_name_plural = _("质检评分项结果")
        ordering = ["item__sort_order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="uniq_qa_result_item")]

    def __str__(self):
        return f"{self.item} · {'✓' if self.effective_passed else '✗'}"

    @property
    def effective_passed(self) -> bool:
        return self.passed if self.settled_passed is None else self.settled_passed
