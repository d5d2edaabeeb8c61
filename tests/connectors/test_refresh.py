"""Refreshing a seller's authorisation before it expires, against the local TOP gateway's
``taobao.top.auth.token.refresh``: the new session is stored encrypted and used at once; a refused
refresh needs re-authorisation and tells the managers once; a token far from its expiry is not refreshed."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from cases.hooks import certification_checks
from cases.models import Notification, Review
from connectors.choices import ConnectorState
from connectors.models import Connector
from connectors.services.pull import connector_pull
from tests.connectors.conftest import connect

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


def pull(connector, capture, **kwargs):
    with capture(execute=True):
        return connector_pull(connector_id=connector.pk, **kwargs)


def soon(**delta):
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def test_a_token_close_to_its_expiry_is_refreshed_stored_encrypted_and_used_at_once(
    tb_shop, gateway, django_capture_on_commit_callbacks
):
    connector = connect(tb_shop, gateway, refresh_token=gateway.refresh_token, expires_at=soon(hours=2))
    gateway.add_review(7001, created=timezone.now() - dt.timedelta(hours=1), result="bad")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 1 and result.calls == 2  # the refresh, then the window
    refresh_call, list_call = gateway.calls
    assert refresh_call[0] == "taobao.top.auth.token.refresh" and "session" not in refresh_call[1]
    assert refresh_call[1]["refresh_token"] == "refresh-1"
    assert list_call[1]["session"] == "seller-session-r1"  # the new session, not the old one
    connector.refresh_from_db()
    assert (connector.session_key, connector.refresh_token) == ("seller-session-r1", "refresh-r2")
    assert abs(connector.expires_at - (timezone.now() + dt.timedelta(days=1))) < dt.timedelta(minutes=1)
    assert connector.refreshed_at is not None and connector.state == ConnectorState.OK
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_key, refresh_token FROM connectors_connector WHERE id = %s", [connector.pk]
        )
        stored = cursor.fetchone()
    assert all(v.startswith("enc1:") for v in stored) and "refresh-r2" not in "".join(stored)
    # a day ahead is far from the expiry: the next pull does not refresh again
    assert pull(connector, django_capture_on_commit_callbacks).ok
    assert gateway.methods().count("taobao.top.auth.token.refresh") == 1


def test_a_token_far_from_its_expiry_is_not_refreshed(tb_shop, gateway, django_capture_on_commit_callbacks):
    connector = connect(tb_shop, gateway, refresh_token=gateway.refresh_token, expires_at=soon(days=10))

    assert pull(connector, django_capture_on_commit_callbacks).ok

    assert gateway.methods() == ["taobao.traderates.get"]
    connector.refresh_from_db()
    assert connector.refreshed_at is None and connector.refresh_token == "refresh-1"


def test_a_refused_refresh_needs_reauthorisation_and_alerts_the_managers_once(
    tb_shop, gateway, manager, django_capture_on_commit_callbacks
):
    connector = connect(tb_shop, gateway, refresh_token="spent-token", expires_at=soon(minutes=30))
    gateway.add_review(7101, created=timezone.now() - dt.timedelta(hours=1), result="bad")

    first = pull(connector, django_capture_on_commit_callbacks)
    second = pull(connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1))

    assert not first.ok and "刷新授权被拒绝" in first.error and "isv.refresh-token-invalid" in first.error
    assert "spent-token" not in first.error and not second.ok
    assert "taobao.traderates.get" not in gateway.methods()  # nothing pulled with a dying token
    connector.refresh_from_db()
    assert connector.state == ConnectorState.REAUTH and connector.session_key == "seller-session-1"
    alerts = Notification.objects.filter(kind="connector")
    assert list(alerts.values_list("user_id", flat=True)) == [manager.pk]
    assert "spent-token" not in alerts.get().body
    assert Review.objects.count() == 0 and connector.lease_token == ""


def test_without_a_refresh_token_an_expired_session_still_needs_reauthorisation(
    tb_shop, gateway, django_capture_on_commit_callbacks
):
    connector = connect(tb_shop, gateway, expires_at=soon(minutes=-1))

    result = pull(connector, django_capture_on_commit_callbacks)

    assert not result.ok and "到期" in result.error and gateway.calls == []
    assert Connector.objects.get(pk=connector.pk).state == ConnectorState.REAUTH
