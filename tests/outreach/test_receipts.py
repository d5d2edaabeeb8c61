"""Delivery receipts: Tencent Cloud's status callback (the account's secret token in the URL: a wrong one
is 403 and changes nothing) and the polling of both providers; a buyer's 退订 reply by callback."""

import datetime as dt
import json

import pytest

from outreach.choices import SmsStatus
from outreach.models import OptOut
from outreach.services.dispatch import sms_queue
from outreach.services.receipts import sms_receipts_poll

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]


def accepted(setup, capture):
    with capture(execute=True):
        message = sms_queue(
            account=setup["account"],
            shop=setup["shop"],
            phone="13800138000",
            template=setup["templates"]["care"],
            context={"shop_name": "店", "coupon_amount": "5"},
            purpose="care",
            idempotency_key="r1",
        )
    message.refresh_from_db()
    assert message.status == SmsStatus.ACCEPTED
    return message


def status_url(account, token=None, kind="status"):
    return f"/outreach/tencent/{account.pk}/{token or account.callback_token}/{kind}/"


def report(message, status="SUCCESS"):
    return [
        {
            "user_receive_time": "2026-12-01 12:00:05",
            "nationcode": "86",
            "mobile": "13800138000",
            "report_status": status,
            "errmsg": "DELIVRD" if status == "SUCCESS" else "MK:0001",
            "description": "用户短信送达成功",
            "sid": message.provider_message_id,
        }
    ]


def test_tencents_status_callback_settles_the_message(
    tencent_shop, client, django_capture_on_commit_callbacks
):
    message = accepted(tencent_shop, django_capture_on_commit_callbacks)
    response = client.post(
        status_url(tencent_shop["account"]), json.dumps(report(message)), content_type="application/json"
    )
    assert (response.status_code, response.json()) == (200, {"result": 0, "errmsg": "OK"})
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


@pytest.mark.parametrize("wrong", ["token", "account"])
def test_a_callback_with_a_wrong_token_is_refused_and_changes_nothing(
    wrong, tencent_shop, client, django_capture_on_commit_callbacks
):
    message = accepted(tencent_shop, django_capture_on_commit_callbacks)
    account = tencent_shop["account"]
    url = (
        status_url(account, token="x" * 32)
        if wrong == "token"
        else f"/outreach/tencent/{account.pk + 99}/{account.callback_token}/status/"
    )
    response = client.post(url, json.dumps(report(message)), content_type="application/json")
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == SmsStatus.ACCEPTED
    response = client.post(
        status_url(account, token="x" * 32, kind="reply"),
        json.dumps({"mobile": "13800138000", "text": "T"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert OptOut.objects.count() == 0


def test_a_reply_callback_saying_t_opts_the_number_out(tencent_shop, client):
    account = tencent_shop["account"]
    body = {
        "extend": "",
        "mobile": "13800138000",
        "nationcode": "86",
        "sign": "好店",
        "text": "退订",
        "time": 1764590400,
    }
    response = client.post(
        status_url(account, kind="reply"), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    assert OptOut.objects.get().shop == tencent_shop["shop"]


def test_a_bad_callback_body_is_a_400(tencent_shop, client):
    response = client.post(status_url(tencent_shop["account"]), "not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
@pytest.mark.parametrize("delivered, status", [(True, SmsStatus.DELIVERED), (False, SmsStatus.FAILED)])
def test_polling_reads_the_receipt(provider, delivered, status, request, django_capture_on_commit_callbacks):
    setup = request.getfixturevalue(f"{provider}_shop")
    message = accepted(setup, django_capture_on_commit_callbacks)
    setup["gateway"].deliver(message.out_id, ok=delivered)
    assert sms_receipts_poll(now=message.accepted_at + dt.timedelta(seconds=30)) == {
        "delivered": 0,
        "failed": 0,
        "pending": 0,
    }
    sms_receipts_poll(now=message.accepted_at + dt.timedelta(minutes=6))
    message.refresh_from_db()
    assert message.status == status
