"""``flush`` empties every table on purpose (tests with real commits, a developer's reset).

On PostgreSQL flush uses TRUNCATE, which the ledger's row triggers do not see. On SQLite it issues
``DELETE FROM``, which the append-only trigger refuses; so for the duration of the flush (one
transaction) the SQLite DELETE guard is dropped and then re-created. Nothing else disables it.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from incentives.triggers import SQLITE_NO_DELETE, TABLE


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        guarded = connection.vendor == "sqlite" and TABLE in connection.introspection.table_names()
        if guarded:
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS incentives_ledger_no_delete")
        try:
            return super().handle(**options)
        finally:
            if guarded:
                with connection.cursor() as cursor:
                    cursor.execute(SQLITE_NO_DELETE)
