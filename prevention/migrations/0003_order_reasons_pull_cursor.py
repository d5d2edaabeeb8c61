import django.db.models.deletion
from django.db import migrations, models

# The after-sale reason column of each platform's order export (Douyin's and JD's exports carry one; the
# Taobao/Tmall report has 退款原因 when the seller includes it). Added to the default mappings only where
# a manager has not named the field already.
REASON_ALIASES = {
    "taobao-orders": ["退款原因", "售后原因"],
    "douyin-orders": ["售后原因", "退款原因", "退货原因"],
    "jd-orders": ["售后原因", "退款原因", "服务单原因"],
    "pdd-orders": ["售后原因", "退款原因"],
}


def add_reason_aliases(apps, schema_editor):
    OrderMapping = apps.get_model("prevention", "OrderMapping")
    for mapping in OrderMapping.objects.filter(code__in=REASON_ALIASES):
        if "after_sale_reason" not in (mapping.columns or {}):
            mapping.columns = {**(mapping.columns or {}), "after_sale_reason": REASON_ALIASES[mapping.code]}
            mapping.save(update_fields=["columns"])


def remove_reason_aliases(apps, schema_editor):
    OrderMapping = apps.get_model("prevention", "OrderMapping")
    for mapping in OrderMapping.objects.filter(code__in=REASON_ALIASES):
        if (mapping.columns or {}).get("after_sale_reason") == REASON_ALIASES[mapping.code]:
            mapping.columns = {k: v for k, v in mapping.columns.items() if k != "after_sale_reason"}
            mapping.save(update_fields=["columns"])


class Migration(migrations.Migration):
    """An order's after-sale reason (the buyer's words and their category), the cursor of the incremental
    order and refund pull per connector, and the reason column in the default order export mappings."""

    dependencies = [
        ("connectors", "0003_credentials_refresh_tmc"),
        ("prevention", "0002_default_rules_and_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="after_sale_reason",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="售后原因"),
        ),
        migrations.AddField(
            model_name="order",
            name="after_sale_reason_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("quality", "质量问题"),
                    ("size", "尺码不合适"),
                    ("not_as_described", "与描述不符"),
                    ("logistics", "物流问题"),
                    ("changed_mind", "不想要了/七天无理由"),
                    ("other", "其他"),
                ],
                default="",
                max_length=16,
                verbose_name="售后原因分类",
            ),
        ),
        migrations.CreateModel(
            name="OrderPullCursor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("trades", "订单"), ("refunds", "退款")], max_length=16, verbose_name="类型"
                    ),
                ),
                ("cursor_at", models.DateTimeField(blank=True, null=True, verbose_name="已拉取至")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "connector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="connectors.connector",
                        verbose_name="平台对接",
                    ),
                ),
            ],
            options={
                "verbose_name": "订单拉取进度",
                "verbose_name_plural": "订单拉取进度",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connector", "kind"), name="prevention_pull_cursor_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(add_reason_aliases, remove_reason_aliases),
    ]
