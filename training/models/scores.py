from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from training.choices import ScoreSource
from training.models.modules import SCORE, TrainingModule


class Score(models.Model):
    """An agent's result in a module for one period, from one source.

    One row per (agent, module, period, source): entering or importing again replaces the value
    (the history keeps every version). Which row counts is decided in ``training.certification``:
    the latest period that has started, and in it the most recently recorded row.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_scores",
        verbose_name=_("员工"),
    )
    module = models.ForeignKey(
        TrainingModule, on_delete=models.PROTECT, related_name="scores", verbose_name=_("培训模块")
    )
    period = models.CharField(_("周期"), max_length=10)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    value = models.DecimalField(_("成绩"), **SCORE)
    source = models.CharField(_("来源"), max_length=16, choices=ScoreSource.choices)
    sample_size = models.PositiveIntegerField(
        _("样本数"), null=True, blank=True, help_text=_("计算/质检成绩基于的案件或评审数。")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训成绩")
        verbose_name_plural = _("培训成绩")
        ordering = ["-period_start", "module__sort_order", "agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "module", "period", "source"], name="uniq_score_agent_module_period_source"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="score_not_negative"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="score_period_order"
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "module", "-period_start", "-recorded_at"], name="score_latest_idx")
        ]
        permissions = [
            ("enter_scores", _("可录入和导入培训成绩(培训师)")),
            ("export_scores", _("可导出培训成绩")),
        ]

    def __str__(self):
        return f"{self.agent} · {self.module} · {self.period}: {self.value}"


class CertificationLapse(models.Model):
    """An agent who was certified for a module and no longer is; recorded once per lapsed score."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certification_lapses",
        verbose_name=_("员工"),
    )
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="lapses", verbose_name=_("培训模块")
    )
    basis = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="+", verbose_name=_("依据成绩"))
    state = models.CharField(_("状态"), max_length=16)
    reason = models.CharField(_("原因"), max_length=200)
    detected_at = models.DateTimeField(_("发现时间"))
    notified = models.BooleanField(_("已通知主管"), default=False)

    class Meta:
        verbose_name = _("认证失效记录")
        verbose_name_plural = _("认证失效记录")
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "module", "basis"], name="uniq_lapse_per_basis")
        ]

    def __str__(self):
        return f"{self.agent} · {self.module}: {self.reason}"
