"""F15: managers configure their shops' robots in the admin (cases.admin_notifications).

The URL is checked with the outbound policy before it is saved; the URL and the signing secret are
write-only (never shown again, kept when left empty); a manager sees and sets only his shops' robots."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from cases.models import NotificationChannel
from reviewdesk import outbound
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

FEISHU = "https://open.feishu.cn/open-apis/bot/v2/hook/tok-123456"
ADD = "/admin/cases/notificationchannel/add/"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """open.feishu.cn resolves to a public address (tests run without DNS); names under .internal to a
    private one; IP literals resolve as themselves."""
    real = outbound.socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host.endswith(".internal"):
            return [(2, 1, 6, "", ("10.1.2.3", port))]
        if host.endswith("feishu.cn") or host.endswith("dingtalk.com"):
            return [(2, 1, 6, "", ("101.36.0.10", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def manager(shop):
    user = UserFactory(role="manager", shops=[shop], is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def form(shop, **overrides):
    data = {
        "shop": shop.pk,
        "kind": "feishu",
        "name": "飞书群",
        "webhook_url": FEISHU,
        "secret": "",
        "on_new_case": "on",
        "on_sla_breach": "on",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_manager_adds_a_robot_of_his_shop(shop, manager):
    response = manager.post(ADD, form(shop, secret="SEC-abc"))
    assert response.status_code == 302
    channel = NotificationChannel.objects.get()
    assert (channel.shop, channel.webhook_url, channel.secret) == (shop, FEISHU, "SEC-abc")


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://127.0.0.1:8000/hook", "本机地址"),
        ("http://localhost/hook", "本机地址"),
        ("http://0.0.0.0/hook", "未指定地址"),
        ("http://169.254.169.254/latest/meta-data/", "云服务器元数据地址"),
        ("https://robot.internal/hook", "内网地址"),
        ("file:///etc/hostname", "只允许 http 或 https 地址"),
        ("gopher://open.feishu.cn/", "只允许 http 或 https 地址"),
    ],
)
def test_a_url_outside_the_outbound_policy_is_refused_and_nothing_saved(shop, manager, url, message):
    response = manager.post(ADD, form(shop, webhook_url=url))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["webhook_url"])
    assert NotificationChannel.objects.count() == 0


@override_settings(OUTBOUND_REQUIRE_HTTPS=True)
def test_production_takes_https_only(shop, manager):
    response = manager.post(ADD, form(shop, webhook_url="http://open.feishu.cn/open-apis/bot/v2/hook/x"))
    assert "只允许 https 地址" in str(response.context["adminform"].form.errors["webhook_url"])
    assert NotificationChannel.objects.count() == 0


def test_url_and_secret_are_never_shown_again_and_kept_when_left_empty(shop, manager):
    channel = NotificationChannel.objects.create(
        shop=shop, kind="feishu", name="飞书群", webhook_url=FEISHU, secret="SEC-abc"
    )
    page = manager.get(f"/admin/cases/notificationchannel/{channel.pk}/change/").content.decode()
    listing = manager.get("/admin/cases/notificationchannel/").content.decode()
    for html in (page, listing):
        assert "tok-123456" not in html and "SEC-abc" not in html
    assert "https://open.feishu.cn/…" in page and "https://open.feishu.cn/…" in listing

    response = manager.post(
        f"/admin/cases/notificationchannel/{channel.pk}/change/",
        form(shop, webhook_url="", secret="", name="新名字"),
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.webhook_url, channel.secret) == ("新名字", FEISHU, "SEC-abc")

    manager.post(
        f"/admin/cases/notificationchannel/{channel.pk}/change/",
        form(shop, webhook_url="", clear_secret="on"),
    )
    channel.refresh_from_db()
    assert (channel.webhook_url, channel.secret) == (FEISHU, "")


def test_a_changed_url_is_checked_and_a_refused_one_changes_nothing(shop, manager):
    channel = NotificationChannel.objects.create(
        shop=shop, kind="feishu", name="飞书群", webhook_url=FEISHU, secret="s"
    )
    response = manager.post(
        f"/admin/cases/notificationchannel/{channel.pk}/change/",
        form(shop, webhook_url="http://[::1]/x", name="x"),
    )
    assert response.status_code == 200
    channel.refresh_from_db()
    assert (channel.name, channel.webhook_url, channel.secret) == ("飞书群", FEISHU, "s")


def test_a_manager_sees_and_sets_only_his_shops_robots(shop, manager):
    other = ShopFactory(code="jd-x", platform="jd", name="京东店")
    theirs = NotificationChannel.objects.create(
        shop=other, kind="feishu", name="别人的群", webhook_url=FEISHU
    )
    listing = manager.get("/admin/cases/notificationchannel/").content.decode()
    assert "别人的群" not in listing
    assert manager.get(f"/admin/cases/notificationchannel/{theirs.pk}/change/").status_code in (302, 404)
    response = manager.post(ADD, form(other))
    assert response.status_code == 200 and "shop" in response.context["adminform"].form.errors
    assert NotificationChannel.objects.count() == 1


def test_deliveries_are_listed_read_only_for_the_managers_shops(shop, manager):
    from cases.models import Delivery

    channel = NotificationChannel.objects.create(shop=shop, kind="feishu", name="飞书群", webhook_url=FEISHU)
    delivery = Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind="new_case",
        dedupe_key="k",
        last_error="HTTP 500",
        last_status_code=500,
    )
    assert "HTTP 500" in manager.get("/admin/cases/delivery/").content.decode()
    assert manager.get("/admin/cases/delivery/add/").status_code == 403
    response = manager.post(f"/admin/cases/delivery/{delivery.pk}/change/", {"status": "sent"})
    delivery.refresh_from_db()
    assert response.status_code == 403 and delivery.status == "pending"
