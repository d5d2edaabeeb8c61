"""A follow-up task carries its case's shop, so "my follow-ups due" reads only the open tasks of the
user's shops (the partial index ``followup_open_shop_due``): the home page's agent panel and the
queue's due follow-ups. Existing tasks take their case's shop."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_shops(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    FollowUpTask = apps.get_model("cases", "FollowUpTask")
    FollowUpTask.objects.filter(shop__isnull=True).update(
        shop_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("shop_id")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # The deferred foreign-key checks of that update run now: PostgreSQL refuses to alter a table
        # with pending trigger events (the NOT NULL below).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_sms_channel"),
        ("reviewdesk", "0008_saved_filters"),
    ]

    operations = [
        migrations.AddField(
            model_name="followuptask",
            name="shop",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="reviewdesk.shop",
                verbose_name="店铺",
            ),
        ),
        migrations.RunPython(copy_shops, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="followuptask",
            name="shop",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="reviewdesk.shop",
                verbose_name="店铺",
            ),
        ),
        migrations.AddIndex(
            model_name="followuptask",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True), ("skipped_reason", "")),
                fields=["shop", "due_at"],
                name="followup_open_shop_due",
            ),
        ),
    ]
