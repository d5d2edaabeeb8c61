"""Fixtures of the connector tests: a running local TOP gateway and a Taobao shop connected to it."""

from __future__ import annotations

import pytest

from connectors.services.configure import connector_configure
from tests.connectors.top_gateway import TopGateway
from tests.factories import ShopFactory, UserFactory


@pytest.fixture
def gateway(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_HTTP_TIMEOUT = 2.0
    with TopGateway() as running:
        yield running


def connect(shop, gateway, **credentials):
    return connector_configure(
        shop=shop,
        platform="taobao",
        gateway_url=gateway.url,
        credentials={
            "app_key": gateway.app_key,
            "app_secret": gateway.secret,
            "session_key": gateway.session,
            **credentials,
        },
    )


@pytest.fixture
def tb_shop(db):
    return ShopFactory(code="tb-live", platform="taobao", name="淘宝直连店")


@pytest.fixture
def connector(tb_shop, gateway):
    return connect(tb_shop, gateway)


@pytest.fixture
def manager(tb_shop):
    return UserFactory(role="manager", shops=[tb_shop])


@pytest.fixture
def jd_gateway(settings):
    from tests.connectors.jd_gateway import JdGateway

    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_HTTP_TIMEOUT = 2.0
    with JdGateway() as running:
        yield running


@pytest.fixture
def douyin_gateway(settings):
    from tests.connectors.douyin_gateway import DouyinGateway

    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_HTTP_TIMEOUT = 2.0
    with DouyinGateway() as running:
        yield running


def connect_to(shop, platform, gateway, **credentials):
    """``shop`` connected to a local JD or Douyin gateway (``connect`` is the TOP one)."""
    return connector_configure(
        shop=shop,
        platform=platform,
        gateway_url=gateway.url,
        credentials={
            "app_key": gateway.app_key,
            "app_secret": gateway.secret,
            "session_key": gateway.token,
            "sign_method": "md5" if platform == "jd" else "hmac-sha256",
            **credentials,
        },
    )


@pytest.fixture
def jd_shop(db):
    return ShopFactory(code="jd-live", platform="jd", name="京东直连店")


@pytest.fixture
def dy_shop(db):
    return ShopFactory(code="dy-live", platform="douyin", name="抖店直连店")


@pytest.fixture
def jd_connector(jd_shop, jd_gateway):
    return connect_to(jd_shop, "jd", jd_gateway)


@pytest.fixture
def dy_connector(dy_shop, douyin_gateway):
    return connect_to(dy_shop, "douyin", douyin_gateway)
