"""Work-order demo data (idempotent; ``reviewdesk.hooks.demo_builders``, stage 3: after the recent cases).

In 家居好物淘宝店 (tb-home) the warehouse clerk ``warehouse1`` leads 仓库. Two open cases carry work orders
raised by their agents: one asks the warehouse to verify stock and waits for the answer (a blocking
order: the case cannot be resolved before it is answered), the other was answered by the warehouse,
which found the wrong item had been shipped (the case's responsibility: 仓库). The demo's imports also
give logistics its courier-watch orders on the flagged courier's logistics cases (``workorders.automation``);
those do not count as this builder's.
"""

from __future__ import annotations

from cases.choices import OPEN_STATUSES, Responsibility
from cases.models import Case
from workorders.choices import WorkOrderSource
from workorders.models import Department, DepartmentMember, RequestType, WorkOrder
from workorders.services import raise_for_case, work_order_answer

SHOP = "tb-home"
CLERK = "warehouse1"


def build_workorders_demo(*, shops, users, stdout) -> None:
    shop, clerk = shops.get(SHOP), users.get(CLERK)
    if (
        shop is None
        or clerk is None
        or WorkOrder.objects.filter(case__shop=shop, source=WorkOrderSource.MANUAL).exists()
    ):
        return
    warehouse = Department.objects.filter(shop=None, code="warehouse").first()
    if warehouse is None:
        return
    DepartmentMember.objects.get_or_create(department=warehouse, user=clerk, defaults={"is_lead": True})
    cases = list(
        Case.objects.filter(shop=shop, status__in=OPEN_STATUSES, assignee__isnull=False).order_by("pk")[:2]
    )
    if len(cases) < 2:
        return
    stock = RequestType.objects.get(department=warehouse, code="verify_stock")
    shipment = RequestType.objects.get(department=warehouse, code="check_shipment")
    raise_for_case(
        case=cases[0],
        by=cases[0].assignee,
        department_id=warehouse.pk,
        request_type_id=stock.pk,
        question="买家要换同款蓝色四件套，请核实蓝色1.8米是否有货，能否今天发出。",
    )
    asked = raise_for_case(
        case=cases[1],
        by=cases[1].assignee,
        department_id=warehouse.pk,
        request_type_id=shipment.pk,
        question="买家说收到的是1.5米床单，订单是1.8米，请核对出库记录。",
    )
    work_order_answer(
        order_id=asked.pk,
        by=clerk,
        answer="核对出库单：拣货员错拿1.5米款，已安排补发1.8米款，顺丰单号随后同步。",
        responsibility=Responsibility.WAREHOUSE,
    )
    stdout.write(f"workorders demo {SHOP}: 2 work orders to 仓库 (one waiting, one answered by {CLERK})")


build_workorders_demo.demo_stage = 3
