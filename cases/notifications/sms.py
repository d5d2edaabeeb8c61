"""The SMS channel of the notifications: cases publishes the slot, the ``outreach`` app (which holds the
SMS accounts, the alert numbers and the sending) fills it in its ``ready()``. A sender is called with
the delivery and queues its SMS; it raises ``DeliveryError`` when the shop cannot send yet."""

from __future__ import annotations

from cases.notifications.http import DeliveryError
from reviewdesk.hooks import Registry

sms_senders = Registry("sms_senders", "(*, delivery) -> int: queue the SMS of an SMS-channel delivery.")


def sms_send(*, delivery) -> None:
    senders = sms_senders.all()
    if delivery is None or not senders:
        raise DeliveryError("短信发送模块未启用，未发送。")
    for sender in senders:
        sender(delivery=delivery)
