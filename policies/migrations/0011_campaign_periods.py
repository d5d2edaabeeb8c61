# Peak seasons (campaign periods) as policy data, with the policy stamp's triggers on their tables.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from policies.triggers import install_sql, remove_sql

TABLES = ["policies_campaignperiod", "policies_campaigncommitment"]


def install(apps, schema_editor):
    for sql in install_sql(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # The function is shared with every other policy table: drop the triggers only.
    for sql in remove_sql(vendor, TABLES):
        if "FUNCTION" not in sql:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0010_platform_kuaishou"),
        ("reviewdesk", "0007_platform_kuaishou"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("version", models.PositiveIntegerField(default=1, editable=False, verbose_name="版本")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "name",
                    models.CharField(help_text="如：双11、618、年货节。", max_length=64, verbose_name="名称"),
                ),
                (
                    "name_en",
                    models.CharField(
                        blank=True, help_text="界面为英文时显示。", max_length=64, verbose_name="英文名称"
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                (
                    "ends_at",
                    models.DateTimeField(
                        help_text="不含此刻：此刻及之后开启的案件按平时时效。", verbose_name="结束时间"
                    ),
                ),
                (
                    "buyer_promise",
                    models.TextField(
                        blank=True,
                        help_text="大促期间向买家说明的处理时效，如“双11期间退货退款审核延长至24小时，但我们会优先处理”。",
                        verbose_name="对买家的时效承诺",
                    ),
                ),
                (
                    "calendar",
                    models.ForeignKey(
                        blank=True,
                        help_text="大促期间计时使用的营业日历；留空沿用时效等级或店铺的日历。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="campaigns",
                        to="policies.businesscalendar",
                        verbose_name="大促排班日历",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        blank=True,
                        help_text="填写品牌方表示对该品牌方的所有店铺生效并覆盖全局规则；店铺规则再覆盖品牌方规则。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reviewdesk.client",
                        verbose_name="品牌方",
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        blank=True,
                        help_text="留空表示全局默认；填写店铺表示仅对该店铺生效并覆盖全局规则。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reviewdesk.shop",
                        verbose_name="店铺",
                    ),
                ),
            ],
            options={
                "verbose_name": "大促时段",
                "verbose_name_plural": "大促时段",
                "ordering": ["starts_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="CampaignCommitment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "first_response_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="留空沿用时效等级。",
                        null=True,
                        verbose_name="大促首次响应时限(分钟)",
                    ),
                ),
                (
                    "public_reply_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="留空沿用时效等级。",
                        null=True,
                        verbose_name="大促公开回复时限(分钟)",
                    ),
                ),
                (
                    "resolution_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="如退货退款审核 24 小时 = 1440。",
                        null=True,
                        verbose_name="大促解决时限(分钟)",
                    ),
                ),
                (
                    "issue_type",
                    models.ForeignKey(
                        blank=True,
                        help_text="留空表示其他所有问题类型。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="policies.issuetype",
                        verbose_name="问题类型",
                    ),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commitments",
                        to="policies.campaignperiod",
                        verbose_name="大促时段",
                    ),
                ),
            ],
            options={
                "verbose_name": "大促时效承诺",
                "verbose_name_plural": "大促时效承诺",
                "ordering": ["campaign", "issue_type", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalCampaignPeriod",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("version", models.PositiveIntegerField(default=1, editable=False, verbose_name="版本")),
                ("updated_at", models.DateTimeField(blank=True, editable=False, verbose_name="更新时间")),
                (
                    "name",
                    models.CharField(help_text="如：双11、618、年货节。", max_length=64, verbose_name="名称"),
                ),
                (
                    "name_en",
                    models.CharField(
                        blank=True, help_text="界面为英文时显示。", max_length=64, verbose_name="英文名称"
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                (
                    "ends_at",
                    models.DateTimeField(
                        help_text="不含此刻：此刻及之后开启的案件按平时时效。", verbose_name="结束时间"
                    ),
                ),
                (
                    "buyer_promise",
                    models.TextField(
                        blank=True,
                        help_text="大促期间向买家说明的处理时效，如“双11期间退货退款审核延长至24小时，但我们会优先处理”。",
                        verbose_name="对买家的时效承诺",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "calendar",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="大促期间计时使用的营业日历；留空沿用时效等级或店铺的日历。",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="policies.businesscalendar",
                        verbose_name="大促排班日历",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="填写品牌方表示对该品牌方的所有店铺生效并覆盖全局规则；店铺规则再覆盖品牌方规则。",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reviewdesk.client",
                        verbose_name="品牌方",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "shop",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="留空表示全局默认；填写店铺表示仅对该店铺生效并覆盖全局规则。",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reviewdesk.shop",
                        verbose_name="店铺",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 大促时段",
                "verbose_name_plural": "historical 大促时段",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="campaignperiod",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client__isnull", True), ("shop__isnull", True)),
                fields=("name",),
                name="uniq_campaign_name_global",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignperiod",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client__isnull", False)),
                fields=("name", "client"),
                name="uniq_campaign_name_client",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignperiod",
            constraint=models.UniqueConstraint(
                condition=models.Q(("shop__isnull", False)),
                fields=("name", "shop"),
                name="uniq_campaign_name_shop",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignperiod",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="campaign_ends_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignperiod",
            constraint=models.CheckConstraint(
                condition=models.Q(("shop__isnull", True), ("client__isnull", True), _connector="OR"),
                name="campaign_period_one_layer",
                violation_error_message="一条规则只能属于一个层级：店铺和品牌方只能填写其一(都不填为全局)。",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaigncommitment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("issue_type__isnull", False)),
                fields=("campaign", "issue_type"),
                name="uniq_campaign_commitment_issue",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaigncommitment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("issue_type__isnull", True)),
                fields=("campaign",),
                name="uniq_campaign_commitment_fallback",
            ),
        ),
        migrations.RunPython(install, remove),
    ]
