"""The automatic rules' admin: a manager reads the global rules but cannot change them (the policy
owner's), adds his shop's override with its own threshold, and cannot add one for another shop."""

import pytest
from django.urls import reverse

from tests.workorders.support import department, request_type
from workorders.choices import AutomationKind
from workorders.models import AutomationRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def manager(make_user, shop):
    return make_user("manager", is_staff=True, shops=[shop])


def snapshot() -> list[dict]:
    return list(AutomationRule.objects.order_by("pk").values())


def _form(shop_id, **changes) -> dict:
    return {
        "kind": AutomationKind.QUALITY_THRESHOLD,
        "shop": shop_id or "",
        "department": department("qc").pk,
        "request_type": request_type("qc", "confirm_batch").pk,
        "issue_types": "quality",
        "threshold": 2,
        "window_days": 14,
        "active": "on",
        **changes,
    }


def test_the_manager_reads_the_global_rules_but_cannot_change_them(client, manager):
    client.force_login(manager)
    rule = AutomationRule.objects.get(kind=AutomationKind.QUALITY_THRESHOLD, shop=None)
    listing = client.get(reverse("admin:workorders_automationrule_changelist")).content.decode()
    assert "质量问题超阈值" in listing and "物流预警" in listing
    before = snapshot()
    response = client.post(reverse("admin:workorders_automationrule_change", args=[rule.pk]), _form(None))
    assert response.status_code == 403 and snapshot() == before


def test_the_manager_adds_his_shops_override_and_not_another_shops(client, manager, shop, other_shop):
    client.force_login(manager)
    response = client.post(reverse("admin:workorders_automationrule_add"), _form(shop.pk))
    assert response.status_code == 302
    override = AutomationRule.objects.get(shop=shop)
    assert (override.threshold, override.window_days) == (2, 14)

    before = snapshot()
    refused = client.post(
        reverse("admin:workorders_automationrule_add"), _form(other_shop.pk, kind="courier_watch")
    )
    assert refused.status_code == 200 and snapshot() == before
    unknown = client.post(
        reverse("admin:workorders_automationrule_add"),
        _form(shop.pk, kind="courier_watch", issue_types="nope"),
    )
    assert (
        unknown.status_code == 200 and "没有这些问题类型" in unknown.content.decode() and snapshot() == before
    )
