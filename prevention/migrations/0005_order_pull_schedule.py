from django.db import migrations

NAME = "ReviewDesk order and refund pull"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "prevention.pull_orders.order_pull_task",
            "schedule_type": "I",
            "minutes": 15,
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    """The incremental pull of the connected Taobao/Tmall shops' changed trades and refunds, every 15
    minutes (``prevention.pull_orders``)."""

    dependencies = [
        ("prevention", "0004_task_campaign"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
