"""The departments' admin: a manager (not the policy owner) sees the global departments read-only and
adds his shop's override; another shop's override is out of his reach; the robot's webhook is
write-only and checked by the outbound policy."""

import pytest
from django.urls import reverse

from tests.workorders.support import department
from workorders.models import Department

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in ("members", "contacts", "request_types")
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


@pytest.fixture
def manager(make_user, shop):
    return make_user("manager", is_staff=True, shops=[shop])


def snapshot() -> list[dict]:
    return list(Department.objects.order_by("pk").values())


def test_the_manager_reads_global_departments_but_cannot_change_them(client, manager):
    client.force_login(manager)
    warehouse = department("warehouse")
    listing = client.get(reverse("admin:workorders_department_changelist")).content.decode()
    assert "仓库" in listing and "物流" in listing
    before = snapshot()
    response = client.post(
        reverse("admin:workorders_department_change", args=[warehouse.pk]),
        {"code": "warehouse", "name": "改名仓库", "robot_kind": "", "active": "on", **INLINES},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_the_manager_adds_his_shops_override_with_a_write_only_robot(
    client, manager, shop, other_shop, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # tests reach no other host
    client.force_login(manager)
    response = client.post(
        reverse("admin:workorders_department_add"),
        {
            "shop": shop.pk,
            "code": "warehouse",
            "name": "杭州仓",
            "robot_kind": "dingtalk",
            "robot_webhook_url": "http://127.0.0.1:9/robot/send?access_token=secret-token",
            "robot_secret": "SEC-1",
            "active": "on",
            **INLINES,
        },
    )
    assert response.status_code == 302
    override = Department.objects.get(shop=shop, code="warehouse")
    assert override.robot_secret == "SEC-1"
    change = client.get(reverse("admin:workorders_department_change", args=[override.pk])).content.decode()
    assert "secret-token" not in change and "SEC-1" not in change

    before = snapshot()
    refused = client.post(
        reverse("admin:workorders_department_add"),
        {
            "shop": other_shop.pk,
            "code": "qc",
            "name": "别人的质检",
            "robot_kind": "",
            "active": "on",
            **INLINES,
        },
    )
    assert refused.status_code == 200 and snapshot() == before


def test_a_robot_url_to_a_private_address_is_refused(client, manager, shop):
    client.force_login(manager)
    before = snapshot()
    response = client.post(
        reverse("admin:workorders_department_add"),
        {
            "shop": shop.pk,
            "code": "finance",
            "name": "财务",
            "robot_kind": "feishu",
            "robot_webhook_url": "http://10.0.0.5/hook",
            "active": "on",
            **INLINES,
        },
    )
    assert response.status_code == 200 and snapshot() == before
