"""Buyer phone and address as roles without ``cases.reveal_buyer_contact`` see them."""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay; short numbers keep only the last two."""
    if not phone:
        return ""
    digits = _DIGIT.findall(phone)
    if len(digits) == 13 and digits[:2] == ["8", "6"]:  # +86 country code
        digits = digits[2:]
    if len(digits) >= 11:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    if len(digits) >= 4:
        return "*" * (len(digits) - 2) + "".join(digits[-2:])
    return "*" * len(digits)


def mask_address(address: str | None) -> str:
    """The first six characters (province/city) stay, the rest is hidden: 浙江省杭州市********."""
    if not address:
        return ""
    keep = min(6, max(len(address) // 3, 1))
    return address[:keep] + "*" * min(len(address) - keep, 8)


CONTACT_MASKS = {"buyer_phone": mask_phone, "buyer_address": mask_address}


def mask_contact_values(values: dict | None) -> dict:
    """A review's field values (a revision's before/after) with the buyer's phone and address masked."""
    return {key: CONTACT_MASKS[key](value) if key in CONTACT_MASKS and value else value for key, value in (values or {}).items()}


def can_reveal(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.reveal_buyer_contact"))
