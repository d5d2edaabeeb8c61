"""The insights schedules exist after ``migrate``:

- weekly Top-3 report, every Monday 09:00 Asia/Shanghai (schedule type W, first run the next Monday 09:00);
- daily unresolved review, every morning 08:30 Asia/Shanghai (staffing starts at 08:00, seed 002);
- rollup refresh, every 5 minutes (see insights.services.rollup).

django-q2 advances ``next_run`` by a week / a day from the stored one, so the wall-clock time holds
(Asia/Shanghai has no daylight saving time).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKLY = "ReviewDesk weekly Top-3 report"
DAILY = "ReviewDesk daily unresolved review"
ROLLUP = "ReviewDesk insights rollup refresh"


def next_at(*, weekday: int | None, hour: int, minute: int) -> dt.datetime:
    now = dt.datetime.now(SHANGHAI)
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if weekday is not None:
        candidate += dt.timedelta(days=(weekday - candidate.weekday()) % 7)
    while candidate <= now:
        candidate += dt.timedelta(days=7 if weekday is not None else 1)
    return candidate


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(name=WEEKLY, defaults={
        "func": "insights.tasks.weekly_report_task", "schedule_type": "W", "repeats": -1,
        "next_run": next_at(weekday=0, hour=9, minute=0),
    })
    Schedule.objects.update_or_create(name=DAILY, defaults={
        "func": "insights.tasks.daily_unresolved_task", "schedule_type": "D", "repeats": -1,
        "next_run": next_at(weekday=None, hour=8, minute=30),
    })
    Schedule.objects.update_or_create(name=ROLLUP, defaults={
        "func": "insights.tasks.rollup_refresh_task", "schedule_type": "I", "minutes": 5, "repeats": -1,
    })


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[WEEKLY, DAILY, ROLLUP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
