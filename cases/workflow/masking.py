"""Buyer personal data as roles without ``cases.reveal_buyer_contact`` see it.

The masking itself is ``reviewdesk.pii`` (one implementation); this module adds what needs the cases
app: who may see the data unmasked (``can_reveal``), the review's free-text fields, and a revision's
stored values.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewdesk.admin_pii import register_personal_fields
from reviewdesk.pii import mask_address, mask_free_text, mask_phone

__all__ = [
    "CONTACT_MASKS",
    "FREE_TEXT_FIELDS",
    "REVEAL_PERMISSION",
    "can_reveal",
    "free_text_for",
    "mask_address",
    "mask_contact_values",
    "mask_free_text",
    "mask_phone",
]

CONTACT_MASKS = {"buyer_phone": mask_phone, "buyer_address": mask_address}
# A review's fields in which buyers (or a platform's export) put text of their own: a phone number or an
# address typed there is masked like the contact fields.
FREE_TEXT_FIELDS = ("content", "appended_content", "item_title", "sku", "reply_content")
REVEAL_PERMISSION = "cases.reveal_buyer_contact"

# What the admin may never filter or search by (an oracle for the masked values), and what it masks.
register_personal_fields(
    "cases.review", hidden=CONTACT_MASKS, free_text=FREE_TEXT_FIELDS, reveal_permission=REVEAL_PERMISSION
)
register_personal_fields("cases.reviewrevision", hidden=["before", "after"])  # a review's old values
register_personal_fields("cases.caseevent", hidden=["payload"])


def mask_contact_values(values: dict | None) -> dict:
    """A review's field values (a revision's before/after) with the buyer's phone and address masked, and
    the phone numbers, ID numbers and addresses typed into its free-text fields."""
    masked = {}
    for key, value in (values or {}).items():
        if key in CONTACT_MASKS and value:
            value = CONTACT_MASKS[key](value)
        elif key in FREE_TEXT_FIELDS and isinstance(value, str):
            value = mask_free_text(value)
        masked[key] = value
    return masked


def can_reveal(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(REVEAL_PERMISSION))


def _as_written(text: str | None) -> str:
    return text or ""


def free_text_for(user) -> Callable[[str | None], str]:
    """How ``user`` sees a buyer's free text: as written for holders of ``cases.reveal_buyer_contact``
    (who may see the contact data anyway), masked (``mask_free_text``) for everyone else."""
    return _as_written if can_reveal(user) else mask_free_text
