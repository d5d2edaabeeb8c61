"""Append-only ledger and closed periods enforced by the database (see incentives/triggers.py)."""

from django.db import migrations

from incentives.triggers import install_sql, remove_sql


def install(apps, schema_editor):
    for sql in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for sql in remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
