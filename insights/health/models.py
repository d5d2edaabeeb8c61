"""The DSR scores a platform shows a shop each day, and the per-shop watch that says when to alert."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SCORE = {"max_digits": 5, "decimal_places": 3, "validators": [MinValueValidator(0), MaxValueValidator(5)]}


class DsrMetric(models.TextChoices):
    DESCRIPTION = "description", _("描述相符")
    SERVICE = "service", _("服务态度")
    LOGISTICS = "logistics", _("物流服务")


class DsrSource(models.TextChoices):
    IMPORT = "import", _("后台导出文件")
    CONNECTOR = "connector", _("平台接口")


class DsrScore(models.Model):
    """One score of one shop on one (Asia/Shanghai) day: the platform's figure and the industry average
    it shows beside it. Unique per shop, day and score: an import of the same day replaces its values."""

    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺")
    )
    day = models.DateField(_("日期(北京时间)"))
    metric = models.CharField(_("评分项"), max_length=16, choices=DsrMetric.choices)
    score = models.DecimalField(_("店铺评分"), **SCORE)
    industry_average = models.DecimalField(_("行业均值"), null=True, blank=True, **SCORE)
    source = models.CharField(_("来源"), max_length=16, choices=DsrSource.choices, default=DsrSource.IMPORT)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        verbose_name = _("店铺DSR评分")
        verbose_name_plural = _("店铺DSR评分")
        ordering = ["shop", "metric", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "metric"], name="uniq_dsr_shop_day_metric"),
            models.CheckConstraint(condition=models.Q(score__gte=0, score__lte=5), name="dsr_score_0_5"),
        ]
        indexes = [models.Index(fields=["shop", "metric", "day"], name="insights_dsr_shop_metric_day")]

    def __str__(self):
        return f"{self.shop_id} {self.day} {self.metric} {self.score}"


class HealthWatch(models.Model):
    """When a shop's managers hear of its DSR: a score below the industry average, and a score that
    fell by at least ``drop_step`` from the day before it was recorded. A row without a shop is the
    default of every shop without its own."""

    shop = models.OneToOneField(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示所有没有单独设置的店铺的默认值。"),
    )
    alert_below_average = models.BooleanField(_("低于行业均值时提醒"), default=True)
    drop_step = models.DecimalField(
        _("单日下降提醒幅度"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.020"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(5)],
        help_text=_("某项评分比上一次记录下降达到此幅度即提醒，如 0.02。"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("店铺健康提醒")
        verbose_name_plural = _("店铺健康提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(shop__isnull=True, active=True),
                name="one_default_health_watch",
            ),
            models.CheckConstraint(
                condition=models.Q(drop_step__gt=0), name="health_watch_drop_step_positive"
            ),
        ]

    def __str__(self):
        return str(self.shop) if self.shop_id else str(_("所有店铺(默认)"))
