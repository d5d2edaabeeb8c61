"""The Kuaishou connector against a local Kuaishou open platform (a real HTTP server on 127.0.0.1): signing,
a pull through the real services into the one intake, a reply delivered exactly once with read-back, the
call quota, a revoked token and the token refresh."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, Notification, Reply, Review
from connectors.choices import ConnectorState, OutboxState
from connectors.models import Connector, OutboxReply
from connectors.platforms.kuaishou import sign
from connectors.services.configure import connector_configure
from connectors.services.outbox import outbox_flush, outbox_queue
from policies.choices import Channel
from tests.connectors.flows import ago, pull
from tests.connectors.kuaishou_gateway import _expected_sign
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.usefixtures("policy_pack", "no_certification_checks")


@pytest.fixture
def ks_shop(db):
    return ShopFactory(code="ks-live", platform="kuaishou", name="快手直连店")


def ks_connect(shop, ks, **credentials):
    return connector_configure(
        shop=shop,
        platform="kuaishou",
        gateway_url=ks.url,
        credentials={
            "app_key": ks.app_key,
            "app_secret": ks.app_secret,
            "sign_secret": ks.sign_secret,
            "session_key": ks.session,
            **credentials,
        },
    )


@pytest.fixture
def ks_connector(ks_shop, ks):
    return ks_connect(ks_shop, ks)


# --- signing ------------------------------------------------------------------------------------------
PARAMS = {
    "access_token": "xxx",
    "appkey": "ks123",
    "method": "open.comment.list.get",
    "param": '{"offset":0,"limit":20,"note":"您好 ✓"}',
    "signMethod": "MD5",
    "timestamp": "1583271919000",
    "version": "1",
}


def test_md5_signs_the_sorted_parameters_with_the_sign_secret_appended():
    text = (
        'access_token=xxx&appkey=ks123&method=open.comment.list.get&param={"offset":0,"limit":20,"note":"您好 ✓"}'
        "&signMethod=MD5&timestamp=1583271919000&version=1&signSecret=s3cret"
    )
    import hashlib

    assert sign(PARAMS, "s3cret", "MD5") == hashlib.md5(text.encode()).hexdigest()
    assert sign({**PARAMS, "sign": "ANY"}, "s3cret", "MD5") == sign(PARAMS, "s3cret", "MD5")


@pytest.mark.parametrize("method", ["MD5", "HMAC_SHA256"])
def test_every_sign_method_agrees_with_the_gateway(method):
    params = {**PARAMS, "signMethod": method}
    assert sign(params, "s3cret", method) == _expected_sign(params, "s3cret", method)


def test_kuaishou_needs_its_signing_secret(ks_shop, ks):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ks_connect(ks_shop, ks, sign_secret="")
    assert not Connector.objects.exists()


# --- pulling ------------------------------------------------------------------------------------------
def test_a_pull_pages_through_the_comments_into_cases(ks_connector, ks, django_capture_on_commit_callbacks):
    for n in range(45):
        ks.add_comment(900000 + n, created=ago(hours=30) + dt.timedelta(minutes=n), score=5)
    ks.add_comment(910001, created=ago(hours=2), score=1, content="漏水", buyer_nick="")
    ks.add_comment(910002, created=ago(days=9), score=1)  # before the seven-day backfill

    result = pull(ks_connector, django_capture_on_commit_callbacks)

    assert (result.ok, result.fetched, result.created, result.cases_opened) == (True, 46, 46, 1), result
    assert result.calls == 3  # 46 reviews in pages of 20
    bad = Review.objects.get(external_id="910001")
    assert (bad.order_no, bad.rating, bad.source, bad.content) == ("9100010", 1, "connector", "漏水")
    assert bad.buyer_nick == "快手买家910001"  # anonymous: one name per comment
    assert (
        Case.objects.filter(review=bad).exists() and not Review.objects.filter(external_id="910002").exists()
    )
    method, params = ks.calls[0]
    assert method == "open.comment.list.get" and params["version"] == "1" and params["signMethod"] == "MD5"
    assert all(p["sign"] == _expected_sign(p, ks.sign_secret, "MD5") for _m, p in ks.calls)
    assert ks.app_secret not in str(ks.calls) and ks.sign_secret not in str(ks.calls)  # never sent


def test_the_call_quota_backs_off_and_a_revoked_token_needs_reauthorisation(
    ks_connector, ks, ks_shop, django_capture_on_commit_callbacks
):
    manager = UserFactory(role="manager", shops=[ks_shop])
    ks.add_comment(920001, created=ago(hours=1), score=1)
    ks.ban_calls = 1

    limited = pull(ks_connector, django_capture_on_commit_callbacks)

    assert not limited.ok and limited.error.startswith("802006")
    ks_connector.refresh_from_db()
    assert ks_connector.state == ConnectorState.BACKING_OFF and ks_connector.backoff_until > timezone.now()
    skipped = pull(ks_connector, django_capture_on_commit_callbacks)
    assert skipped.skipped and len(ks.calls) == 1

    ks.revoked = True
    revoked = pull(
        ks_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=31)
    )
    assert not revoked.ok and revoked.error.startswith("28")
    ks_connector.refresh_from_db()
    assert ks_connector.state == ConnectorState.REAUTH
    assert Notification.objects.filter(kind="connector", user=manager).count() == 1
    assert Review.objects.count() == 0


def test_the_token_is_refreshed_ahead_of_its_expiry(ks_shop, ks, django_capture_on_commit_callbacks):
    connector = ks_connect(
        ks_shop,
        ks,
        refresh_token=ks.refresh_token,
        expires_at=(timezone.now() + dt.timedelta(hours=1)).isoformat(),
    )

    assert pull(connector, django_capture_on_commit_callbacks).ok

    assert ks.methods() == ["oauth2.refresh_token", "open.comment.list.get"]
    assert ks.calls[1][1]["access_token"] == "ks-access-2"
    connector.refresh_from_db()
    assert (connector.session_key, connector.refresh_token) == ("ks-access-2", "ks-refresh-2")
    assert connector.expires_at - timezone.now() > dt.timedelta(hours=47)


# --- replying -----------------------------------------------------------------------------------------
def _reply_on(connector, ks, capture, comment_id, text="亲，已为您补发。", **comment):
    ks.add_comment(comment_id, created=comment.pop("created", ago(days=2)), score=1, **comment)
    pull(connector, capture)
    case = Case.objects.get(review__external_id=str(comment_id))
    agent = UserFactory(role="agent", shops=[connector.shop])
    reply = Reply.objects.create(
        case=case, channel=Channel.PUBLIC_REPLY, text=text, by=agent, at=timezone.now()
    )
    return outbox_queue(reply_id=reply.pk)


def test_a_reply_is_delivered_once_to_the_comment(ks_connector, ks, django_capture_on_commit_callbacks):
    item = _reply_on(ks_connector, ks, django_capture_on_commit_callbacks, 930001)
    assert item.target == "930001"

    counts = outbox_flush(shop_id=ks_connector.shop_id)

    assert counts["delivered"] == 1 and ks.replies == {"930001": "亲，已为您补发。"}
    add = [p for m, p in ks.calls if m == "open.comment.add"]
    assert len(add) == 1 and '"replyToCommentId":930001' in add[0]["param"]
    assert OutboxReply.objects.get(pk=item.pk).state == OutboxState.DELIVERED
    assert outbox_flush(shop_id=ks_connector.shop_id)["delivered"] == 0  # nothing sent again


def test_a_lost_answer_is_resolved_by_reading_the_comment_back(
    ks_connector, ks, django_capture_on_commit_callbacks
):
    item = _reply_on(ks_connector, ks, django_capture_on_commit_callbacks, 930101)
    ks.lose_answer_of = 1

    first = outbox_flush(shop_id=ks_connector.shop_id)
    OutboxReply.objects.filter(pk=item.pk).update(next_attempt_at=None)
    second = outbox_flush(shop_id=ks_connector.shop_id)

    assert first["ambiguous"] == 1 and second["delivered"] == 1
    assert [m for m, _p in ks.calls].count("open.comment.add") == 1  # read back, not sent twice
    item.refresh_from_db()
    assert item.state == OutboxState.DELIVERED and "回读" in item.platform_message


def test_a_reply_after_30_days_or_after_an_append_is_refused_before_any_call(
    ks_connector, ks, django_capture_on_commit_callbacks
):
    ks.add_comment(
        930202, created=ago(days=2), score=1, attached=True, attachedTime=int(ago(days=1).timestamp() * 1000)
    )
    old = _reply_on(ks_connector, ks, django_capture_on_commit_callbacks, 930201, created=ago(days=5))
    appended = outbox_queue(
        reply_id=Reply.objects.create(
            case=Case.objects.get(review__external_id="930202"),
            channel=Channel.PUBLIC_REPLY,
            text="亲，抱歉。",
            by=UserFactory(role="agent", shops=[ks_connector.shop]),
            at=timezone.now(),
        ).pk
    )
    Review.objects.filter(external_id="930201").update(reviewed_at=ago(days=31))

    outbox_flush(shop_id=ks_connector.shop_id)

    old.refresh_from_db()
    appended.refresh_from_db()
    assert (old.state, appended.state) == (OutboxState.FAILED, OutboxState.FAILED)
    assert "30天" in old.platform_message and "追评" in appended.platform_message
    assert "open.comment.add" not in ks.methods() and ks.replies == {}
