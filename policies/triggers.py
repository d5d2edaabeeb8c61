"""The policy stamp's triggers: every write to a policy table bumps ``PolicyStamp`` (row id 1) in the
same transaction (see ``policies.models.stamp``).

PostgreSQL: one statement-level trigger per table (INSERT, UPDATE, DELETE and TRUNCATE), so a bulk
``QuerySet.update`` of a thousand rows bumps once. SQLite has row-level triggers only: one per table
and operation. The bump is an upsert, so a flushed stamp table (tests) gets its row back on the next
write. A new policy table needs ``install_sql(vendor, [its table])`` in its own migration.
"""

STAMP_TABLE = "policies_policystamp"
FUNCTION = "policies_bump_stamp"

# Frozen here (not read from the models) so that the migration that installs them never changes.
INITIAL_TABLES = [
    "policies_issuetype",
    "policies_platformrule",
    "policies_classificationrule",
    "policies_malicioussignal",
    "policies_slatier",
    "policies_businesscalendar",
    "policies_openinghours",
    "policies_calendarexception",
    "policies_customertier",
    "policies_compensationrule",
    "policies_compensationoption",
    "policies_replytemplate",
    "policies_compliancerule",
    "policies_followupplan",
    "policies_followupstep",
    "policies_appealchecklist",
    "policies_contactlimit",
]
# Every policy table: the initial ones (migration 0003) and those whose own migration installed theirs
# (``install_sql(vendor, [their tables])``).
POLICY_TABLES = [*INITIAL_TABLES, "policies_campaignperiod", "policies_campaigncommitment", "policies_macro"]

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {STAMP_TABLE} (id, version, token)
    VALUES (1, 1, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = {STAMP_TABLE}.version + 1, token = EXCLUDED.token;
    RETURN NULL;
END
$$;
"""

_SQLITE_BUMP = f"""
    INSERT INTO {STAMP_TABLE} (id, version, token) VALUES (1, 1, random())
    ON CONFLICT (id) DO UPDATE SET version = version + 1, token = random();
"""
_SQLITE_OPERATIONS = ("insert", "update", "delete")


def _name(table: str, operation: str = "") -> str:
    return f"{table}_stamp{'_' + operation if operation else ''}"


def install_sql(vendor: str, tables=INITIAL_TABLES) -> list[str]:
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS {_name(table)} ON {table};",
                f"CREATE TRIGGER {_name(table)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();",
            ]
        return statements
    if vendor == "sqlite":
        statements = []
        for table in tables:
            for operation in _SQLITE_OPERATIONS:
                statements += [
                    f"DROP TRIGGER IF EXISTS {_name(table, operation)};",
                    f"CREATE TRIGGER {_name(table, operation)} AFTER {operation.upper()} ON {table} "
                    f"BEGIN {_SQLITE_BUMP} END;",
                ]
        return statements
    return []  # another database: the loader still works, but sees only its own process's writes


def remove_sql(vendor: str, tables=INITIAL_TABLES) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_name(table)} ON {table};" for table in tables] + [
            f"DROP FUNCTION IF EXISTS {FUNCTION}();"
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {_name(t, op)};" for t in tables for op in _SQLITE_OPERATIONS]
    return []


def ensure_triggers(using: str = "default", **kwargs) -> None:
    """post_migrate on SQLite: put back the stamp triggers of any policy table that a migration rebuilt
    (SQLite alters a table by rebuilding it, and the old table's triggers go with it). Idempotent."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return  # PostgreSQL keeps a table's triggers through ALTER TABLE
    tables = [t for t in POLICY_TABLES if t in set(connection.introspection.table_names())]
    with connection.cursor() as cursor:
        for sql in install_sql("sqlite", tables):
            cursor.execute(sql)
