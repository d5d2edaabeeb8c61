"""Sending a report message through the cases notification machinery: the bell (cases.Notification)
and the shops' outgoing channels (cases.Delivery, sent with retry by cases.notifications.delivery).

cases.alerts.notify builds its text from per-case message kinds only, so this writes the same
rows the same way: idempotent on (user, dedupe_key) and (channel, dedupe_key) with ON CONFLICT DO
NOTHING, deliveries enqueued after commit. The text is built here from plain values, never from a
buyer's personal data, in each reader's language (``Outgoing.render``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from cases.models import Delivery, Notification, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus
from cases.notifications.delivery import deliveries_enqueue
from cases.notifications.messages import Message, absolute_url
from reviewdesk.language import languages_of


@dataclass
class Outgoing:
    """One message to many. ``render`` (when given) returns (title, lines) and is called once per language
    of the readers, inside ``translation.override`` (``reviewdesk.language``); without it ``title`` and
    ``lines`` are sent as they are. A channel's entry may name the language of its mail's reader as a third
    element (a robot's group post is in the site's language)."""

    kind: str
    title: str
    lines: list[str]
    path: str
    dedupe_key: str
    shop_id: int | None = None
    user_ids: set[int] = field(default_factory=set)
    # (channel, email recipients) or (channel, email recipients, the mail's language)
    channels: list[tuple[NotificationChannel, list[str]] | tuple[NotificationChannel, list[str], str]] = (
        field(default_factory=list)
    )
    render: Callable[[], tuple[str, list[str]]] | None = None


def _text(message: Outgoing, language: str, cache: dict) -> Message:
    if language not in cache:
        if message.render is None:
            title, lines = message.title, message.lines
        else:
            with translation.override(language):
                title, lines = message.render()
        cache[language] = Message(title=title[:200], lines=tuple(lines), url=absolute_url(message.path))
    return cache[language]


def send(messages: list[Outgoing]) -> tuple[int, int]:
    """Write bell rows and deliveries for ``messages``; returns (notifications, deliveries) newly inserted."""
    now = timezone.now()
    inserted_notifications = 0
    new_delivery_ids: list[int] = []
    site_language = settings.LANGUAGE_CODE
    languages = languages_of({u for message in messages for u in message.user_ids})  # one query
    with transaction.atomic():
        for message in messages:
            texts: dict[str, Message] = {}
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
                        for text in (_text(message, languages.get(user_id, site_language), texts),)
                    ],
                    ignore_conflicts=True,
                )
                after = Notification.objects.filter(
                    dedupe_key=message.dedupe_key, user_id__in=message.user_ids
                ).count()
                inserted_notifications += after - before
            # One delivery per channel and language, to every address of that language: two people on
            # one mail channel both get the report (a delivery is unique per channel and key).
            grouped: dict[tuple[int, str], tuple[object, set[str]]] = {}
            for channel, emails, *rest in message.channels:
                if not channel.active or (channel.kind == ChannelKind.EMAIL and not emails):
                    continue
                language = rest[0] if rest and channel.kind == ChannelKind.EMAIL else site_language
                grouped.setdefault((channel.pk, language), (channel, set()))[1].update(emails)
            for (_pk, language), (channel, emails) in grouped.items():
                key = message.dedupe_key if language == site_language else f"{message.dedupe_key}:{language}"
                exists = Delivery.objects.filter(channel=channel, dedupe_key=key).exists()
                if exists:
                    continue
                text = _text(message, language, texts)
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            channel=channel,
                            shop_id=channel.shop_id,
                            kind=message.kind,
                            dedupe_key=key,
                            message=text.as_dict(),
                            recipients=sorted(set(emails)),
                            status=DeliveryStatus.PENDING,
                            next_attempt_at=now,
                        )
                    ],
                    ignore_conflicts=True,
                )
                new_id = (
                    Delivery.objects.filter(channel=channel, dedupe_key=key)
                    .values_list("pk", flat=True)
                    .first()
                )
                if new_id:
                    new_delivery_ids.append(new_id)
        deliveries_enqueue(new_delivery_ids)
    return inserted_notifications, len(new_delivery_ids)
