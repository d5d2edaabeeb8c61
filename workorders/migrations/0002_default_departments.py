"""The default departments of the pack: the warehouse answers within 2 business hours (核实库存), logistics
within 4 (追踪包裹), finance, purchasing/suppliers and QC with their own request types. Global rows (no
shop); missing rows only, so a manager's edits survive a re-run."""

from django.db import migrations

DEPARTMENTS = [
    # (code, name, [(request type code, name, SLA minutes, blocking)])
    ("warehouse", "仓库", [("verify_stock", "核实库存", 120, True), ("check_shipment", "核实发货/错漏发", 240, True)]),
    ("logistics", "物流", [("trace_parcel", "追踪包裹", 240, False), ("claim_damage", "破损理赔", 1440, False)]),
    ("finance", "财务", [("approve_refund", "审核退款/补偿", 240, True)]),
    ("supplier", "采购/供应商", [("confirm_defect", "确认质量问题", 1440, False)]),
    ("qc", "质检", [("confirm_batch", "确认批次质量问题", 480, False)]),
]


def seed(apps, schema_editor):
    Department = apps.get_model("workorders", "Department")
    RequestType = apps.get_model("workorders", "RequestType")
    for code, name, types in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(shop=None, code=code, defaults={"name": name})
        for type_code, type_name, minutes, blocking in types:
            RequestType.objects.get_or_create(
                department=department,
                code=type_code,
                defaults={"name": type_name, "sla_minutes": minutes, "blocking": blocking},
            )


def unseed(apps, schema_editor):
    apps.get_model("workorders", "Department").objects.filter(
        shop=None, code__in=[code for code, _n, _t in DEPARTMENTS], work_orders__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_departments_and_work_orders")]
    operations = [migrations.RunPython(seed, unseed)]
