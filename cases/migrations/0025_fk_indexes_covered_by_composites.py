"""Five single-column foreign-key indexes go: each column already leads a composite index
(review.shop: uniq_review_shop_external_id; review.buyer: review_buyer_time; case.shop: case_queue;
case.assignee: case_assignee_status; buyer.shop: uniq_buyer_shop_nick), so every lookup they served
uses the composite, and every intake row wrote one index fewer.

Only the indexes are dropped: Django's AlterField would also drop and re-add each foreign key, which
re-checks every row of the table under a lock. The state changes as AlterField says.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COVERED = [
    ("cases_buyer", "shop_id"),
    ("cases_case", "assignee_id"),
    ("cases_case", "shop_id"),
    ("cases_review", "buyer_id"),
    ("cases_review", "shop_id"),
]


def _name(schema_editor, table, column):
    return schema_editor._create_index_name(table, [column], suffix="")


def drop_indexes(apps, schema_editor):
    for table, column in COVERED:
        schema_editor.execute("DROP INDEX IF EXISTS %s" % schema_editor.quote_name(_name(schema_editor, table, column)))


def create_indexes(apps, schema_editor):
    for table, column in COVERED:
        schema_editor.execute(
            "CREATE INDEX %s ON %s (%s)"
            % tuple(schema_editor.quote_name(n) for n in (_name(schema_editor, table, column), table, column))
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0024_followup_task_shop'),
        ('reviewdesk', '0008_saved_filters'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name='buyer',
                    name='shop',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='buyers', to='reviewdesk.shop', verbose_name='店铺'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='assignee',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_cases', to=settings.AUTH_USER_MODEL, verbose_name='处理人'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='shop',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='reviewdesk.shop', verbose_name='店铺'),
                ),
                migrations.AlterField(
                    model_name='review',
                    name='buyer',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='cases.buyer', verbose_name='买家'),
                ),
                migrations.AlterField(
                    model_name='review',
                    name='shop',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='reviewdesk.shop', verbose_name='店铺'),
                ),
            ],
        ),
    ]
