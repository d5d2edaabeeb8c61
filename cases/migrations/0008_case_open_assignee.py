from django.db import migrations, models


class Migration(migrations.Migration):
    """The queues' index: open cases by assignee and shop (cases.queries.queue)."""

    dependencies = [
        ("cases", "0007_notification_kind_approvals"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ("new", "assigned", "in_progress", "waiting_buyer", "verified",
                                    "pending_approval", "offered", "agreed", "malicious", "appealing")),
                ),
                fields=["assignee", "shop"],
                name="case_open_assignee",
            ),
        ),
    ]
