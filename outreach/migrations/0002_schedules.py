from django.db import migrations

SCHEDULES = {
    "ReviewDesk SMS minute": {"func": "outreach.tasks.sms_minute_task", "schedule_type": "I", "minutes": 1},
    "ReviewDesk SMS receipts": {"func": "outreach.tasks.sms_receipts_task", "schedule_type": "I", "minutes": 5},
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, values in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={**values, "repeats": -1})


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    """Every minute: the follow-up plan's due SMS steps and every due or stalled message; every five
    minutes: the delivery receipts of accepted messages."""

    dependencies = [
        ("outreach", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
