from decimal import Decimal

from django.db import migrations

# Seed 000's training matrix, seed 002's weekly role-play and response KPIs. Every number is a default
# a manager edits in the admin; thresholds seed 002 does not give (role-play, response KPIs, offer
# acceptance) are marked as ReviewDesk defaults in their description.
MODULES = [
    # code, name, format, kpi, unit, threshold, comparison, max, period, validity, metric, order, description
    ("product_knowledge", "产品知识", "exam", "产品知识考核准确率", "%", "95", "gte", "100", "monthly", 90, "", 10,
     "客服需通过产品知识考核，解答准确率达95%以上；接待任何案件前必须通过。"),
    ("emotion_management", "情绪管理", "roleplay", "沟通录音合格率", "%", "90", "gte", "100", "monthly", 90, "", 20,
     "情景模拟+心理疏导；质检合格率计入本模块。"),
    ("negotiation", "谈判技巧", "game", "客户满意度", "分", "85", "gte", "100", "monthly", 90, "csat", 30,
     "补偿方案设计博弈；满意度调查(1–5分)折算为百分制。法务级(恶意差评)案件要求通过。"),
    ("data_analysis", "数据分析", "report", "周报提交及时率", "%", "100", "gte", "100", "monthly", 60, "", 40,
     "差评归因建模，周报按时提交率100%。"),
    ("weekly_roleplay", "每周角色扮演培训", "roleplay", "角色扮演演练评分", "分", "80", "gte", "100", "weekly", 14, "", 50,
     "每周组织客服培训，通过角色扮演模拟售后场景。达标线80分为ReviewDesk默认值。"),
    ("first_response_sla", "首次响应达标率", "kpi", "首次响应在时限内的案件占比", "%", "90", "gte", "100", "monthly", 60,
     "first_response_sla", 60, "首次响应时长纳入客服KPI。由案件计算；达标线90%为ReviewDesk默认值。"),
    ("first_response_time", "平均首次响应时长", "kpi", "开案到首次响应的平均分钟数(自然时间)", "分钟", "120", "lte", "100000",
     "monthly", 60, "first_response_minutes", 70, "响应时长KPI。由案件计算；120分钟为ReviewDesk默认值。"),
    ("offer_acceptance", "补偿方案接受率", "kpi", "买家接受补偿方案的比例", "%", "75", "gte", "100", "monthly", 60,
     "offer_acceptance", 80, "各补偿方案接受率(A/B对比)。由案件计算；75%为ReviewDesk默认值。"),
]

RUBRIC = "中差评处理质检标准"
ITEMS = [
    # name, description, weight, critical, order
    ("3S致歉", "Sorry–Solve–Smile：先致歉、给方案、收尾友好。", 25, False, 10),
    ("不找借口", "不推诿、不指责买家或快递。", 20, False, 20),
    ("先核实再补偿", "核实责任(商家/供应商/快递/仓库/买家误解)后才提出补偿。", 25, False, 30),
    ("合规用语", "无好评返现、诱导修改/追加评价等平台禁止用语；不合格即整单0分。", 30, True, 40),
]


def seed(apps, schema_editor):
    Module = apps.get_model("training", "TrainingModule")
    Requirement = apps.get_model("training", "ModuleRequirement")
    Rubric = apps.get_model("training", "QaRubric")
    Item = apps.get_model("training", "QaItem")
    modules = {}
    for code, name, fmt, kpi, unit, threshold, comparison, max_value, period, validity, metric, order, desc in MODULES:
        modules[code], _ = Module.objects.get_or_create(code=code, defaults={
            "name": name, "format": fmt, "kpi": kpi, "unit": unit, "threshold": Decimal(threshold),
            "comparison": comparison, "max_value": Decimal(max_value), "period_kind": period,
            "validity_days": validity, "computed_metric": metric, "sort_order": order, "description": desc,
        })
    Requirement.objects.get_or_create(
        module=modules["product_knowledge"], handling_role="", issue_type=None, shop=None,
        defaults={"note": "通过产品知识考核后才能处理任何案件。"},
    )
    Requirement.objects.get_or_create(
        module=modules["negotiation"], handling_role="legal", issue_type=None, shop=None,
        defaults={"note": "法务级(恶意差评)案件要求谈判技巧达标。"},
    )
    rubric, _ = Rubric.objects.get_or_create(name=RUBRIC, defaults={"module": modules["emotion_management"], "pass_mark": Decimal("80")})
    for name, desc, weight, critical, order in ITEMS:
        Item.objects.get_or_create(rubric=rubric, name=name, defaults={
            "description": desc, "weight": weight, "critical": critical, "sort_order": order})


def unseed(apps, schema_editor):
    apps.get_model("training", "QaRubric").objects.filter(name=RUBRIC, reviews__isnull=True).delete()
    apps.get_model("training", "ModuleRequirement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
