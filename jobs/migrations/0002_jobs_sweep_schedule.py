from django.db import migrations

NAME = "ReviewDesk jobs sweep"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={"func": "jobs.services.jobs_sweep", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    """Every five minutes: a running job whose worker was killed is marked failed (an import is one
    transaction: nothing of it was written), and expired results are deleted with their files."""

    dependencies = [
        ("jobs", "0001_job"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
