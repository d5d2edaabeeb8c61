"""One interface for every SMS provider, and what a provider's answer means for us.

``SmsProvider.send(phone, sign_name, template_code, params, *, out_id)`` returns a ``ProviderAnswer``:
accepted (with the provider's message id) or refused, with the provider's code, a Chinese message for
people and whether trying again later can help (throttling: yes; an invalid number or template, an
empty balance: no). A transport failure (timeout, connection reset) raises ``OutboundError`` from
``reviewdesk.outbound``: the provider may or may not have accepted, and the caller must find out
(``find_sent``) before sending again. ``find_sent`` looks a message up by our ``out_id``;
``query_status`` asks for a sent message's delivery; ``parse_receipt`` reads a status callback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

DELIVERED, UNDELIVERED, PENDING = "delivered", "failed", "pending"


@dataclass(frozen=True)
class ProviderAnswer:
    accepted: bool
    message_id: str = ""
    code: str = ""
    message: str = ""
    retry: bool = False


@dataclass(frozen=True)
class Receipt:
    """What a provider says of one sent message: delivered, failed (the handset never got it) or pending."""

    state: str
    message_id: str = ""
    out_id: str = ""
    code: str = ""
    at: dt.datetime | None = None


@dataclass(frozen=True)
class ErrorMeaning:
    message: str
    retry: bool


def meaning(table: dict[str, tuple[str, bool]], code: str, provider_message: str = "") -> ErrorMeaning:
    """The Chinese message and the retry decision of a provider's error code (unknown: no retry)."""
    if code in table:
        text, retry = table[code]
        return ErrorMeaning(str(text), retry)
    for prefix, (text, retry) in table.items():
        if prefix.endswith(".") and code.startswith(prefix):
            return ErrorMeaning(str(text), retry)
    return ErrorMeaning(
        _("服务商返回错误 %(code)s：%(message)s") % {"code": code, "message": provider_message[:120]}, False
    )


class SmsProvider:
    kind = ""

    def __init__(self, account):
        self.account = account

    def send(
        self, phone: str, sign_name: str, template_code: str, params: dict, *, out_id: str
    ) -> ProviderAnswer:
        raise NotImplementedError

    def find_sent(self, phone: str, *, out_id: str, since: dt.datetime) -> ProviderAnswer | None:
        """The answer of a message the provider holds under ``out_id`` (sent from ``since`` on), or None."""
        raise NotImplementedError

    def query_status(
        self, phone: str, *, message_id: str, out_id: str, sent_at: dt.datetime
    ) -> Receipt | None:
        raise NotImplementedError

    def parse_receipt(self, payload) -> list[Receipt]:
        raise NotImplementedError
