"""Sending a report message through the cases notification machinery: the bell (cases.Notification)
and the shops' outgoing channels (cases.Delivery, sent with retry by cases.notify.delivery).

cases.services.alerts.notify builds its text from per-case message kinds only, so this writes the same
rows the same way: idempotent on (user, dedupe_key) and (channel, dedupe_key) with ON CONFLICT DO
NOTHING, deliveries enqueued after commit. The text is built here from plain values, never from a
buyer's personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cases.models import Delivery, Notification, NotificationChannel
from cases.notify.choices import ChannelKind, DeliveryStatus
from cases.notify.delivery import deliveries_enqueue
from cases.notify.messages import Message, absolute_url


@dataclass
class Outgoing:
    kind: str
    title: str
    lines: list[str]
    path: str
    dedupe_key: str
    shop_id: int | None = None
    user_ids: set[int] = field(default_factory=set)
    channels: list[tuple[NotificationChannel, list[str]]] = field(
        default_factory=list
    )  # (channel, email recipients)


def send(messages: list[Outgoing]) -> tuple[int, int]:
    """Write bell rows and deliveries for ``messages``; returns (notifications, deliveries) newly inserted."""
    now = timezone.now()
    inserted_notifications = 0
    new_delivery_ids: list[int] = []
    with transaction.atomic():
        for message in messages:
            text = Message(
                title=message.title[:200], lines=tuple(message.lines), url=absolute_url(message.path)
            )
            if message.user_ids:
                before = Notification.objects.filter(
                    dedupe_key=message.dedupe_key, user_id__in=message.user_ids
                ).count()
                Notification.objects.bulk_create(
                    [
                        Notification(
                            user_id=user_id,
                            shop_id=message.shop_id,
                            kind=message.kind,
                            title=text.title,
                            body="\n".join(text.lines),
                            url=text.url,
                            dedupe_key=message.dedupe_key,
                        )
                        for user_id in sorted(message.user_ids)
                    ],
                    ignore_conflicts=True,
                )
                after = Notification.objects.filter(
                    dedupe_key=message.dedupe_key, user_id__in=message.user_ids
                ).count()
                inserted_notifications += after - before
            for channel, emails in message.channels:
                if not channel.active or (channel.kind == ChannelKind.EMAIL and not emails):
                    continue
                exists = Delivery.objects.filter(channel=channel, dedupe_key=message.dedupe_key).exists()
                if exists:
                    continue
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            channel=channel,
                            shop_id=channel.shop_id,
                            kind=message.kind,
                            dedupe_key=message.dedupe_key,
                            message=text.as_dict(),
                            recipients=sorted(set(emails)),
                            status=DeliveryStatus.PENDING,
                            next_attempt_at=now,
                        )
                    ],
                    ignore_conflicts=True,
                )
                new_id = (
                    Delivery.objects.filter(channel=channel, dedupe_key=message.dedupe_key)
                    .values_list("pk", flat=True)
                    .first()
                )
                if new_id:
                    new_delivery_ids.append(new_id)
        deliveries_enqueue(new_delivery_ids)
    return inserted_notifications, len(new_delivery_ids)
