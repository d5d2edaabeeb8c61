"""Credentials users enter are encrypted at rest (reviewdesk.crypto): the database holds no robot URL or
signing secret in the clear, the application reads them back as entered, and keys rotate."""

import importlib

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.db import connection

from cases.models import NotificationChannel
from reviewdesk.crypto import PREFIX, UnreadableCredential, decrypt, encrypt

URL = "https://open.feishu.cn/open-apis/bot/v2/hook/secret-token-123"
SECRET = "SEC-signing-secret-456"


def stored(channel_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT webhook_url, secret FROM cases_notificationchannel WHERE id = %s", [channel_id]
        )
        return cursor.fetchone()


@pytest.fixture
def channel(shop):
    return NotificationChannel.objects.create(
        shop=shop, kind="feishu", name="群机器人", webhook_url=URL, secret=SECRET
    )


def test_the_database_holds_neither_the_url_nor_the_secret(channel):
    url, secret = stored(channel.pk)
    assert url.startswith(PREFIX) and secret.startswith(PREFIX)
    assert "secret-token-123" not in url and "open.feishu.cn" not in url
    assert SECRET not in secret
    again = NotificationChannel.objects.get(pk=channel.pk)
    assert (again.webhook_url, again.secret) == (URL, SECRET)


def test_each_save_encrypts_anew_and_an_empty_secret_stays_empty(shop):
    a = NotificationChannel.objects.create(shop=shop, kind="feishu", name="a", webhook_url=URL, secret="")
    b = NotificationChannel.objects.create(shop=shop, kind="feishu", name="b", webhook_url=URL, secret="")
    assert stored(a.pk)[0] != stored(b.pk)[0]  # no equal ciphertexts to compare rows by
    assert stored(a.pk)[1] == ""


def test_a_row_written_before_encryption_is_read_as_written_and_encrypted_by_the_migration(channel):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_notificationchannel SET webhook_url = %s, secret = %s WHERE id = %s",
            [URL, SECRET, channel.pk],
        )
    assert NotificationChannel.objects.get(pk=channel.pk).webhook_url == URL
    migration = importlib.import_module("cases.migrations.0014_encrypt_channel_credentials")
    migration.encrypt_stored(apps, connection.schema_editor())
    url, secret = stored(channel.pk)
    assert url.startswith(PREFIX) and SECRET not in secret
    assert NotificationChannel.objects.get(pk=channel.pk).secret == SECRET


def test_keys_rotate_and_a_lost_key_is_a_clear_error(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the new key first: it encrypts, both decrypt
    assert decrypt(token) == SECRET
    assert decrypt(encrypt(SECRET)) == SECRET
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(UnreadableCredential):
        decrypt(token)
