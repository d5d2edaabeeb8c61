"""The automatic rules as they were code constants: a courier watch alert on a logistics case asks
logistics to trace the parcel; three open quality cases on one SKU within seven days ask QC to confirm the
batch. Global rows (no shop); missing rows only, so a manager's edits survive a re-run. Also the hourly
schedule that posts the weekly Top-3 report to the departments' robots (``workorders.weekly``)."""

from django.db import migrations

RULES = [
    # (kind, department code, request type code, issue type codes, threshold, window days)
    ("courier_watch", "logistics", "trace_parcel", "logistics", 1, 7),
    ("quality_threshold", "qc", "confirm_batch", "quality", 3, 7),
]
SCHEDULES = [
    ("ReviewDesk work-order weekly robots", "workorders.weekly.weekly_robot_sweep", "H"),
]


def seed(apps, schema_editor):
    AutomationRule = apps.get_model("workorders", "AutomationRule")
    RequestType = apps.get_model("workorders", "RequestType")
    for kind, department_code, type_code, issue_types, threshold, window_days in RULES:
        if AutomationRule.objects.filter(kind=kind, shop__isnull=True).exists():
            continue
        request_type = RequestType.objects.filter(
            department__shop__isnull=True, department__code=department_code, code=type_code
        ).first()
        if request_type is None:  # the department was removed: no rule until a manager adds one
            continue
        AutomationRule.objects.create(
            kind=kind,
            department_id=request_type.department_id,
            request_type=request_type,
            issue_types=issue_types,
            threshold=threshold,
            window_days=window_days,
        )


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": schedule_type, "repeats": -1}
        )


def seed_all(apps, schema_editor):
    seed(apps, schema_editor)
    create_schedules(apps, schema_editor)


def unseed(apps, schema_editor):
    apps.get_model("workorders", "AutomationRule").objects.filter(
        shop__isnull=True, kind__in=[kind for kind, *_rest in RULES]
    ).delete()
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, *_r in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0004_automation_rules_and_robot_posts"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(seed_all, unseed)]
