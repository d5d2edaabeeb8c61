"""The database refuses an entry into a period its shop has locked (see incentives/triggers.py)."""

from django.db import migrations

from incentives.triggers import shop_lock_install_sql, shop_lock_remove_sql


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        return  # installed after the migrations by post_migrate (incentives.triggers.ensure_triggers)
    for sql in shop_lock_install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for sql in shop_lock_remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("incentives", "0007_period_shop_locks"), ("cases", "0001_initial"), ("reviewdesk", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
