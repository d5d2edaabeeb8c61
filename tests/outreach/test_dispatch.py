"""Queueing and sending: the provider's answer recorded, each documented error mapped to a Chinese message
and the right retry decision, and a retry after a killed worker that never sends twice."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from outreach.choices import SmsPurpose, SmsStatus
from outreach.models import SmsMessage
from outreach.services import dispatch
from outreach.services.dispatch import sms_dispatch, sms_dispatch_due, sms_queue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]

PHONE = "13800138000"


def queue(setup, key="k1", phone=PHONE, template="care", context=None):
    return sms_queue(
        account=setup["account"],
        shop=setup["shop"],
        phone=phone,
        template=setup["templates"][template],
        context=context or {"shop_name": "淘宝旗舰店", "coupon_amount": "10"},
        purpose=setup["templates"][template].purpose,
        idempotency_key=key,
    )


@pytest.fixture(params=["aliyun", "tencent"])
def setup(request):
    return request.getfixturevalue(f"{request.param}_shop")


def test_a_queued_message_is_accepted_with_the_providers_id(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(setup)
    message.refresh_from_db()
    gateway = setup["gateway"]
    assert message.status == SmsStatus.ACCEPTED
    assert gateway.sends == 1
    record = gateway.records[0]
    assert message.provider_message_id == record["id"] != ""
    assert record["out_id"] == message.out_id
    assert record["template"] == setup["templates"]["care"].template_code
    assert record["sign"] == "好店"
    assert record["phone"].endswith(PHONE)
    values = record["params"] if isinstance(record["params"], list) else list(record["params"].values())
    assert values == ["淘宝旗舰店", "10"]
    assert message.text == "亲，感谢您对淘宝旗舰店的支持！为您送上一张10元专属优惠券，欢迎再次光临~"
    assert message.phone_masked == "138****8000"


def test_the_same_key_queues_one_message(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(setup)
        second = queue(setup)
    assert first.pk == second.pk
    assert SmsMessage.objects.count() == 1
    assert setup["gateway"].sends == 1


def test_a_missing_value_is_refused_before_anything_is_written(setup):
    with pytest.raises(ValidationError) as refusal:
        queue(setup, context={"shop_name": "淘宝旗舰店"})
    assert refusal.value.code == "sms_missing_value"
    assert "coupon_amount" in refusal.value.messages[0]
    assert SmsMessage.objects.count() == 0


def test_a_bad_number_is_refused(setup):
    with pytest.raises(ValidationError) as refusal:
        queue(setup, phone="12345")
    assert refusal.value.messages == ["手机号码不正确，无法发送短信。"]
    assert SmsMessage.objects.count() == 0


ERRORS = [
    (
        "aliyun",
        "isv.BUSINESS_LIMIT_CONTROL",
        SmsStatus.RETRYING,
        "短信发送频率超限(服务商流控)，稍后自动重试。",
    ),
    ("aliyun", "isv.AMOUNT_NOT_ENOUGH", SmsStatus.FAILED, "短信账户余额不足，请充值后再发送。"),
    ("aliyun", "isv.SMS_TEMPLATE_ILLEGAL", SmsStatus.FAILED, "短信模板不存在或未审核通过，请检查模板编号。"),
    ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL", SmsStatus.FAILED, "手机号码格式不正确，无法发送。"),
    (
        "tencent",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        SmsStatus.RETRYING,
        "同一号码30秒内发送过于频繁，稍后自动重试。",
    ),
    (
        "tencent",
        "FailedOperation.InsufficientBalanceInSmsPackage",
        SmsStatus.FAILED,
        "短信套餐包余量不足，请购买后再发送。",
    ),
    (
        "tencent",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        SmsStatus.FAILED,
        "短信模板不存在或未审核通过，请检查模板ID。",
    ),
    (
        "tencent",
        "InvalidParameterValue.IncorrectPhoneNumber",
        SmsStatus.FAILED,
        "手机号码格式不正确，无法发送。",
    ),
]


@pytest.mark.parametrize("provider, code, status, text", ERRORS)
def test_each_documented_error_is_explained_and_retried_only_when_it_can_pass(
    provider, code, status, text, request, django_capture_on_commit_callbacks
):
    setup = request.getfixturevalue(f"{provider}_shop")
    setup["gateway"].fail_next = [code]
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(setup)
    message.refresh_from_db()
    assert (message.status, message.error_code, message.error_message) == (status, code, text)
    assert setup["gateway"].sends == 0
    assert message.attempts == 1
    later = message.updated_at + dt.timedelta(minutes=5)
    sms_dispatch_due(now=later)
    message.refresh_from_db()
    if status == SmsStatus.RETRYING:  # the throttle has passed: the retry goes through, once
        assert message.status == SmsStatus.ACCEPTED
        assert setup["gateway"].sends == 1
    else:
        assert message.status == SmsStatus.FAILED
        assert setup["gateway"].sends == 0


class WorkerKilled(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing after this line runs."""


def test_a_worker_killed_after_the_provider_accepted_does_not_send_twice(
    setup, monkeypatch, django_capture_on_commit_callbacks
):
    gateway = setup["gateway"]

    def die(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "record_answer", die)
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            queue(setup)
    assert gateway.sends == 1  # the provider accepted it
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.SENDING  # the acceptance was never recorded
    assert message.attempts == 1

    assert sms_dispatch_due(now=message.attempt_started_at + dt.timedelta(seconds=30)) == {}  # not due yet
    sms_dispatch_due(now=message.attempt_started_at + dt.timedelta(seconds=90))
    message.refresh_from_db()
    assert message.status == SmsStatus.ACCEPTED
    assert message.provider_message_id in ("", gateway.records[0]["id"])
    assert gateway.sends == 1  # found by our out_id, not sent again
    lookup = "QuerySendDetails" if setup["account"].provider == "aliyun" else "PullSmsSendStatusByPhoneNumber"
    assert lookup in gateway.methods()


def test_a_worker_killed_before_the_provider_heard_sends_once_after_the_grace(
    setup, monkeypatch, django_capture_on_commit_callbacks
):
    gateway = setup["gateway"]
    from outreach.providers import aliyun, tencent

    def die(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(aliyun.AliyunSms, "send", die)
        patch.setattr(tencent.TencentSms, "send", die)
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            queue(setup)
    message = SmsMessage.objects.get()
    assert (message.status, gateway.sends) == (SmsStatus.SENDING, 0)
    started = message.attempt_started_at
    sms_dispatch_due(now=started + dt.timedelta(minutes=2))  # not found yet: the provider's records may lag
    message.refresh_from_db()
    assert (message.status, gateway.sends) == (SmsStatus.SENDING, 0)
    sms_dispatch(message_id=message.pk, now=started + dispatch.LOOKUP_GRACE + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.status, gateway.sends, message.attempts) == (SmsStatus.ACCEPTED, 1, 2)


def test_an_alert_to_staff_is_not_checked_against_buyer_opt_outs(
    aliyun_shop, django_capture_on_commit_callbacks
):
    from outreach.services.optouts import optout_record

    optout_record(shop=aliyun_shop["shop"], phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(
            aliyun_shop,
            template="alert",
            context={"shop_name": "店", "case_no": "1", "rating": "1", "excerpt": "差"},
        )
    message.refresh_from_db()
    assert message.purpose == SmsPurpose.ALERT
    assert message.status == SmsStatus.ACCEPTED
