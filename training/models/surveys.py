import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.surveys.choices import SurveyChannel, SurveySource


class SatisfactionSurvey(models.Model):
    """The buyer's answer to the satisfaction survey after a case (1–5), the CSAT source of the
    negotiation module. One per case: typed in by a supervisor (``survey_record``, source agent_entry) or
    given by the buyer through the survey link (``survey_answer_by_buyer``, source buyer_link, nobody
    recorded it)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="satisfaction_survey", verbose_name=_("案件")
    )
    score = models.PositiveSmallIntegerField(_("满意度(1–5分)"))
    answered_at = models.DateTimeField(_("买家答复时间"))
    comment = models.CharField(_("买家意见"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"))
    source = models.CharField(
        _("来源"), max_length=16, choices=SurveySource.choices, default=SurveySource.AGENT_ENTRY
    )

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-answered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
            # A typed-in answer names who typed it; the buyer's own answer has nobody.
            models.CheckConstraint(
                condition=models.Q(source=SurveySource.BUYER_LINK, recorded_by__isnull=True)
                | models.Q(source=SurveySource.AGENT_ENTRY, recorded_by__isnull=False),
                name="survey_source_recorded_by",
            ),
        ]
        indexes = [models.Index(fields=["answered_at"], name="survey_answered_idx")]

    def __str__(self):
        return f"#{self.case_id} · {self.score}"


class SurveyInvitation(models.Model):
    """A survey link given to the buyer of a resolved case, one per case and channel. The link carries
    the row's id and ``nonce``, signed (``training.surveys.tokens``); the row decides expiry and use.
    Giving the link again after it expired draws a new nonce and expiry (the old link is dead)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="survey_invitations", verbose_name=_("案件")
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=SurveyChannel.choices)
    nonce = models.UUIDField(_("链接标识"), default=uuid.uuid4)
    created_at = models.DateTimeField(_("生成时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发出人"),
    )

    class Meta:
        verbose_name = _("满意度调查邀请")
        verbose_name_plural = _("满意度调查邀请")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "channel"], name="uniq_survey_invitation_case_channel")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="survey_invitation_remind",
                condition=models.Q(answered_at__isnull=True, reminder_sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"#{self.case_id} · {self.channel}"
