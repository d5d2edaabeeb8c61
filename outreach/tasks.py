"""django-q2 task entry points (thin: each calls a service)."""

from outreach.services.buyer import followups_sms_due
from outreach.services.dispatch import sms_dispatch, sms_dispatch_due
from outreach.services.receipts import sms_receipts_poll


def sms_dispatch_task(message_id: int) -> str | None:
    return sms_dispatch(message_id=message_id)


def sms_minute_task() -> dict:
    """Every minute: the due follow-up SMS steps, then every due or stalled message."""
    return {"followups": followups_sms_due(), "dispatch": sms_dispatch_due()}


def sms_receipts_task() -> dict:
    return sms_receipts_poll()
