"""A work order and its robot post in a shop, for the access matrix's world (tests/hardening)."""

from __future__ import annotations

from django.utils import timezone

from workorders.choices import RobotPostStatus
from workorders.models import Department, RequestType, RobotPost, WorkOrder


def robot_post_row(shop, case, agent) -> RobotPost:
    """A shop's own department, one work order on ``case`` raised by ``agent``, its failed robot post."""
    now = timezone.now()
    department = Department.objects.create(shop=shop, code=f"wh-{shop.code}", name=f"{shop.code}仓库")
    kind = RequestType.objects.create(department=department, code="stock", name="核实库存", sla_minutes=120)
    order = WorkOrder.objects.create(
        case=case,
        department=department,
        request_type=kind,
        question="请核实库存",
        raised_by=agent,
        raised_at=now,
        warn_at=now,
        due_at=now,
        supervisor_at=now,
    )
    return RobotPost.objects.create(
        department=department,
        work_order=order,
        key=f"order:{order.pk}",
        title="新工单",
        status=RobotPostStatus.FAILED,
        attempts=3,
        last_error="HTTP 500",
        created_at=now,
    )
