"""Builders for the work-order tests: the default departments come from the data migration
(``workorders 0002``, replayed by tests/conftest.py); a case is triaged by the real engine."""

from __future__ import annotations

from cases.choices import CaseStatus
from tests.cases.workspace_support import triaged_case
from workorders.models import Department, DepartmentMember, ExternalContact, RequestType

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def department(code: str) -> Department:
    return Department.objects.get(shop=None, code=code)


def request_type(department_code: str, code: str) -> RequestType:
    return RequestType.objects.get(department__shop=None, department__code=department_code, code=code)


def member(make_user, department_code: str, *, shops, lead: bool = False, mobile: str = "", role=None):
    user = make_user(role, shops=shops)
    DepartmentMember.objects.create(
        department=department(department_code), user=user, is_lead=lead, mobile=mobile
    )
    return user


def contact(department_code: str = "supplier", name: str = "华东供应商") -> ExternalContact:
    return ExternalContact.objects.create(
        department=department(department_code), name=name, mobile="13900001111"
    )


def open_case(shop, agent, **fields):
    fields.setdefault("status", CaseStatus.IN_PROGRESS)
    fields.setdefault("contact_attempts", 1)
    return triaged_case(shop, assignee=agent, **fields)


def raise_order(case, agent, department_code="warehouse", type_code="verify_stock", **kwargs):
    from workorders.services import work_order_raise

    kind = request_type(department_code, type_code)
    return work_order_raise(
        case_id=case.pk,
        by=agent,
        department_id=kind.department_id,
        request_type_id=kind.pk,
        question=kwargs.pop("question", "请核实SKU 1.8米的库存与发货批次"),
        **kwargs,
    )
