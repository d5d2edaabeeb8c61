"""The survey link's one reminder by SMS: training's hourly sweep marks each unanswered link once and says
so (``training.surveys.signals.survey_reminder_due``); for a link first sent by SMS, this sends the shop's
survey template again with the same link. Best effort by design: the mark is the "at most one" (written
before anyone hears), so a reminder refused now (quiet hours, an opt-out, no account) is not tried again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from cases.workflow.compose import policy_for, reply_context
from outreach.choices import SmsPurpose
from outreach.models import SmsMessage
from outreach.services.buyer import _account_and_template, _buyer_phone, _check_timing
from outreach.services.dispatch import sms_queue

logger = logging.getLogger(__name__)


def survey_reminder_sms(
    *, invitation_id: int, case_id: int, channel: str, url: str, now: dt.datetime | None = None, **_
) -> SmsMessage | None:
    """Queue the reminder of an SMS survey link (None: not an SMS link, or refused — logged)."""
    if channel != "sms":
        return None  # a chat link is the agent's to paste again
    now = now or timezone.now()
    case = Case.objects.select_related("shop", "review").get(pk=case_id)
    try:
        account, template = _account_and_template(case, purpose=SmsPurpose.SURVEY)
        phone = _buyer_phone(case)
        policy = policy_for(case)
        _check_timing(case, policy, now)
        context = reply_context(case, policy=policy) | {"survey_url": url}
        with transaction.atomic():
            return sms_queue(
                account=account,
                shop=case.shop,
                phone=phone,
                template=template,
                context=context,
                purpose=SmsPurpose.SURVEY,
                idempotency_key=f"survey-reminder:{invitation_id}",
                platform=case.platform,
                case=case,
                now=now,
            )
    except ValidationError as refusal:
        logger.info("survey reminder %s of case %s not sent: %s", invitation_id, case_id, refusal.messages[0])
        return None


def on_survey_reminder_due(sender, **event) -> None:
    survey_reminder_sms(**event)
