from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SatisfactionSurvey(models.Model):
    """The buyer's answer to the satisfaction survey after a case (1–5), the CSAT source of the
    negotiation module. One per case; recorded through ``training.services.survey_record``."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="satisfaction_survey", verbose_name=_("案件")
    )
    score = models.PositiveSmallIntegerField(_("满意度(1–5分)"))
    answered_at = models.DateTimeField(_("买家答复时间"))
    comment = models.CharField(_("买家意见"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-answered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["answered_at"], name="survey_answered_idx")]

    def __str__(self):
        return f"#{self.case_id} · {self.score}"
