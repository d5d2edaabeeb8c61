from django.db import migrations

NAME = "ReviewDesk import staging sweep"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={"func": "cases.imports.uploads.staged_previews_sweep", "schedule_type": "H", "repeats": -1},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    """Hourly: files staged for an import preview and never confirmed nor cancelled are deleted once older
    than IMPORT_STAGING_MAX_AGE_HOURS (a buyer's export must not stay on disk for ever)."""

    dependencies = [
        ("cases", "0012_apitoken_scopes_audit"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
