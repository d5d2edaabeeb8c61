"""The offers rollup (insights.models.OfferRollup), filled from the offers already made; and an index
for one shop's range of the review rollup (the dashboard read 30,000 rows of a busy shop's year to
keep 500)."""

from zoneinfo import ZoneInfo

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate


def backfill(apps, schema_editor):
    """The same rows as insights.services.offer_rollup writes, from the historical models."""
    Offer = apps.get_model("cases", "CompensationOffer")
    OfferRollup = apps.get_model("insights", "OfferRollup")
    groups = (
        Offer.objects.values(shop=F("case__shop_id"), day=TruncDate("case__opened_at", tzinfo=ZoneInfo("Asia/Shanghai")),
                             platform=F("case__platform"), option=F("option_id"), name=F("option_name"),
                             issue=F("case__issue_type_id"), answer=F("buyer_answer"))
        .annotate(n=Count("pk"), spent=Sum("cost")).order_by()
    )
    rows = (
        OfferRollup(shop_id=g["shop"], day=g["day"], platform=g["platform"], option_id=g["option"], option_name=g["name"],
                    issue_type_id=g["issue"], answer=g["answer"], offers=g["n"], cost=g["spent"] or 0)
        for g in groups.iterator(chunk_size=5000)
    )
    OfferRollup.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_notification_kind_approvals'),
        ('insights', '0002_schedules'),
        ('policies', '0002_initial'),
        ('reviewdesk', '0002_role_groups'),
    ]

    operations = [
        migrations.CreateModel(
            name='OfferRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='开案日期(北京时间)')),
                ('platform', models.CharField(choices=[('taobao', '淘宝'), ('tmall', '天猫'), ('douyin', '抖店'), ('jd', '京东'), ('pdd', '拼多多')], max_length=16, verbose_name='平台')),
                ('option_id', models.PositiveIntegerField(verbose_name='方案ID')),
                ('option_name', models.CharField(max_length=100, verbose_name='方案')),
                ('answer', models.CharField(blank=True, help_text='空表示尚未答复。', max_length=16, verbose_name='买家答复')),
                ('offers', models.PositiveIntegerField(default=0, verbose_name='方案数')),
                ('cost', models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name='成本(元)')),
            ],
            options={
                'verbose_name': '补偿方案日汇总',
                'verbose_name_plural': '补偿方案日汇总',
            },
        ),
        migrations.AddIndex(
            model_name='reviewrollup',
            index=models.Index(fields=['shop', 'dimension', 'day'], name='insights_rollup_shop_dim_day'),
        ),
        migrations.AddField(
            model_name='offerrollup',
            name='issue_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policies.issuetype', verbose_name='问题类型'),
        ),
        migrations.AddField(
            model_name='offerrollup',
            name='shop',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviewdesk.shop', verbose_name='店铺'),
        ),
        migrations.AddConstraint(
            model_name='offerrollup',
            constraint=models.UniqueConstraint(models.F('shop'), models.F('day'), models.F('option_id'), models.F('option_name'), django.db.models.functions.comparison.Coalesce('issue_type', models.Value(0)), models.F('answer'), name='uniq_insights_offer_rollup'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
