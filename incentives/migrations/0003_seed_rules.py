"""Default award rules (seed 000: 50 CNY per converted negative review, quarterly top 3 paid leave,
service-value points; seed 002: response KPIs) and a starter reward catalogue. Idempotent: rows are
matched by code / name and left alone when they exist, so a manager's edits survive re-running."""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

RULES = [
    # code, name, event, amount, points, leave_days, extra
    ("conversion-bonus", "差评转化奖金", "verified_conversion", Decimal("50.00"), None, None, {}),
    ("sla-handled-points", "时效内处理中差评积分", "handled_within_sla", None, 10, None, {}),
    ("appeal-won-points", "恶意差评申诉成功积分", "appeal_won", None, 20, None, {}),
    ("qa-score-points", "质检得分达标积分", "qa_score", None, 10, None, {"min_score": Decimal("90.00")}),
    ("response-kpi-points", "响应时长KPI达标积分", "response_kpi", None, 30, None, {"cap_per_period": 1}),
    ("quarter-top3-leave", "季度转化前三名带薪假", "quarter_top", None, None, Decimal("1.0"), {"top_n": 3}),
]
DESCRIPTIONS = {
    "conversion-bonus": "成功转化1条差评奖励50元。以平台数据(后续导入/接口)显示评分在可修改期内变好为准。",
    "sla-handled-points": "处理差评可累积服务价值积分，可兑换培训资源、晋升机会。",
    "response-kpi-points": "首次响应≤30秒、平均响应≤2分钟达标者给予奖励。",
    "quarter-top3-leave": "季度转化数前三名额外奖励带薪休假。并列时先达到该转化数者优先，再按工号排序。",
}
ITEMS = [
    ("话术进阶线上课程", "training", 200, "培训资源：一门线上课程。"),
    ("晋升答辩机会", "promotion", 1000, "晋升机会：参加下一次组长晋升答辩。"),
    ("带薪休假半天", "paid_leave", 500, "兑换半天带薪假，由人事排期。"),
    ("定制保温杯", "gift", 100, "礼品。"),
]


def _history(apps, model_name, obj):
    """The first version of a seeded row in its simple_history table (seeding bypasses the signal)."""
    Historical = apps.get_model("incentives", f"Historical{model_name}")
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    Historical.objects.create(
        **values, history_date=timezone.now(), history_type="+", history_change_reason="seed 000"
    )


def seed(apps, schema_editor):
    AwardRule = apps.get_model("incentives", "AwardRule")
    RewardItem = apps.get_model("incentives", "RewardItem")
    for code, name, event, amount, points, leave_days, extra in RULES:
        if AwardRule.objects.filter(code=code).exists():
            continue
        rule = AwardRule.objects.create(
            code=code, name=name, event=event, amount=amount, points=points, leave_days=leave_days,
            effective_from=dt.date(2026, 1, 1), description=DESCRIPTIONS.get(code, ""), **extra,
        )
        _history(apps, "AwardRule", rule)
    for name, category, price, description in ITEMS:
        if not RewardItem.objects.filter(name=name).exists():
            item = RewardItem.objects.create(name=name, category=category, point_price=price, description=description)
            _history(apps, "RewardItem", item)


class Migration(migrations.Migration):
    dependencies = [("incentives", "0002_ledger_triggers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
