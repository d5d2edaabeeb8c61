"""The database itself refuses to change or delete a ledger entry, or to add one to a locked period."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from incentives.errors import TRIGGER_IMMUTABLE, TRIGGER_PERIOD_LOCKED
from incentives.models import LedgerEntry, Period


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_update_of_an_entry_fails_and_changes_nothing(agent, post):
    entry = post(agent, "50")

    with pytest.raises(IntegrityError) as exc:
        _raw("UPDATE incentives_ledgerentry SET amount = %s WHERE id = %s", [Decimal("5000"), entry.pk])

    assert TRIGGER_IMMUTABLE in str(exc.value)
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("50.00")


def test_raw_sql_delete_of_an_entry_fails_and_removes_nothing(agent, post):
    entry = post(agent, "50")

    with pytest.raises(IntegrityError) as exc:
        _raw("DELETE FROM incentives_ledgerentry WHERE id = %s", [entry.pk])

    assert TRIGGER_IMMUTABLE in str(exc.value)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_orm_update_and_delete_are_refused_too(agent, post):
    entry = post(agent, "50")

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(note="改")
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.delete()

    assert LedgerEntry.objects.get(pk=entry.pk).note == ""


def test_raw_insert_into_a_locked_period_fails(agent, post, previous_period):
    entry = post(agent, "50")
    Period.objects.filter(pk=previous_period.pk).update(status="locked", locked_at=entry.created_at)

    with pytest.raises(IntegrityError) as exc:
        _raw(
            "INSERT INTO incentives_ledgerentry (account_id, period_id, kind, amount, idempotency_key, event, "
            "subject_ref, note, created_at) VALUES (%s, %s, 'award', 1, 'raw', '', '', '', %s)",
            [entry.account_id, previous_period.pk, entry.created_at],
        )

    assert TRIGGER_PERIOD_LOCKED in str(exc.value)
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database_and_the_guard_comes_back(make_user, shop):
    from incentives.services.ledger import entry_post

    agent = make_user("agent", shops=[shop])
    entry, _ = entry_post(user=agent, unit="cny", kind="award", amount=Decimal("1"), key="flush")

    call_command("flush", verbosity=0, interactive=False)

    assert LedgerEntry.objects.count() == 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'incentives_%' ORDER BY name"
            )
            names = [row[0] for row in cursor.fetchall()]
        assert names == [
            "incentives_ledger_no_delete",
            "incentives_ledger_no_update",
            "incentives_ledger_period_open",
            "incentives_ledger_shop_open",
        ]  # the per-shop lock guard (migration 0008)
