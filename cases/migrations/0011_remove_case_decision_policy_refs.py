"""The decision JSON now lives in DecisionRecord (0010 moved it); a migration of its own, so the data
step's deferred foreign-key checks are done before PostgreSQL alters the table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0010_decision_record"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="case",
            name="decision",
        ),
        migrations.RemoveField(
            model_name="case",
            name="policy_refs",
        ),
    ]
