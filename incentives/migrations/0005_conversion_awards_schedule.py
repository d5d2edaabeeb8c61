"""Schedule: every 10 minutes, the conversions (and reverts) whose event the ledger missed."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

NAME = "ReviewDesk incentives: missed conversion awards"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={"func": "incentives.tasks.conversion_awards_task", "schedule_type": "I", "minutes": 10, "repeats": -1,
                  "next_run": timezone.now() + dt.timedelta(minutes=10)},
    )


def delete(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("incentives", "0004_schedules")]
    operations = [migrations.RunPython(create, delete)]
