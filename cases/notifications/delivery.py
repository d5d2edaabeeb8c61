"""Send one Delivery and record the outcome; failures are retried with exponential backoff.

A delivery is locked (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL) while it is sent, so the
task enqueued after commit and the retry sweep of another cluster never send it twice. Backoff:
30 s, 1 min, 2 min, 4 min, … capped at 1 h; after ``NOTIFY_MAX_ATTEMPTS`` (default 6) attempts the
delivery is FAILED and stays visible to managers in the admin (filter by status).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.notifications.choices import ChannelKind, DeliveryStatus
from cases.notifications.dingtalk import dingtalk_send
from cases.notifications.email import email_send
from cases.notifications.feishu import feishu_send
from cases.notifications.http import DeliveryError
from cases.notifications.messages import Message
from cases.notifications.sms import sms_send

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
ENQUEUE_CHUNK = 50


def max_attempts() -> int:
    return settings.NOTIFY_MAX_ATTEMPTS


def backoff_delay(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failed tries (1 → 30 s, 2 → 60 s, …)."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def channel_send(
    *, kind: str, webhook_url: str, secret: str, recipients: list[str], message: Message, delivery=None
) -> None:
    now = time.time()
    if kind == ChannelKind.SMS:  # the supervisors' numbers live with the SMS accounts (outreach)
        sms_send(delivery=delivery)
        return
    if kind == ChannelKind.FEISHU:
        feishu_send(webhook_url=webhook_url, secret=secret, message=message, timestamp=int(now))
    elif kind == ChannelKind.DINGTALK:
        dingtalk_send(webhook_url=webhook_url, secret=secret, message=message, timestamp_ms=int(now * 1000))
    elif kind == ChannelKind.EMAIL:
        email_send(recipients=recipients, message=message)
    else:
        raise DeliveryError(f"未知渠道类型 {kind}")


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Try one delivery if it is still pending and nobody else holds it; returns its new status."""
    from cases.models import Delivery
    from cases.models.notifications import PENDING_STATUSES

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("channel")
            .filter(pk=delivery_id, status__in=PENDING_STATUSES)
            .first()
        )
        if delivery is None:
            return None
        channel = delivery.channel
        delivery.attempts += 1
        try:
            if not channel.active:
                raise DeliveryError("渠道已停用，未发送。")
            channel_send(
                kind=channel.kind,
                webhook_url=channel.webhook_url,
                secret=channel.secret,
                recipients=list(delivery.recipients or []),
                message=Message.from_dict(delivery.message),
                delivery=delivery,
            )
        except DeliveryError as exc:
            at = now or timezone.now()
            delivery.last_error = str(exc)[:2000]
            delivery.last_status_code = exc.status_code
            if delivery.attempts >= max_attempts() or not channel.active:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.status, delivery.next_attempt_at = (
                    DeliveryStatus.RETRYING,
                    at + backoff_delay(delivery.attempts),
                )
            logger.warning(
                "delivery %s to channel %s failed (attempt %s): %s",
                delivery.pk,
                channel.pk,
                delivery.attempts,
                exc,
            )
        else:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = (
                DeliveryStatus.SENT,
                now or timezone.now(),
                None,
            )
            delivery.last_error, delivery.last_status_code = "", None
        delivery.save(
            update_fields=[
                "attempts",
                "status",
                "next_attempt_at",
                "last_error",
                "last_status_code",
                "sent_at",
                "updated_at",
            ]
        )
        return delivery.status


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    outcome: dict[str, int] = {}
    for delivery_id in delivery_ids:
        status = delivery_send(delivery_id=delivery_id) or "skipped"
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def deliveries_retry_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every pending or retrying delivery whose next attempt is due (the minute schedule)."""
    from cases.models import Delivery
    from cases.models.notifications import PENDING_STATUSES

    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status__in=PENDING_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcome: dict[str, int] = {}
    for delivery_id in due:
        status = delivery_send(delivery_id=delivery_id, now=now) or "skipped"
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """After commit, hand the deliveries to the cluster in small chunks (one slow robot holds up few)."""
    if not delivery_ids:
        return

    def enqueue():
        from django_q.tasks import async_task

        for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
            async_task("cases.tasks.send_deliveries_task", delivery_ids[start : start + ENQUEUE_CHUNK])

    transaction.on_commit(enqueue)
