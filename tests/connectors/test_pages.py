"""The case page's delivery panel and the connector admin: who sees what, and credentials that are
never shown again."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Reply
from connectors.choices import OutboxState
from connectors.models import Connector, OutboxReply
from tests.factories import CaseFactory, ShopFactory, UserFactory


@pytest.fixture
def queued(connector, tb_shop):
    agent = UserFactory(role="agent", shops=[tb_shop])
    case = CaseFactory(shop=tb_shop, assignee=agent, status="assigned")
    reply = Reply.objects.create(
        case=case, channel="public_reply", text="亲，已处理", by=agent, at=timezone.now()
    )
    item = OutboxReply.objects.create(
        connector=connector,
        shop=tb_shop,
        case=case,
        reply=reply,
        target="1",
        order_no="1",
        text=reply.text,
        created_at=timezone.now(),
        state=OutboxState.FAILED,
        platform_message="15 Remote service error (isv.traderate-expired: 评价超过30天)",
        attempts=2,
    )
    return case, agent, item


def test_the_case_page_loads_the_delivery_panel_and_it_shows_the_platforms_message(client, queued):
    case, agent, _item = queued
    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert reverse("connectors:case_delivery", kwargs={"case_id": case.pk}) in page

    panel = client.get(reverse("connectors:case_delivery", kwargs={"case_id": case.pk}))

    html = panel.content.decode()
    assert panel.status_code == 200 and 'data-state="failed"' in html
    assert "发送失败" in html and "isv.traderate-expired: 评价超过30天" in html and "尝试2次" in html


def test_another_shops_agent_gets_a_404_and_sees_nothing(client, queued):
    case, _agent, _item = queued
    stranger = UserFactory(role="agent", shops=[ShopFactory(code="tb-b", platform="taobao")])
    client.force_login(stranger)
    response = client.get(reverse("connectors:case_delivery", kwargs={"case_id": case.pk}))
    assert response.status_code == 404 and "isv" not in response.content.decode()


def test_the_admin_never_shows_a_credential_and_keeps_it_when_left_empty(client, connector, tb_shop, gateway):
    manager = UserFactory(role="manager", shops=[tb_shop], is_staff=True)
    client.force_login(manager)
    connector.refresh_token = "refresh-xyz-secret"
    connector.save()
    url = reverse("admin:connectors_connector_change", args=[connector.pk])
    page = client.get(url).content.decode()
    assert page.count("已设置，出于安全不再显示") == 4  # app key, secret, session, refresh token
    assert gateway.secret not in page and gateway.session not in page and gateway.app_key not in page
    assert "refresh-xyz-secret" not in page

    response = client.post(
        url,
        {
            "shop": tb_shop.pk,
            "platform": "taobao",
            "enabled": "on",
            "gateway_url": gateway.url,
            "app_key": "",
            "app_secret": "",
            "session_key": "new-session",
            "refresh_token": "",
            "sign_secret": "",
            "sign_method": "md5",
            "backfill_days": 3,
            "overlap_minutes": 10,
            "recheck_per_pull": 20,
            "api": '{"page_size": 50}',
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Connector.objects.get(pk=connector.pk)
    assert (stored.app_key, stored.app_secret, stored.session_key) == (
        gateway.app_key,
        gateway.secret,
        "new-session",
    )
    assert stored.refresh_token == "refresh-xyz-secret" and stored.sign_secret == ""
    assert stored.backfill_days == 3


def test_another_shops_manager_sees_nothing_of_the_connector(client, connector):
    other = UserFactory(role="manager", shops=[ShopFactory(code="tb-c", platform="taobao")], is_staff=True)
    client.force_login(other)
    listing = client.get(reverse("admin:connectors_connector_changelist")).content.decode()
    assert "tb-live" not in listing and "淘宝直连店" not in listing
    response = client.get(reverse("admin:connectors_connector_change", args=[connector.pk]))
    assert response.status_code == 302  # the admin's "not found": back to the index
    assert Connector.objects.get(pk=connector.pk).session_key == connector.session_key


def test_every_connector_model_reaches_its_shop_through_the_one_access_path():
    from connectors.models import ReviewCheck
    from reviewdesk.access import scope_for

    assert scope_for(Connector).shop == "shop"
    assert scope_for(OutboxReply).shop == "shop"
    assert scope_for(ReviewCheck).shop == "connector__shop"
