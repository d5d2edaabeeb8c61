"""Database triggers that make the ledger append-only and keep locked periods closed.

- UPDATE or DELETE of a ledger entry is refused (PostgreSQL: a plpgsql function raising SQLSTATE
  23000; SQLite: ``SELECT RAISE(ABORT, …)``). Both surface in Python as ``IntegrityError`` whose text
  carries ``incentives_ledger_immutable``.
- INSERT into a period whose status is not ``open`` is refused (text ``incentives_ledger_period_locked``).
  On PostgreSQL the trigger reads the period row ``FOR SHARE``: posts run side by side, but a
  concurrent ``period_lock`` (``SELECT … FOR UPDATE``) waits for them and they wait for it, so no
  entry can commit into a period after its lock snapshot was taken.

- INSERT of an entry whose shop has locked the period (``PeriodShopLock``) is refused (text
  ``incentives_ledger_shop_locked``; migration 0008). The entry's shop is its case's shop, else the
  lowest shop id of its agent's memberships (``services.scope``). On PostgreSQL this trigger fires
  after the period trigger (triggers fire in name order), so the period row is already held FOR
  SHARE and a shop lock (which holds it FOR UPDATE) either committed before (and is seen) or waits.

TRUNCATE is not guarded (it is what ``flush`` does on PostgreSQL; see also the ``flush`` command of
this app for SQLite). SQLite drops a table's triggers when a migration rebuilds the table, so
``ensure_triggers`` is also run after every migrate (apps.py) and is idempotent.
"""

from incentives.errors import TRIGGER_IMMUTABLE, TRIGGER_PERIOD_LOCKED, TRIGGER_SHOP_LOCKED

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


SHOP_LOCKS = "incentives_periodshoplock"
# The entry's shop, as services.scope.entry_shop_id answers it (table names are the models' defaults).
_ENTRY_SHOP = """COALESCE(
        (SELECT c.shop_id FROM cases_case c WHERE c.id = NEW.case_ref),
        (SELECT MIN(m.shop_id) FROM reviewdesk_shopmembership m JOIN incentives_account a ON a.user_id = m.user_id
          WHERE a.id = NEW.account_id))"""
SHOP_LOCK_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION incentives_ledger_shop_open() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE entry_shop bigint;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM {SHOP_LOCKS} WHERE period_id = NEW.period_id) THEN
            RETURN NEW;
        END IF;
        entry_shop := {_ENTRY_SHOP};
        IF EXISTS (SELECT 1 FROM {SHOP_LOCKS} WHERE period_id = NEW.period_id AND shop_id = entry_shop) THEN
            RAISE EXCEPTION '{TRIGGER_SHOP_LOCKED}: period % is locked for shop %', NEW.period_id, entry_shop
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    """,
    f"DROP TRIGGER IF EXISTS incentives_ledger_shop_open ON {TABLE}",
    f"""CREATE TRIGGER incentives_ledger_shop_open BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION incentives_ledger_shop_open()""",
]
SHOP_LOCK_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS incentives_ledger_shop_open ON {TABLE}",
    "DROP FUNCTION IF EXISTS incentives_ledger_shop_open()",
]
SHOP_LOCK_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS incentives_ledger_shop_open BEFORE INSERT ON {TABLE}
    WHEN EXISTS (SELECT 1 FROM {SHOP_LOCKS} l WHERE l.period_id = NEW.period_id AND l.shop_id = {_ENTRY_SHOP})
    BEGIN SELECT RAISE(ABORT, '{TRIGGER_SHOP_LOCKED}: period is locked for the entry''s shop'); END""",
]
SHOP_LOCK_SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS incentives_ledger_shop_open"]


def shop_lock_install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return SHOP_LOCK_POSTGRES_INSTALL
    if vendor == "sqlite":
        return SHOP_LOCK_SQLITE_INSTALL
    raise NotImplementedError(
        f"incentives ledger triggers are written for PostgreSQL and SQLite, not {vendor}"
    )


def shop_lock_remove_sql(vendor: str) -> list[str]:
    return SHOP_LOCK_POSTGRES_REMOVE if vendor == "postgresql" else SHOP_LOCK_SQLITE_REMOVE


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL
    raise NotImplementedError(
        f"incentives ledger triggers are written for PostgreSQL and SQLite, not {vendor}"
    )


def remove_sql(vendor: str) -> list[str]:
    return POSTGRES_REMOVE if vendor == "postgresql" else SQLITE_REMOVE


def ensure_triggers(using: str = "default", **kwargs) -> None:
    """Idempotent (post_migrate): re-create the SQLite triggers a table rebuild may have dropped."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = connection.introspection.table_names()
    if TABLE not in tables:
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_INSTALL + (SHOP_LOCK_SQLITE_INSTALL if SHOP_LOCKS in tables else []):
            cursor.execute(sql)


def drop_cross_table_triggers(using: str = "default", **kwargs) -> None:
    """pre_migrate on SQLite: drop the shop-lock trigger, whose body reads cases_case, reviewdesk's
    memberships and incentives' accounts. SQLite rebuilds a table to alter it (create, copy, drop, rename)
    and re-checks every trigger at the rename, so with the trigger in place any migration that alters one
    of those tables fails ("no such table: main.cases_case"). ``ensure_triggers`` puts it back after the
    migrations (post_migrate). PostgreSQL binds a trigger function's tables late: nothing to do there."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in SHOP_LOCK_SQLITE_REMOVE:
            cursor.execute(sql)
