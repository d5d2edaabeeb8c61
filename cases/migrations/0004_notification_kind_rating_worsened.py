# Written by hand (C2): only the new "rating_worsened" notification kind. Other apps' pending model
# changes in the working tree at the time belong in their own migrations.

from django.db import migrations, models

KINDS = [
    ("new_case", "新中差评"), ("assigned", "案件已分配给你"), ("new_cases_digest", "批量新中差评"),
    ("sla_warning", "时效预警"), ("sla_breach", "时效超时"), ("rating_worsened", "评分变差"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_notifications_sla_routing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=24, verbose_name="类型"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=24, verbose_name="类型"),
        ),
    ]
