"""A buyer's or supervisor's mobile number: normalised once, hashed for opt-outs, masked for display.

Numbers are mainland China mobiles (11 digits starting with 1; +86 / 0086 prefixes are dropped). The
opt-out list keeps only a keyed hash (HMAC-SHA256 under ``SECRET_KEY``): it answers "is this number
opted out?" without holding the number itself.
"""

from __future__ import annotations

import re

from django.utils.crypto import salted_hmac

from reviewdesk.pii import mask_phone

_MAINLAND = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(value: str | None) -> str | None:
    """The 11-digit mainland number in ``value``, or None when it is not one."""
    digits = re.sub(
        r"\D", "", str(value or "").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    )
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits if _MAINLAND.match(digits) else None


def phone_hash(phone: str) -> str:
    return salted_hmac("outreach.phone", phone, algorithm="sha256").hexdigest()


def masked(phone: str) -> str:
    return mask_phone(phone)
