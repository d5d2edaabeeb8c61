"""Credentials that users enter (robot webhook URLs and signing secrets; later platform and SMS keys) are
stored encrypted: ``EncryptedTextField`` writes a Fernet token (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` package), so a database dump, a backup or a read replica shows no usable credential.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (comma-separated Fernet keys; the first encrypts, every one
decrypts, so a key is rotated by putting the new one first and re-saving the rows). Without it the key is
derived from ``SECRET_KEY``: fine for development, but then changing SECRET_KEY makes the stored
credentials unreadable, so production should set its own key (the README says how to make one).

A stored value carries the prefix ``enc1:``. A value without it is a row written before encryption (or by
a data migration of an older schema): it is read as written and encrypted the next time it is saved.
The values cannot be searched or filtered by (each encryption differs); nothing needs to.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

PREFIX = "enc1:"


class UnreadableCredential(Exception):
    """A stored credential that none of the configured keys decrypts (the key was changed or lost)."""


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        digest = hashlib.sha256(b"reviewdesk-field-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes each)."
        ) from exc


def _reset(*, setting, **kwargs):
    if setting in ("FIELD_ENCRYPTION_KEYS", "SECRET_KEY"):
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    if not value or value.startswith(PREFIX):
        return value
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise UnreadableCredential(
            "a stored credential cannot be decrypted with the configured keys"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted on the way into the database and decrypted on the way out.
    Python code (forms, senders) sees the plain value; the column holds ``enc1:<Fernet token>``."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value
