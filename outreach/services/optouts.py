"""Opt-outs (退订回T): an opted-out number is never messaged again by any shop of the same client (a
shop without a client: by that shop). Recorded from the buyer's reply or by a person."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Q

from outreach.choices import OPEN_STATUSES, OptOutSource, SmsPurpose, SmsStatus
from outreach.models import OptOut, SmsMessage
from outreach.phones import masked, normalise_phone, phone_hash

# What a buyer answers to stop the messages ("回T退订"): T, TD, N, 退订, 取消, 不要再发 …
OPT_OUT_REPLY = re.compile(
    r"^\s*(t|td|n|退订|退|取消订阅|取消|不要再发|别发了)\s*[。.!！]*\s*$", re.IGNORECASE
)
BUYER_PURPOSES = (SmsPurpose.CARE, SmsPurpose.SURVEY, SmsPurpose.CONTACT)


def _owner(shop) -> Q:
    return Q(client_id=shop.client_id) if shop.client_id else Q(shop=shop, client__isnull=True)


def is_opted_out(shop, phone: str) -> bool:
    return OptOut.objects.filter(_owner(shop), phone_hash=phone_hash(phone)).exists()


def optout_record(
    *, shop, phone: str, source: str = OptOutSource.MANUAL, by=None, note: str = ""
) -> OptOut | None:
    """Record the opt-out (idempotent) and settle the queued buyer messages to that number of every shop
    it covers. None when ``phone`` is not a mobile number."""
    number = normalise_phone(phone)
    if number is None:
        return None
    digest = phone_hash(number)
    owner = {"client_id": shop.client_id} if shop.client_id else {"shop": shop}
    with transaction.atomic():
        optout = OptOut.objects.filter(phone_hash=digest, **owner).first()
        if optout is None:
            try:
                with transaction.atomic():
                    optout = OptOut.objects.create(
                        phone_hash=digest,
                        phone_masked=masked(number),
                        source=source,
                        by=by,
                        note=note[:200],
                        **owner,
                    )
            except IntegrityError:  # recorded meanwhile by another request
                optout = OptOut.objects.get(phone_hash=digest, **owner)
        shops = Q(shop__client_id=shop.client_id) if shop.client_id else Q(shop=shop)
        SmsMessage.objects.filter(
            shops, phone_hash=digest, status__in=OPEN_STATUSES, purpose__in=BUYER_PURPOSES
        ).exclude(status=SmsStatus.SENDING).update(status=SmsStatus.SKIPPED, error_code="opted_out")
    return optout


def optout_from_reply(*, shop, phone: str, text: str) -> OptOut | None:
    """A buyer's reply: an opt-out when it says so, else nothing."""
    if not OPT_OUT_REPLY.match(text or ""):
        return None
    return optout_record(shop=shop, phone=phone, source=OptOutSource.REPLY, note=(text or "")[:50])
