"""The policy stamp (one row, bumped by triggers on every policy table in the writing transaction) and
the permission to change global rules (policies.change_global_policy)."""

from django.db import migrations, models

from policies.triggers import install_sql, remove_sql


def install(apps, schema_editor):
    for sql in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)
    stamps = apps.get_model("policies", "PolicyStamp").objects.using(schema_editor.connection.alias)
    stamps.get_or_create(pk=1)


def remove(apps, schema_editor):
    for sql in remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_initial")]

    operations = [
        migrations.CreateModel(
            name="PolicyStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                ),
                ("version", models.BigIntegerField(default=0, verbose_name="版本")),
                ("token", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "规则包版本",
                "verbose_name_plural": "规则包版本",
                "default_permissions": (),
                "permissions": [("change_global_policy", "可修改全局规则")],
            },
        ),
        migrations.RunPython(install, remove),
    ]
