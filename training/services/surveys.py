"""Satisfaction surveys: the buyer's 1–5 answer after a case, recorded by a supervisor or manager of
the case's shop (not by the agent who handled it). They feed the CSAT-computed module (negotiation)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewdesk.access import can_see_shop
from training.errors import TrainingError
from training.models import SatisfactionSurvey

SURVEY_SCORES = range(1, 6)


def survey_validate(*, case, score, answered_at: dt.datetime, by, now: dt.datetime | None = None) -> int:
    """Checks a survey answer without writing; raises a ValidationError with a Chinese message."""
    now = now or timezone.now()
    if not by.has_perm("training.add_satisfactionsurvey") or not can_see_shop(by, case.shop_id):
        raise ValidationError(_("你无权为该案件录入满意度调查。"), code=TrainingError.NOT_ALLOWED)
    if case.assignee_id is None:
        raise ValidationError(
            _("该案件没有处理人，无法录入满意度调查。"), code=TrainingError.CASE_NOT_HANDLED
        )
    if case.assignee_id == by.pk:
        raise ValidationError(_("处理人不能为自己的案件录入满意度调查。"), code=TrainingError.SELF_REVIEW)
    try:
        number = int(str(score).strip())
    except ValueError:
        number = None
    if number not in SURVEY_SCORES:
        raise ValidationError(
            _("满意度“%(score)s”无效：应为 1 到 5 的整数。") % {"score": score}, code=TrainingError.BAD_SURVEY
        )
    if answered_at < case.opened_at or answered_at > now:
        raise ValidationError(_("买家答复时间应在开案之后、当前时间之前。"), code=TrainingError.BAD_SURVEY)
    if SatisfactionSurvey.objects.filter(case=case).exists():
        raise ValidationError(_("该案件已录入过满意度调查。"), code=TrainingError.ALREADY_SURVEYED)
    return number


def survey_record(
    *, case, score, answered_at: dt.datetime, by, comment: str = "", now: dt.datetime | None = None
) -> SatisfactionSurvey:
    """Records one survey answer; bad input raises and writes nothing. The next
    ``compute_training_scores`` of the period counts it."""
    now = now or timezone.now()
    number = survey_validate(case=case, score=score, answered_at=answered_at, by=by, now=now)
    try:
        with transaction.atomic():
            return SatisfactionSurvey.objects.create(
                case=case,
                score=number,
                answered_at=answered_at,
                comment=comment.strip(),
                recorded_by=by,
                recorded_at=now,
            )
    except IntegrityError:  # a concurrent recording of the same case won
        raise ValidationError(_("该案件已录入过满意度调查。"), code=TrainingError.ALREADY_SURVEYED)
