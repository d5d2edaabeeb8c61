"""Satisfaction surveys: the buyer's 1–5 answer after a case, recorded by a supervisor or manager of
the case's shop (not by the agent who handled it), or given by the buyer through a survey link
(``invitation_issue`` gives the link, ``survey_answer_by_buyer`` takes the answer). Both feed the
CSAT-computed module (negotiation) and the dashboard."""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewdesk.access import can_see_shop
from training.errors import TrainingError
from training.models import SatisfactionSurvey, SurveyInvitation
from training.surveys.choices import SurveyChannel, SurveySource
from training.surveys.errors import SurveyError
from training.surveys.tokens import read_token

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
                source=SurveySource.AGENT_ENTRY,
            )
    except IntegrityError:  # a concurrent recording of the same case won
        raise ValidationError(_("该案件已录入过满意度调查。"), code=TrainingError.ALREADY_SURVEYED)


# --- the buyer's own answer through a link ------------------------------------------------------------

COMMENT_MAX = 500
SURVEYED_STATUSES = ("resolved", "closed")  # cases.choices.CaseStatus: a survey follows a resolution


def _answered() -> ValidationError:
    return ValidationError(_("您已经答复过本次调查，感谢您的反馈。"), code=SurveyError.ANSWERED)


def invitation_issue(*, case, channel: str, by=None, now: dt.datetime | None = None) -> SurveyInvitation:
    """The open survey invitation of ``case`` for ``channel``, created if there is none; an expired one
    gets a new nonce and expiry (its old link is dead). ``by`` is who gives the link (None: the system,
    an SMS). Refused for a case not resolved, or already answered. The caller has checked who may."""
    now = now or timezone.now()
    if channel not in SurveyChannel.values:
        raise ValidationError(_("未知的调查渠道。"), code=SurveyError.BAD_CHANNEL)
    if case.status not in SURVEYED_STATUSES:
        raise ValidationError(_("案件解决后才能发出满意度调查。"), code=SurveyError.NOT_RESOLVED)
    expires_at = now + dt.timedelta(days=settings.SURVEY_LINK_DAYS)
    with transaction.atomic():
        if SatisfactionSurvey.objects.filter(case_id=case.pk).exists():
            raise ValidationError(
                _("该案件已有满意度答复，无需再发调查。"), code=TrainingError.ALREADY_SURVEYED
            )
        invitation, created = SurveyInvitation.objects.select_for_update().get_or_create(
            case_id=case.pk,
            channel=channel,
            defaults={"created_at": now, "expires_at": expires_at, "sent_by": by},
        )
        if created:
            return invitation
        if invitation.answered_at is not None:
            raise ValidationError(
                _("该案件已有满意度答复，无需再发调查。"), code=TrainingError.ALREADY_SURVEYED
            )
        if invitation.expires_at <= now:
            invitation.nonce = uuid.uuid4()
            invitation.created_at, invitation.expires_at, invitation.sent_by = now, expires_at, by
            invitation.save(update_fields=["nonce", "created_at", "expires_at", "sent_by"])
        return invitation


def invitation_for_token(token: str, *, now: dt.datetime | None = None, lock: bool = False):
    """The invitation a link's token names, with its case's shop and review joined, or a refusal:
    tampered or retired (LINK_INVALID), answered (ANSWERED, also when the case was answered another
    way), expired (LINK_EXPIRED). A refusal says nothing of the case."""
    now = now or timezone.now()
    invalid = ValidationError(_("链接无效。"), code=SurveyError.LINK_INVALID)
    read = read_token(token)
    if read is None:
        raise invalid
    pk, nonce = read
    rows = SurveyInvitation.objects.select_related("case__shop", "case__review").annotate(
        surveyed=Exists(SatisfactionSurvey.objects.filter(case_id=OuterRef("case_id")))
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(pk=pk).first()
    if invitation is None or invitation.nonce.hex[: len(nonce)] != nonce:
        raise invalid
    if invitation.answered_at is not None or invitation.surveyed:
        raise _answered()
    if now >= invitation.expires_at:
        raise ValidationError(_("链接已过期，感谢您的关注。"), code=SurveyError.LINK_EXPIRED)
    return invitation


def survey_answer_by_buyer(
    *, token: str, score, comment: str = "", now: dt.datetime | None = None
) -> SatisfactionSurvey:
    """The buyer's one answer through the link (no account): the invitation is marked answered and the
    ``SatisfactionSurvey`` row (source buyer_link, nobody recorded it) written in one transaction, so a
    second submission — even at the same moment, or through the case's other link — is refused and
    changes nothing."""
    now = now or timezone.now()
    try:
        number = int(str(score).strip())
    except ValueError:
        number = None
    if number not in SURVEY_SCORES:
        raise ValidationError(_("请选择 1 到 5 分。"), code=TrainingError.BAD_SURVEY)
    comment = str(comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            _("意见最多 %(max)d 字，现在是 %(count)d 字。") % {"max": COMMENT_MAX, "count": len(comment)},
            code=SurveyError.BAD_COMMENT,
        )
    with transaction.atomic():
        invitation = invitation_for_token(token, now=now, lock=True)
        if (
            SurveyInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
                answered_at=now
            )
            != 1
        ):
            raise _answered()
        try:
            with transaction.atomic():
                return SatisfactionSurvey.objects.create(
                    case_id=invitation.case_id,
                    score=number,
                    answered_at=now,
                    comment=comment,
                    recorded_by=None,
                    recorded_at=now,
                    source=SurveySource.BUYER_LINK,
                )
        except IntegrityError:  # the case's other link, or a supervisor's entry, came first
            raise _answered() from None
