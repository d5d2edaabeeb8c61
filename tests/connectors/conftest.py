"""Fixtures of the connector tests: a running local gateway per platform (TOP, JD, 抖店, Kuaishou) and
shops connected to them."""

from __future__ import annotations

import pytest

from cases.hooks import certification_checks
from connectors.services.configure import connector_configure
from tests.connectors.douyin_gateway import DouyinGateway
from tests.connectors.jd_gateway import JdGateway
from tests.connectors.kuaishou_gateway import KuaishouGateway
from tests.connectors.top_gateway import TopGateway
from tests.factories import ShopFactory, UserFactory


@pytest.fixture
def no_certification_checks(monkeypatch):
    """No certification gate on the agents the tests create (a case's reply is the subject, not the
    agent's training)."""
    monkeypatch.setattr(certification_checks, "_items", [])


def serving(settings, gateway):
    """``gateway`` running for one test, the outbound policy letting the clients reach it on 127.0.0.1."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_HTTP_TIMEOUT = 2.0
    with gateway as running:
        yield running


@pytest.fixture
def gateway(settings):
    yield from serving(settings, TopGateway())


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
    yield from serving(settings, JdGateway())


@pytest.fixture
def douyin_gateway(settings):
    yield from serving(settings, DouyinGateway())


@pytest.fixture
def ks(settings):
    yield from serving(settings, KuaishouGateway())


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
