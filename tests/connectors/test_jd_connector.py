"""The JD (JOS) connector against a local JOS gateway (a real HTTP server on 127.0.0.1), through the real
services: the pull into the one intake (source "connector"), paging at 50, a rating changed between pulls
(a conversion observed and paid), a reply delivered exactly once (a lost answer read back), a rate limit
and its backoff, a revoked token, a skewed clock, the token refresh."""

import datetime as dt
import functools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, ImportBatch, Notification, Review
from connectors.choices import ConnectorState, OutboxState
from connectors.models import Connector, OutboxReply
from connectors.platforms import client_for
from connectors.platforms.base import AUTH, PlatformError
from connectors.services.configure import connector_configure
from connectors.services.outbox import outbox_flush
from tests.connectors import flows
from tests.connectors.flows import ago, pull
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.usefixtures("policy_pack", "no_certification_checks")
LIST = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
REPLY = "jingdong.pop.PopCommentJsfService.saveReply"
TEXT = "您好，给您带来不便非常抱歉，客服已联系您为您换新。"


worked_case = functools.partial(flows.worked_case, comment_id=9001)
reply = functools.partial(flows.reply, text=TEXT)


def test_the_first_pull_backfills_a_week_of_comments_into_cases_with_the_connector_as_source(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    jd_gateway.add_comment(1001, created=ago(days=2), score=1, content="杯盖漏水")
    jd_gateway.add_comment(1002, created=ago(hours=3), score=5, content="很好用")
    jd_gateway.add_comment(1003, created=ago(days=9), score=1)  # before the backfill

    result = pull(jd_connector, django_capture_on_commit_callbacks)

    assert result.as_dict() == {
        "ok": True,
        "fetched": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "cases_opened": 1,
        "calls": 1,
        "error": None,
    }
    bad = Review.objects.get(order_no="1001")
    assert (bad.external_id, bad.item_id, bad.rating, bad.source, bad.content) == (
        "order:1001:item:8001",
        "8001",
        1,
        "connector",
        "杯盖漏水",
    )
    assert Case.objects.get(review=bad).shop == jd_connector.shop
    assert not Review.objects.filter(order_no="1003").exists()
    assert set(ImportBatch.objects.values_list("source", flat=True)) == {"connector"}
    jd_connector.refresh_from_db()
    assert jd_connector.state == ConnectorState.OK and jd_connector.cursor_at is not None
    method, params = jd_gateway.calls[0]
    assert method == LIST and (params["page"], params["pageSize"], params["score"]) == (1, 50, 0)
    start = dt.datetime.strptime(params["beginTime"], "%Y-%m-%d %H:%M:%S")
    assert abs((timezone.localtime().replace(tzinfo=None) - start) - dt.timedelta(days=7)) < dt.timedelta(
        minutes=1
    )


def test_a_window_of_120_comments_is_read_in_pages_of_50(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    for n in range(120):
        jd_gateway.add_comment(20000 + n, created=ago(minutes=50, seconds=n), score=5)

    result = pull(jd_connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 120 and result.calls == 3
    assert [(p["page"], p["pageSize"]) for _m, p in jd_gateway.calls] == [(1, 50), (2, 50), (3, 50)]
    assert Review.objects.filter(shop=jd_connector.shop).count() == 120


def test_a_page_size_above_50_in_the_api_is_clamped(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    Connector.objects.filter(pk=jd_connector.pk).update(api={**jd_connector.api, "page_size": 100})
    jd_gateway.add_comment(2101, created=ago(hours=1))

    assert pull(jd_connector, django_capture_on_commit_callbacks).ok
    assert [p["pageSize"] for _m, p in jd_gateway.calls] == [50]


def test_a_rating_changed_between_pulls_is_a_revision_and_a_conversion_observed(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(jd_connector, jd_gateway, django_capture_on_commit_callbacks, score=1)
    jd_gateway.comments["9001"].update(score=5, content="客服处理很及时，改好评")

    # three days old: outside the overlap window; the read-back by order number sees the change
    result = pull(
        jd_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert result.ok and result.updated == 1
    assert jd_gateway.calls[-1] == (LIST, {"orderIds": "9001", "page": 1, "pageSize": 50, "score": 0})
    review = Review.objects.get(order_no="9001")
    flows.assert_conversion_paid(review, case, agent, before=1, after=5)


def test_a_public_reply_is_saved_once_on_the_comment_the_case_is_about(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(jd_connector, jd_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    item = OutboxReply.objects.get(case=case)
    assert (item.target, item.order_no) == ("order:9001:item:8001", "9001")

    counts = outbox_flush()

    item.refresh_from_db()
    assert counts["delivered"] == 1 and item.state == OutboxState.DELIVERED
    assert [p for m, p in jd_gateway.calls if m == REPLY] == [{"commentId": "9001", "content": TEXT}]
    assert [r["content"] for r in jd_gateway.comments["9001"]["replies"]] == [TEXT]
    assert outbox_flush()["delivered"] == 0 and len([m for m in jd_gateway.methods() if m == REPLY]) == 1


def test_a_reply_whose_answer_is_lost_is_read_back_and_never_saved_twice(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(jd_connector, jd_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    jd_gateway.lose_answer_of = 1

    first = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert first["ambiguous"] == 1 and item.state == OutboxState.AMBIGUOUS
    assert len(jd_gateway.comments["9001"]["replies"]) == 1  # the platform did save it

    second = outbox_flush(now=timezone.now() + dt.timedelta(minutes=2))

    item.refresh_from_db()
    assert (
        second["delivered"] == 1
        and item.state == OutboxState.DELIVERED
        and "回读确认" in item.platform_message
    )
    assert jd_gateway.methods().count(REPLY) == 1
    assert len(jd_gateway.comments["9001"]["replies"]) == 1


def test_a_rate_limit_backs_off_and_the_next_pull_after_it_succeeds(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    jd_gateway.add_comment(3001, created=ago(hours=1))
    jd_gateway.ban_calls = 1
    now = timezone.now()

    result = pull(jd_connector, django_capture_on_commit_callbacks, now=now)

    assert not result.ok and result.error == "2 限制时间内调用失败次数"
    jd_connector.refresh_from_db()
    assert jd_connector.state == ConnectorState.BACKING_OFF
    assert jd_connector.backoff_until == now + dt.timedelta(minutes=1)  # JOS names no ban length: 1 minute
    calls = len(jd_gateway.calls)
    assert pull(jd_connector, django_capture_on_commit_callbacks, now=now + dt.timedelta(seconds=30)).skipped
    assert len(jd_gateway.calls) == calls
    later = pull(jd_connector, django_capture_on_commit_callbacks, now=now + dt.timedelta(seconds=61))
    assert later.ok and later.created == 1
    jd_connector.refresh_from_db()
    assert jd_connector.state == ConnectorState.OK and jd_connector.backoff_until is None


def test_a_revoked_token_needs_reauthorisation_and_the_echoed_token_is_never_stored(
    jd_connector, jd_gateway, jd_shop, django_capture_on_commit_callbacks
):
    manager = UserFactory(role="manager", shops=[jd_shop])
    jd_gateway.add_comment(4001, created=ago(hours=1))
    jd_gateway.revoked = True

    first = pull(jd_connector, django_capture_on_commit_callbacks)
    second = pull(
        jd_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert not first.ok and not second.ok
    assert first.error == "19 token已过期或者不存在，请重新授权访问 ***"
    jd_connector.refresh_from_db()
    assert jd_connector.state == ConnectorState.REAUTH
    stored = f"{jd_connector.last_error} {jd_connector.recent_errors}"
    assert jd_gateway.token not in stored and jd_gateway.token not in first.error
    alerts = Notification.objects.filter(kind="connector")
    assert list(alerts.values_list("user_id", flat=True)) == [manager.pk]  # once
    assert Review.objects.count() == 0


def test_a_clock_off_by_more_than_six_minutes_is_refused_and_reported_as_failing(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    jd_gateway.add_comment(5001, created=ago(hours=1))
    skewed = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=7)  # noqa: E731

    result = pull(jd_connector, django_capture_on_commit_callbacks, clock=skewed)

    assert not result.ok and result.error == "8 非法的时间戳参数"
    jd_connector.refresh_from_db()
    assert jd_connector.state == ConnectorState.FAILING and jd_connector.cursor_at is None
    near = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # noqa: E731
    assert pull(jd_connector, django_capture_on_commit_callbacks, clock=near).ok


def test_the_refresh_token_buys_a_new_access_token_at_jds_oauth_endpoint(jd_connector, jd_gateway):
    Connector.objects.filter(pk=jd_connector.pk).update(
        api={**jd_connector.api, "refresh_url": jd_gateway.oauth_url}
    )
    jd_connector.refresh_from_db()
    jd_connector.refresh_token = jd_gateway.refresh_token

    answer = client_for(jd_connector).refresh()

    assert answer["access_token"] == jd_gateway.token == "jd-access-token-1-r"
    assert answer["refresh_token"] == "jd-refresh-token-1-r"
    assert (
        timezone.now() + dt.timedelta(hours=23)
        < answer["expires_at"]
        <= timezone.now() + dt.timedelta(days=1)
    )
    # the old refresh token is spent: a second exchange is refused as lost authorisation, without a secret
    with pytest.raises(PlatformError) as refused:
        client_for(jd_connector).refresh()
    assert refused.value.kind == AUTH and str(refused.value) == "2012 refresh_token无效"


def test_a_jd_connector_needs_a_jd_shop(jd_gateway, db):
    taobao = ShopFactory(code="tb-x", platform="taobao")
    with pytest.raises(ValidationError):
        connector_configure(
            shop=taobao,
            platform="jd",
            gateway_url=jd_gateway.url,
            credentials={"app_key": "k", "app_secret": "s", "session_key": "t"},
        )
    assert not Connector.objects.exists()


def test_each_comment_of_an_order_with_two_skus_is_read_back_as_itself(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    jd_gateway.add_comment(9101, order=9100, sku=8001, created=ago(days=3), score=1, content="杯子漏水")
    jd_gateway.add_comment(
        9102, order=9100, sku=8002, created=ago(days=3, minutes=5), score=1, content="盖子坏了"
    )
    assert pull(jd_connector, django_capture_on_commit_callbacks).created == 2
    assert Case.objects.filter(review__order_no="9100").count() == 2
    jd_gateway.comments["9102"].update(score=4, content="换了新的，满意")

    result = pull(
        jd_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert result.ok
    changed = Review.objects.get(external_id="order:9100:item:8002")
    assert (changed.rating, changed.content) == (4, "换了新的，满意")
    assert Review.objects.get(external_id="order:9100:item:8001").rating == 1


def test_a_token_close_to_its_expiry_is_refreshed_by_the_pull_and_used_at_once(
    jd_shop, jd_gateway, django_capture_on_commit_callbacks
):
    from tests.connectors.conftest import connect_to

    expires = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    connector = connect_to(
        jd_shop, "jd", jd_gateway, refresh_token=jd_gateway.refresh_token, expires_at=expires
    )
    Connector.objects.filter(pk=connector.pk).update(
        api={**connector.api, "refresh_url": jd_gateway.oauth_url}
    )
    jd_gateway.add_comment(8101, created=ago(hours=1))

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 1
    assert jd_gateway.methods() == ["oauth2/refresh_token", LIST]
    connector.refresh_from_db()
    assert (connector.session_key, connector.refresh_token) == ("jd-access-token-1-r", "jd-refresh-token-1-r")
    assert connector.expires_at > timezone.now() + dt.timedelta(hours=23)


def test_a_worker_killed_during_the_call_leaves_it_sending_and_the_next_reads_back_then_saves_once(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    case, agent = worked_case(jd_connector, jd_gateway, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    # a worker claimed it (SENDING, committed) and died before its call reached the platform
    OutboxReply.objects.filter(case=case).update(state=OutboxState.SENDING, attempts=1)
    before = len(jd_gateway.calls)

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["delivered"] == 1 and item.state == OutboxState.DELIVERED and item.attempts == 2
    # read back (nothing shown), the comment's id looked up, saved once
    assert jd_gateway.methods()[before:] == [LIST, LIST, REPLY]
    assert [r["content"] for r in jd_gateway.comments["9001"]["replies"]] == [TEXT]


def test_the_read_back_asks_for_up_to_50_orders_a_call(
    jd_connector, jd_gateway, django_capture_on_commit_callbacks
):
    Connector.objects.filter(pk=jd_connector.pk).update(recheck_per_pull=60)
    for n in range(55):
        jd_gateway.add_comment(40000 + n, created=ago(days=3, minutes=n), score=1)
    assert pull(jd_connector, django_capture_on_commit_callbacks).created == 55
    assert Case.objects.filter(shop=jd_connector.shop).count() == 55
    jd_gateway.comments["40054"].update(score=5, content="已经换货，好评")
    before = len(jd_gateway.calls)

    result = pull(
        jd_connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1)
    )

    assert result.ok and result.updated == 1 and result.unchanged == 54
    reads = [p for _m, p in jd_gateway.calls[before:] if "orderIds" in p]
    assert [len(p["orderIds"].split(",")) for p in reads] == [50, 5]  # two calls, not 55
    assert Review.objects.get(order_no="40054").rating == 5
