"""Supervisors' SMS alerts: the SMS channel of the shop's notifications (``cases.notifications``).

A delivery on an SMS channel (a new negative or keyword review, an SLA breach …) becomes one SMS per
recipient of its bell notifications who has an alert number (``SupervisorPhone``): unique per
(delivery, person), so a retried delivery sends nobody a second one, and at most the account's
``alert_hourly_cap`` per person per hour (beyond it the bell and the other channels still speak).
The text is built from whitelisted values of the case; never the buyer's nick, phone or address.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, Notification
from cases.notifications.http import DeliveryError
from outreach.choices import SmsPurpose, SmsStatus
from outreach.models import SmsMessage, SupervisorPhone
from outreach.services.accounts import account_for_shop, template_for
from outreach.services.dispatch import sms_queue
from reviewdesk.pii import mask_free_text

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 20


def _context(delivery) -> dict:
    context = {"shop_name": delivery.shop.name, "case_no": str(delivery.case_id or "")}
    row = (
        Case.objects.filter(pk=delivery.case_id).values("review__rating", "review__content").first()
        if delivery.case_id
        else None
    )
    if row:
        context["rating"] = f"{row['review__rating']}" if row["review__rating"] else ""
        context["excerpt"] = mask_free_text(row["review__content"] or "")[:EXCERPT_CHARS]
    else:
        context["excerpt"] = str((delivery.message or {}).get("title") or "")[:EXCERPT_CHARS]
    return context


def over_hourly_cap(user_id: int, cap: int, now: dt.datetime) -> bool:
    sent = (
        SmsMessage.objects.filter(
            recipient_user_id=user_id, purpose=SmsPurpose.ALERT, created_at__gte=now - dt.timedelta(hours=1)
        )
        .exclude(status=SmsStatus.SKIPPED)
        .count()
    )
    return sent >= cap


def alert_sms_queue(*, delivery, now: dt.datetime | None = None) -> int:
    """Queue the SMS of one SMS-channel delivery; returns how many were queued. ``DeliveryError`` when
    the shop cannot send (no account or alert template): the delivery is retried, then marked failed."""
    now = now or timezone.now()
    account = account_for_shop(delivery.shop)
    if account is None:
        raise DeliveryError("店铺没有启用的短信账号")
    template = template_for(delivery.shop, account, purpose=SmsPurpose.ALERT)
    if template is None:
        raise DeliveryError("没有提醒短信模板")
    user_ids = Notification.objects.filter(shop_id=delivery.shop_id, dedupe_key=delivery.dedupe_key).values(
        "user_id"
    )
    phones = SupervisorPhone.objects.filter(
        user_id__in=user_ids, sms_alerts=True, user__is_active=True
    ).select_related("user")
    context = _context(delivery)
    queued = 0
    for entry in phones:
        key = f"alert:{delivery.pk}:{entry.user_id}"
        if SmsMessage.objects.filter(idempotency_key=key).exists():
            continue
        if over_hourly_cap(entry.user_id, account.alert_hourly_cap, now):
            logger.info(
                "sms alert to user %s not sent: hourly cap %s reached",
                entry.user_id,
                account.alert_hourly_cap,
            )
            continue
        try:
            sms_queue(
                account=account,
                shop=delivery.shop,
                phone=entry.phone,
                template=template,
                context=context,
                purpose=SmsPurpose.ALERT,
                idempotency_key=key,
                case=delivery.case,
                recipient_user=entry.user,
                now=now,
            )
        except ValidationError as refusal:
            logger.warning("sms alert to user %s not queued: %s", entry.user_id, refusal.code)
            continue
        queued += 1
    return queued
