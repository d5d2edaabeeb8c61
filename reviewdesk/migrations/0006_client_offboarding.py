"""Offboarding a client: the permission to export a client wholesale and erase its buyers' data (no role
has it: a superuser grants it to the agency's administrator), and the daily erasure of buyers' personal
data older than each client's ``buyer_data_retention_days`` (``cases.offboarding``), every day at 03:30
Asia/Shanghai, outside working hours. The schedule names its task by path, as every schedule does; this
migration imports nothing of cases."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME = "ReviewDesk client buyer-data erasure"


def next_at(hour: int, minute: int) -> dt.datetime:
    now = dt.datetime.now(SHANGHAI)
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "cases.offboarding.tasks.erase_expired_buyer_data_task",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": next_at(3, 30),
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviewdesk", "0005_clients"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="client",
            options={
                "ordering": ["code"],
                "permissions": [("offboard_client", "可导出品牌方的全部数据并清除其买家个人信息")],
                "verbose_name": "品牌方",
                "verbose_name_plural": "品牌方",
            },
        ),
        migrations.RunPython(create_schedule, delete_schedule),
    ]
