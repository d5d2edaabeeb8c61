"""Delivery receipts: a provider says a message reached the handset (DELIVERED) or did not (FAILED).

Tencent Cloud posts them to the status callback (``outreach.views``); both providers are also polled
(``sms_receipts_poll``, every few minutes, for messages accepted in the last day): Alibaba Cloud by
``QuerySendDetails``, Tencent Cloud by ``PullSmsSendStatusByPhoneNumber``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from outreach.choices import SmsStatus
from outreach.models import SmsMessage
from outreach.providers import DELIVERED, UNDELIVERED, Receipt, provider_for
from reviewdesk.outbound import OutboundError

logger = logging.getLogger(__name__)

POLL_AFTER = dt.timedelta(minutes=1)
POLL_EVERY = dt.timedelta(minutes=5)
POLL_FOR = dt.timedelta(hours=24)


def receipts_apply(*, account, receipts: list[Receipt], now: dt.datetime | None = None) -> int:
    """Settle the account's accepted messages named by ``receipts``; returns how many changed."""
    now = now or timezone.now()
    changed = 0
    for receipt in receipts:
        if receipt.message_id:
            rows = SmsMessage.objects.filter(account=account, provider_message_id=receipt.message_id)
            changed += _settle(rows, receipt, now)
    return changed


def _settle(rows, receipt: Receipt, now: dt.datetime) -> int:
    if receipt.state not in (DELIVERED, UNDELIVERED):
        return 0
    fields = (
        {"status": SmsStatus.DELIVERED, "delivered_at": receipt.at or now}
        if receipt.state == DELIVERED
        else {"status": SmsStatus.FAILED, "error_code": (receipt.code or "undelivered")[:64]}
    )
    return rows.filter(status=SmsStatus.ACCEPTED).update(**fields, updated_at=now)


def sms_receipts_poll(*, now: dt.datetime | None = None, limit: int = 100) -> dict[str, int]:
    now = now or timezone.now()
    rows = (
        SmsMessage.objects.filter(
            status=SmsStatus.ACCEPTED,
            accepted_at__lte=now - POLL_AFTER,
            accepted_at__gte=now - POLL_FOR,
            updated_at__lte=now - POLL_EVERY + POLL_AFTER,
        )
        .select_related("account")
        .order_by("updated_at")[:limit]
    )
    outcome = {"delivered": 0, "failed": 0, "pending": 0}
    for message in rows:
        try:
            receipt = provider_for(message.account).query_status(
                message.phone,
                message_id=message.provider_message_id,
                out_id=message.out_id,
                sent_at=message.accepted_at,
            )
        except OutboundError as exc:
            logger.warning("sms %s: receipt query failed (%s)", message.pk, exc)
            receipt = None
        if receipt is not None and _settle(SmsMessage.objects.filter(pk=message.pk), receipt, now):
            outcome["delivered" if receipt.state == DELIVERED else "failed"] += 1
        else:
            outcome["pending"] += 1
            SmsMessage.objects.filter(pk=message.pk).update(updated_at=now)
    return outcome
