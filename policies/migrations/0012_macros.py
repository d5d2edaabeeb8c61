# Macros: a reply template plus an optional compensation in one step (cases.workflow.macros), with the
# policy stamp's trigger on their table (the case page's macro list is cached on the stamp).
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from policies.triggers import install_sql, remove_sql

TABLES = ["policies_macro"]


def install(apps, schema_editor):
    for sql in install_sql(schema_editor.connection.vendor, TABLES):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    # The function is shared with every other policy table: drop the trigger only.
    for sql in remove_sql(schema_editor.connection.vendor, TABLES):
        if "FUNCTION" not in sql:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0011_campaign_periods"),
        ("reviewdesk", "0007_platform_kuaishou"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalMacro",
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
                    models.CharField(help_text="如：致歉 + 5元券。", max_length=64, verbose_name="名称"),
                ),
                (
                    "compensation_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("refund", "退款"),
                            ("reship", "补发"),
                            ("coupon", "优惠券"),
                            ("red_packet", "红包"),
                            ("shipping_compensation", "运费赔付"),
                            ("free_shipping", "免运费"),
                            ("gift", "礼品"),
                            ("apology", "道歉"),
                            ("dedicated_agent", "专属客服"),
                            ("tutorial", "使用教程"),
                            ("after_sales", "售后指导"),
                            ("supervisor_decides", "主管决定"),
                        ],
                        help_text="留空表示只起草回复，不提出补偿。",
                        max_length=32,
                        verbose_name="补偿类型",
                    ),
                ),
                (
                    "compensation_amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="须是补偿矩阵为该案件给出的方案金额；留空表示该类型的任一方案。",
                        max_digits=12,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0"), message="金额不能为负数。")
                        ],
                        verbose_name="补偿金额(元)",
                    ),
                ),
                ("sort_order", models.PositiveSmallIntegerField(default=100, verbose_name="排序")),
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
                    "reply_template",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="应用时为案件生成的草稿(放进回复框，不会自动发出)。",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="policies.replytemplate",
                        verbose_name="回复模板",
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
                "verbose_name": "historical 快捷宏",
                "verbose_name_plural": "historical 快捷宏",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Macro",
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
                    models.CharField(help_text="如：致歉 + 5元券。", max_length=64, verbose_name="名称"),
                ),
                (
                    "compensation_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("refund", "退款"),
                            ("reship", "补发"),
                            ("coupon", "优惠券"),
                            ("red_packet", "红包"),
                            ("shipping_compensation", "运费赔付"),
                            ("free_shipping", "免运费"),
                            ("gift", "礼品"),
                            ("apology", "道歉"),
                            ("dedicated_agent", "专属客服"),
                            ("tutorial", "使用教程"),
                            ("after_sales", "售后指导"),
                            ("supervisor_decides", "主管决定"),
                        ],
                        help_text="留空表示只起草回复，不提出补偿。",
                        max_length=32,
                        verbose_name="补偿类型",
                    ),
                ),
                (
                    "compensation_amount",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="须是补偿矩阵为该案件给出的方案金额；留空表示该类型的任一方案。",
                        max_digits=12,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0"), message="金额不能为负数。")
                        ],
                        verbose_name="补偿金额(元)",
                    ),
                ),
                ("sort_order", models.PositiveSmallIntegerField(default=100, verbose_name="排序")),
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
                    "reply_template",
                    models.ForeignKey(
                        help_text="应用时为案件生成的草稿(放进回复框，不会自动发出)。",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="macros",
                        to="policies.replytemplate",
                        verbose_name="回复模板",
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
                "verbose_name": "快捷宏",
                "verbose_name_plural": "快捷宏",
                "ordering": ["sort_order", "name", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("shop__isnull", True), ("client__isnull", True), _connector="OR"),
                        name="macro_one_layer",
                        violation_error_message="一条规则只能属于一个层级：店铺和品牌方只能填写其一(都不填为全局)。",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("compensation_amount__isnull", True),
                            ("compensation_amount__gte", 0),
                            _connector="OR",
                        ),
                        name="macro_amount_non_negative",
                    ),
                ],
            },
        ),
        migrations.RunPython(install, remove),
    ]
