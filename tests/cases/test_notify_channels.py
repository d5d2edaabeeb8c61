"""Outgoing channels against a real HTTP server on 127.0.0.1: Feishu and DingTalk formats and
signatures, failure → retry with exponential backoff → final failure, email through locmem."""

import base64
import datetime as dt
import hashlib
import hmac
import time

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from cases.models import Delivery, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from cases.notifications.delivery import backoff_delay, deliveries_retry_due, delivery_send
from cases.notifications.messages import Message, build_message, mask_personal_data
from tests.cases.routing_support import RobotServer

SECRET = "SEC-test-secret-飞书"
MESSAGE = Message(
    title="【新中差评】淘宝旗舰店 · 案件 #7",
    lines=("问题类型：产品质量", "评分：1/5"),
    url="http://rd.example/cases/7/",
)


@pytest.fixture
def robot():
    with RobotServer() as server:
        yield server


def make_delivery(shop, channel, *, key="new_case:7"):
    return Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind=NotificationKind.NEW_CASE,
        dedupe_key=key,
        message=MESSAGE.as_dict(),
        next_attempt_at=timezone.now(),
    )


def test_feishu_post_carries_the_message_and_a_valid_signature(shop, robot):
    channel = NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.FEISHU,
        name="飞书群",
        webhook_url=f"{robot.base_url}/open-apis/bot/v2/hook/abc",
        secret=SECRET,
    )
    delivery = make_delivery(shop, channel)
    before = int(time.time())

    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT

    (request,) = robot.requests
    assert request["path"] == "/open-apis/bot/v2/hook/abc"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    body = request["json"]
    timestamp = body["timestamp"]
    assert isinstance(timestamp, str) and before <= int(timestamp) <= int(time.time())
    # Feishu's rule, written out from its docs: key = "timestamp\nsecret", empty message, base64.
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == MESSAGE.title
    assert post["content"] == [
        [{"tag": "text", "text": "问题类型：产品质量"}],
        [{"tag": "text", "text": "评分：1/5"}],
        [{"tag": "a", "text": "查看案件", "href": "http://rd.example/cases/7/"}],
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error, delivery.next_attempt_at) == (
        DeliveryStatus.SENT,
        1,
        "",
        None,
    )
    assert delivery.sent_at is not None


def test_feishu_without_secret_sends_no_signature(shop, robot):
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/hook/x"
    )
    assert delivery_send(delivery_id=make_delivery(shop, channel).pk) == DeliveryStatus.SENT
    assert "sign" not in robot.requests[0]["json"] and "timestamp" not in robot.requests[0]["json"]


def test_dingtalk_signature_goes_in_the_query_string_and_markdown_in_the_body(shop, robot):
    robot.responses["/robot/send"] = (200, {"errcode": 0, "errmsg": "ok"})
    channel = NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.DINGTALK,
        name="钉钉群",
        webhook_url=f"{robot.base_url}/robot/send?access_token=tok123",
        secret=SECRET,
    )
    before = int(time.time() * 1000)

    assert delivery_send(delivery_id=make_delivery(shop, channel).pk) == DeliveryStatus.SENT

    (request,) = robot.requests
    query = request["query"]
    assert query["access_token"] == "tok123"
    timestamp = query["timestamp"]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    # DingTalk's rule: HMAC-SHA256(key=secret, msg="timestamp\nsecret"), base64, URL-encoded once
    # (parse_qs above has decoded that layer).
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert query["sign"] == base64.b64encode(digest).decode()
    assert request["json"] == {
        "msgtype": "markdown",
        "markdown": {
            "title": MESSAGE.title,
            "text": f"#### {MESSAGE.title}\n\n- 问题类型：产品质量\n- 评分：1/5\n\n[查看案件](http://rd.example/cases/7/)",
        },
    }


def test_failing_endpoint_is_retried_with_exponential_backoff_then_marked_failed(shop, robot):
    robot.responses["/hook/down"] = (500, {"error": "upstream down"})
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/hook/down"
    )
    delivery = make_delivery(shop, channel)
    now = timezone.now()

    assert delivery_send(delivery_id=delivery.pk, now=now) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)
    assert delivery.last_status_code == 500
    assert delivery.last_error.startswith("HTTP 500")

    # Not due yet: the retry sweep leaves it alone.
    assert deliveries_retry_due(now=now + dt.timedelta(seconds=29)) == {}
    assert len(robot.requests) == 1

    at = delivery.next_attempt_at
    assert deliveries_retry_due(now=at) == {DeliveryStatus.RETRYING: 1}
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, at + dt.timedelta(seconds=60))

    for expected_attempts in (3, 4, 5):
        at = delivery.next_attempt_at
        deliveries_retry_due(now=at)
        delivery.refresh_from_db()
        assert delivery.attempts == expected_attempts
        assert delivery.next_attempt_at == at + backoff_delay(expected_attempts)

    deliveries_retry_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 6, None)
    assert len(robot.requests) == 6
    # A final failure is never retried again.
    assert deliveries_retry_due(now=timezone.now() + dt.timedelta(days=1)) == {}
    assert len(robot.requests) == 6


def test_backoff_doubles_from_thirty_seconds_and_is_capped_at_an_hour():
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 8, 20)] == [
        30,
        60,
        120,
        240,
        480,
        3600,
        3600,
    ]


def test_robot_error_code_in_a_200_answer_is_a_failure(shop, robot):
    robot.responses["/hook/badsign"] = (
        200,
        {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"},
    )
    channel = NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.FEISHU,
        name="飞书",
        webhook_url=f"{robot.base_url}/hook/badsign",
        secret="x",
    )
    delivery = make_delivery(shop, channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error == "飞书返回错误 19021: sign match fail or timestamp is not within one hour"

    robot.responses["/robot/send"] = (200, {"errcode": 310000, "errmsg": "sign not match"})
    ding = NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.DINGTALK,
        name="钉钉",
        webhook_url=f"{robot.base_url}/robot/send?access_token=t",
        secret="x",
    )
    second = make_delivery(shop, ding)
    assert delivery_send(delivery_id=second.pk) == DeliveryStatus.RETRYING
    second.refresh_from_db()
    assert second.last_error == "钉钉返回错误 310000: sign not match"


@override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1"])
def test_unreachable_endpoint_records_the_connection_error(shop):
    with RobotServer() as closed:
        url = f"{closed.base_url}/hook"
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=url
    )
    delivery = make_delivery(shop, channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("连接失败")
    assert delivery.last_status_code is None


def test_sent_delivery_is_not_sent_again(shop, robot):
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/hook"
    )
    delivery = make_delivery(shop, channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert delivery_send(delivery_id=delivery.pk) is None
    assert deliveries_retry_due(now=timezone.now() + dt.timedelta(hours=1)) == {}
    assert len(robot.requests) == 1


def test_disabled_channel_fails_without_calling_out(shop, robot):
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/hook", active=False
    )
    delivery = make_delivery(shop, channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "渠道已停用，未发送。"
    assert robot.requests == []


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_email_channel_sends_to_the_recorded_recipients(shop):
    channel = NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="主管邮件")
    delivery = make_delivery(shop, channel)
    Delivery.objects.filter(pk=delivery.pk).update(recipients=["boss@example.com"])

    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT

    (sent,) = mail.outbox
    assert sent.to == ["boss@example.com"]
    assert sent.subject == MESSAGE.title
    assert sent.body == "问题类型：产品质量\n评分：1/5\n\nhttp://rd.example/cases/7/"


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_email_without_recipients_is_a_recorded_failure(shop):
    channel = NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="主管邮件")
    delivery = make_delivery(shop, channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error == "没有可用的收件邮箱(收件人未填写邮箱)。"
    assert mail.outbox == []


def test_messages_refuse_keys_outside_the_whitelist():
    with pytest.raises(ValueError, match="buyer_phone"):
        build_message(NotificationKind.NEW_CASE, {"case_id": 1, "buyer_phone": "13812345678"})


def test_phone_numbers_and_addresses_typed_into_a_review_are_masked():
    text = "快递没到，打我电话 138 1234 5678 或 +86-13912345678，地址浙江省杭州市西湖区文三路100号3栋"
    masked = mask_personal_data(text)
    assert "1234" not in masked and "13912345678" not in masked and "文三路" not in masked
    assert masked == "快递没到，打我电话 [电话已隐藏] 或 [电话已隐藏]，地址浙江省杭州市西湖区[地址已隐藏]"
    # Ordinary words that merely end like an address are left alone.
    assert mask_personal_data("尺码偏小一号，在超市买的更好") == "尺码偏小一号，在超市买的更好"


def test_channel_validation_messages(shop):
    from django.core.exceptions import ValidationError

    robot_without_url = NotificationChannel(shop=shop, kind=ChannelKind.DINGTALK, name="钉钉")
    with pytest.raises(ValidationError) as exc:
        robot_without_url.full_clean()
    assert exc.value.message_dict["webhook_url"] == ["机器人渠道必须填写Webhook地址。"]
    assert NotificationChannel.objects.count() == 0
