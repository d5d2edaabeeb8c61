from django.db import migrations

SCHEDULES = [
    # (name, function, schedule type, minutes)
    ("ReviewDesk work-order sweep", "workorders.sweep.workorders_sweep", "I", 1),
    ("ReviewDesk work-order quality rule", "workorders.automation.quality_rule_sweep", "H", None),
]


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes, "repeats": -1}
        )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    """Every minute: warn and escalate overdue work orders (workorders.sweep). Hourly: ask QC about a SKU
    over the weekly threshold of quality cases (workorders.automation)."""

    dependencies = [
        ("workorders", "0002_default_departments"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
