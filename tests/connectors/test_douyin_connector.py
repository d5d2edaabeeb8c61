"""The 抖店 (Douyin) connector against a local 抖店 gateway (a real HTTP server on 127.0.0.1), through the
real services: the pull into the one intake (source "connector", the identity a Douyin export gives),
pages of 100 counted from 0, a rating changed and an appended review seen between pulls (a conversion
observed and paid), a reply delivered exactly once (a lost answer read back; a comment already replied
to fails with the platform's words), a rate limit and its backoff, a revoked token, the token refresh."""

import datetime as dt
import functools
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.imports.submit import reviews_submit
from cases.models import Case, Notification, Review
from connectors.choices import ConnectorState, OutboxState
from connectors.models import OutboxReply
from connectors.platforms import client_for
from connectors.platforms.base import AUTH, PlatformError
from connectors.services.outbox import outbox_flush
from tests.connectors import flows
from tests.connectors.flows import ago, pull
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("policy_pack", "no_certification_checks")
TEXT = "亲，非常抱歉让您不舒服了，已为您安排退货退款，请留意私信。"


worked_case = functools.partial(flows.worked_case, comment_id=7001)
reply = functools.partial(flows.reply, text=TEXT)


def replies(gateway):
    return [p for m, p in gateway.calls if m == "comment.reply"]


def test_the_first_pull_backfills_comments_as_a_douyin_export_would_identify_them(
    dy_connector, dy_shop, douyin_gateway, django_capture_on_commit_callbacks
):
    douyin_gateway.add_comment(1001, created=ago(days=1), rank=1, content="用了过敏")
    douyin_gateway.add_comment(1002, created=ago(hours=2), rank=5, content="很好")
    douyin_gateway.add_comment(1003, created=ago(days=8), rank=1)  # before the backfill

    result = pull(dy_connector, django_capture_on_commit_callbacks)

    assert (result.ok, result.fetched, result.created, result.cases_opened, result.calls) == (
        True,
        2,
        2,
        1,
        1,
    )
    bad = Review.objects.get(order_no="1001")
    assert (bad.external_id, bad.item_id, bad.rating, bad.rating_text, bad.source) == (
        "order:1001:item:3001",
        "3001",
        1,
        "1分",
        "connector",
    )
    assert Case.objects.filter(review=bad, shop=dy_shop).exists()
    method, params = douyin_gateway.calls[0]
    assert method == "comment.list" and (params["page"], params["size"]) == (0, 100)
    assert abs(timezone.now().timestamp() - 7 * 86400 - params["start_time"]) < 60
    # the same review arriving from a Douyin export file is the same review, unchanged
    row = {
        "shop": dy_shop.code,
        "order_no": "1001",
        "item_id": "3001",
        "rating": "1分",
        "content": "用了过敏",
        "reviewed_at": timezone.localtime(bad.reviewed_at).strftime("%Y-%m-%d %H:%M:%S"),
        "buyer_nick": "抖音用户1001",
    }
    [again] = reviews_submit(items=[row], allowed_shop_ids={dy_shop.pk}, source="api")
    assert again.review_id == bad.pk and Review.objects.filter(shop=dy_shop).count() == 2


def test_pages_of_100_are_counted_from_zero(dy_connector, douyin_gateway, django_capture_on_commit_callbacks):
    for n in range(230):
        douyin_gateway.add_comment(30000 + n, created=ago(minutes=50, seconds=n), rank=5)

    result = pull(dy_connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 230 and result.calls == 3
    assert [(p["page"], p["size"]) for _m, p in douyin_gateway.calls] == [(0, 100), (1, 100), (2, 100)]


def test_a_rating_changed_and_an_appended_review_are_seen_by_the_read_back_and_the_conversion_pays(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(dy_connector, douyin_gateway, django_capture_on_commit_callbacks, rank=1)
    appended_at = int(timezone.now().timestamp()) - 60
    douyin_gateway.comments["7001"].update(
        rank=5, append_comment={"content": "客服态度很好，问题解决了", "create_time": appended_at}
    )

    result = pull(
        dy_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert result.ok and result.updated == 1
    assert douyin_gateway.calls[-1] == ("comment.list", {"order_id": "7001", "page": 0, "size": 100})
    review = Review.objects.get(order_no="7001")
    assert review.appended_content == "客服态度很好，问题解决了"
    assert review.appended_at == dt.datetime.fromtimestamp(appended_at, dt.UTC)
    flows.assert_conversion_paid(review, case, agent, before=1, after=5)


def test_a_public_reply_is_delivered_once_to_the_comment_and_shown_by_the_list(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(dy_connector, douyin_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["delivered"] == 1 and item.state == OutboxState.DELIVERED
    assert replies(douyin_gateway) == [{"comment_id": "7001", "content": TEXT}]
    assert douyin_gateway.comments["7001"]["reply_content"] == TEXT
    assert outbox_flush()["delivered"] == 0 and len(replies(douyin_gateway)) == 1


def test_a_reply_whose_answer_is_lost_is_read_back_not_sent_twice(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(dy_connector, douyin_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    douyin_gateway.lose_answer_of = 1

    assert outbox_flush()["ambiguous"] == 1
    assert douyin_gateway.comments["7001"]["reply_content"] == TEXT  # applied, answer lost

    second = outbox_flush(now=timezone.now() + dt.timedelta(minutes=2))

    item = OutboxReply.objects.get(case=case)
    assert second["delivered"] == 1 and "回读确认" in item.platform_message
    assert len(replies(douyin_gateway)) == 1


def test_a_comment_already_replied_in_the_back_office_fails_with_the_platforms_words(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(dy_connector, douyin_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    douyin_gateway.comments["7001"]["reply_content"] = "商家在后台已回复"

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["failed"] == 1 and item.state == OutboxState.FAILED
    assert item.platform_message == "50002 业务处理失败 (isv.comment-replied: 该评价已回复)"
    assert Notification.objects.get(kind="connector", case=case).user == agent
    assert douyin_gateway.comments["7001"]["reply_content"] == "商家在后台已回复"


def test_a_rate_limit_backs_off_and_recovers_by_itself(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    douyin_gateway.add_comment(3001, created=ago(hours=1))
    douyin_gateway.ban_calls = 1
    now = timezone.now()

    result = pull(dy_connector, django_capture_on_commit_callbacks, now=now)

    assert not result.ok and result.error.startswith("60000 调用频率超限 (isv.traffic-limited")
    dy_connector.refresh_from_db()
    assert dy_connector.state == ConnectorState.BACKING_OFF
    assert dy_connector.backoff_until == now + dt.timedelta(minutes=1)
    later = pull(dy_connector, django_capture_on_commit_callbacks, now=now + dt.timedelta(seconds=61))
    assert later.ok and later.created == 1
    dy_connector.refresh_from_db()
    assert dy_connector.state == ConnectorState.OK


def test_a_revoked_token_needs_reauthorisation_without_storing_the_token(
    dy_connector, douyin_gateway, dy_shop, django_capture_on_commit_callbacks
):
    manager = UserFactory(role="manager", shops=[dy_shop])
    douyin_gateway.add_comment(4001, created=ago(hours=1))
    douyin_gateway.revoked = True

    pull(dy_connector, django_capture_on_commit_callbacks)
    result = pull(
        dy_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert result.error == "40003 非法的参数 (isv.access-token-expired: access_token已过期 ***)"
    dy_connector.refresh_from_db()
    assert dy_connector.state == ConnectorState.REAUTH
    assert douyin_gateway.token not in f"{dy_connector.last_error} {dy_connector.recent_errors}"
    assert list(Notification.objects.filter(kind="connector").values_list("user_id", flat=True)) == [
        manager.pk
    ]
    assert Review.objects.count() == 0


def test_a_wrong_secret_is_a_signature_error_and_fails_at_once(
    dy_shop, douyin_gateway, django_capture_on_commit_callbacks
):
    from tests.connectors.conftest import connect_to

    connector = connect_to(dy_shop, "douyin", douyin_gateway, app_secret="not-the-secret")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.error == "40003 非法的参数 (isv.signature-invalid: 签名校验失败)"
    connector.refresh_from_db()
    assert connector.state == ConnectorState.FAILING and "not-the-secret" not in str(connector.recent_errors)


def test_token_refresh_carries_no_access_token_and_rotates_the_refresh_token(dy_connector, douyin_gateway):
    dy_connector.refresh_token = douyin_gateway.refresh_token

    answer = client_for(dy_connector).refresh()

    method, params = douyin_gateway.calls[-1]
    assert (method, params) == (
        "token.refresh",
        {"grant_type": "refresh_token", "refresh_token": "dy-refresh-token-1"},
    )
    assert answer["access_token"] == douyin_gateway.token == "dy-access-token-1-r"
    assert answer["refresh_token"] == "dy-refresh-token-1-r"
    assert answer["expires_at"] > timezone.now() + dt.timedelta(days=6)
    with pytest.raises(PlatformError) as refused:  # the old refresh token is spent
        client_for(dy_connector).refresh()
    assert refused.value.kind == AUTH


def test_a_token_close_to_its_expiry_is_refreshed_by_the_pull_and_used_at_once(
    dy_shop, douyin_gateway, django_capture_on_commit_callbacks
):
    from tests.connectors.conftest import connect_to

    expires = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    connector = connect_to(
        dy_shop, "douyin", douyin_gateway, refresh_token=douyin_gateway.refresh_token, expires_at=expires
    )
    douyin_gateway.add_comment(8001, created=ago(hours=1))

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 1
    assert douyin_gateway.methods() == ["token.refresh", "comment.list"]
    connector.refresh_from_db()
    assert (connector.session_key, connector.refresh_token) == ("dy-access-token-1-r", "dy-refresh-token-1-r")
    assert connector.expires_at > timezone.now() + dt.timedelta(days=6)


def test_a_sign_method_the_platform_does_not_know_fails_before_any_call(
    dy_shop, douyin_gateway, django_capture_on_commit_callbacks
):
    from tests.connectors.conftest import connect_to

    connector = connect_to(dy_shop, "douyin", douyin_gateway, sign_method="hmac")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.error == "抖店只支持 md5 或 hmac-sha256 签名，不支持 hmac。" and douyin_gateway.calls == []
    connector.refresh_from_db()
    assert connector.state == ConnectorState.FAILING


def test_a_clock_off_by_more_than_the_window_is_a_clock_error_and_fails(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    douyin_gateway.add_comment(5001, created=ago(hours=1))
    skewed = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)  # noqa: E731

    result = pull(dy_connector, django_capture_on_commit_callbacks, clock=skewed)

    assert result.error == "40003 非法的参数 (isv.timestamp-invalid: timestamp与服务器时间相差过大)"
    dy_connector.refresh_from_db()
    assert dy_connector.state == ConnectorState.FAILING and dy_connector.cursor_at is None
    assert Review.objects.count() == 0


def test_the_commands_connect_pull_and_report_a_douyin_shop_without_printing_a_credential(
    dy_shop, douyin_gateway, tmp_path, capsys, django_capture_on_commit_callbacks
):
    path = tmp_path / "douyin.json"
    secrets = {"app_key": douyin_gateway.app_key, "app_secret": douyin_gateway.secret}
    secrets.update(session_key=douyin_gateway.token, refresh_token=douyin_gateway.refresh_token)
    path.write_text(json.dumps({**secrets, "sign_method": "hmac-sha256"}), encoding="utf-8")
    douyin_gateway.add_comment(9901, created=ago(hours=1))

    call_command(
        "connector_configure",
        "--shop",
        dy_shop.code,
        "--platform",
        "douyin",
        "--gateway",
        douyin_gateway.url,
        "--credentials",
        str(path),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("connector_pull", "--shop", dy_shop.code, "--json")
    call_command("connector_status", "--shop", dy_shop.code, "--json")

    configured, pulled, status = capsys.readouterr().out.strip().split("\n")
    assert json.loads(configured) == {"shop": "dy-live", "platform": "douyin", "gateway": douyin_gateway.url}
    assert json.loads(pulled)["created"] == 1 and json.loads(pulled)["ok"] is True
    [row] = json.loads(status)["shops"]
    assert (row["shop"], row["platform"], row["state"]) == ("dy-live", "douyin", "ok")
    printed = configured + pulled + status
    assert not any(
        value in printed
        for value in (douyin_gateway.secret, douyin_gateway.token, douyin_gateway.refresh_token)
    )


def test_an_appended_review_does_not_stop_a_douyin_reply(
    dy_connector, douyin_gateway, django_capture_on_commit_callbacks
):
    """TOP takes no explanation after the buyer's appended review; that refusal is the connector's
    ``api["reply_closed_after_append"]`` (data), off for 抖店, where nothing documents it."""
    case, agent = worked_case(dy_connector, douyin_gateway, django_capture_on_commit_callbacks)
    appended_at = int(timezone.now().timestamp()) - 60
    douyin_gateway.comments["7001"].update(
        append_comment={"content": "还是没解决", "create_time": appended_at}
    )
    pull(dy_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.review.appended_content == "还是没解决"
    reply(case, agent, django_capture_on_commit_callbacks)

    counts = outbox_flush()

    assert counts["delivered"] == 1
    assert replies(douyin_gateway) == [{"comment_id": "7001", "content": TEXT}]
