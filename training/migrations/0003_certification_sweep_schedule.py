from django.db import migrations

NAME = "ReviewDesk certification sweep"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME, defaults={"func": "training.tasks.certification_sweep_task", "schedule_type": "H", "repeats": -1}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    """Hourly: a certification that expires overnight is recorded and its supervisors told within the hour."""

    dependencies = [
        ("training", "0002_seed_training_matrix"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
