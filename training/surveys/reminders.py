"""One reminder at most per survey link: the hourly sweep (django-q2 schedule of training migration
0005) marks each unanswered, still valid link given ``SURVEY_REMINDER_AFTER_HOURS`` ago and tells
``training.surveys.signals.survey_reminder_due`` after commit; whoever sends (outreach's SMS) listens.
The mark is written before anyone hears, under ``SKIP LOCKED``: two sweeps at once, or a sweep run
again, never remind twice."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from training.models import SatisfactionSurvey, SurveyInvitation
from training.surveys.links import link_for
from training.surveys.signals import survey_reminder_due

logger = logging.getLogger(__name__)
BATCH = 500


def survey_reminders_mark(*, now: dt.datetime | None = None) -> list[int]:
    """Marks the invitations due their reminder (one batch) and returns their ids; the event for each is
    sent after the commit."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.SURVEY_REMINDER_AFTER_HOURS)
    with transaction.atomic():
        due = list(
            SurveyInvitation.objects.filter(
                answered_at__isnull=True,
                reminder_sent_at__isnull=True,
                created_at__lte=cutoff,
                expires_at__gt=now,
            )
            .exclude(case_id__in=SatisfactionSurvey.objects.values("case_id"))
            .select_for_update(skip_locked=True)
            .order_by("created_at", "pk")[:BATCH]
        )
        SurveyInvitation.objects.filter(pk__in=[i.pk for i in due], reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        events = [
            {"invitation_id": i.pk, "case_id": i.case_id, "channel": i.channel, "url": link_for(i)}
            for i in due
        ]
        transaction.on_commit(lambda: _tell(events))
    return [event["invitation_id"] for event in events]


def _tell(events: list[dict]) -> None:
    for event in events:
        survey_reminder_due.send_robust(sender=SurveyInvitation, **event)


def survey_reminder_task() -> int:
    """django-q2 entry point: every batch due, until none is left."""
    total = 0
    while marked := survey_reminders_mark():
        total += len(marked)
        if len(marked) < BATCH:
            break
    if total:
        logger.info("survey reminders due: %d", total)
    return total
