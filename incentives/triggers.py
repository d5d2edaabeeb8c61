"""Database triggers that make the ledger append-only and keep locked periods closed.

- UPDATE or DELETE of a ledger entry is refused (PostgreSQL: a plpgsql function raising SQLSTATE
  23000; SQLite: ``SELECT RAISE(ABORT, …)``). Both surface in Python as ``IntegrityError`` whose text
  carries ``incentives_ledger_immutable``.
- INSERT into a period whose status is not ``open`` is refused (text ``incentives_ledger_period_locked``).
  On PostgreSQL the trigger reads the period row ``FOR SHARE``: posts run side by side, but a
  concurrent ``period_lock`` (``SELECT … FOR UPDATE``) waits for them and they wait for it, so no
  entry can commit into a period after its lock snapshot was taken.

TRUNCATE is not guarded (it is what ``flush`` does on PostgreSQL; see also the ``flush`` command of
this app for SQLite). SQLite drops a table's triggers when a migration rebuilds the table, so
``ensure_triggers`` is also run after every migrate (apps.py) and is idempotent.
"""

from incentives.errors import TRIGGER_IMMUTABLE, TRIGGER_PERIOD_LOCKED

TABLE = "incentives_ledgerentry"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION incentives_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{TRIGGER_IMMUTABLE}: ledger entries are append-only, % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    """,
    f"""
    CREATE OR REPLACE FUNCTION incentives_ledger_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE period_status varchar;
    BEGIN
        SELECT status INTO period_status FROM incentives_period WHERE id = NEW.period_id FOR SHARE;
        IF period_status IS DISTINCT FROM 'open' THEN
            RAISE EXCEPTION '{TRIGGER_PERIOD_LOCKED}: period % is not open', NEW.period_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    """,
    f"DROP TRIGGER IF EXISTS incentives_ledger_no_change ON {TABLE}",
    f"""CREATE TRIGGER incentives_ledger_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION incentives_ledger_immutable()""",
    f"DROP TRIGGER IF EXISTS incentives_ledger_period_open ON {TABLE}",
    f"""CREATE TRIGGER incentives_ledger_period_open BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION incentives_ledger_period_open()""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS incentives_ledger_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS incentives_ledger_period_open ON {TABLE}",
    "DROP FUNCTION IF EXISTS incentives_ledger_immutable()",
    "DROP FUNCTION IF EXISTS incentives_ledger_period_open()",
]

SQLITE_NO_DELETE = f"""CREATE TRIGGER IF NOT EXISTS incentives_ledger_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{TRIGGER_IMMUTABLE}: ledger entries are append-only, DELETE refused'); END"""
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS incentives_ledger_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{TRIGGER_IMMUTABLE}: ledger entries are append-only, UPDATE refused'); END""",
    SQLITE_NO_DELETE,
    f"""CREATE TRIGGER IF NOT EXISTS incentives_ledger_period_open BEFORE INSERT ON {TABLE}
    WHEN (SELECT status FROM incentives_period WHERE id = NEW.period_id) IS NOT 'open'
    BEGIN SELECT RAISE(ABORT, '{TRIGGER_PERIOD_LOCKED}: period is not open'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS incentives_ledger_no_update",
    "DROP TRIGGER IF EXISTS incentives_ledger_no_delete",
    "DROP TRIGGER IF EXISTS incentives_ledger_period_open",
]


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL
    raise NotImplementedError(f"incentives ledger triggers are written for PostgreSQL and SQLite, not {vendor}")


def remove_sql(vendor: str) -> list[str]:
    return POSTGRES_REMOVE if vendor == "postgresql" else SQLITE_REMOVE


def ensure_triggers(using: str = "default", **kwargs) -> None:
    """Idempotent (post_migrate): re-create the SQLite triggers a table rebuild may have dropped."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_INSTALL:
            cursor.execute(sql)
