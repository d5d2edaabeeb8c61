"""Schedules: daily training awards (QA scores, response KPIs; idempotent), and on the first day of
each quarter the paid leave of the quarter just ended."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    ("ReviewDesk incentives: training awards", "incentives.tasks.training_awards_task", "D"),
    ("ReviewDesk incentives: quarterly top 3", "incentives.tasks.quarter_top_task", "Q"),
]


def _next_quarter_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    month = 3 * ((local.month - 1) // 3) + 4
    year = local.year + (month > 12)
    month = month - 12 if month > 12 else month
    return timezone.make_aware(dt.datetime(year, month, 1, 2, 0))


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    for name, func, kind in SCHEDULES:
        next_run = _next_quarter_start(now) if kind == "Q" else now + dt.timedelta(hours=1)
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "repeats": -1, "next_run": next_run}
        )


def delete(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, _f, _k in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0003_seed_rules"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, delete)]
