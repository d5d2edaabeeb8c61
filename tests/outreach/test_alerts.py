"""Supervisors' SMS alerts: a shop's SMS channel turns a new negative review into one SMS per supervisor
with an alert number, accepted by the provider; once per alert and person; at most the hourly cap."""

import pytest

from cases.alerts import alert_new_cases, alert_new_cases_now
from cases.models import Delivery, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus
from outreach.choices import SmsPurpose, SmsStatus
from outreach.models import SmsMessage, SupervisorPhone
from tests.cases.routing_support import make_case
from tests.outreach.conftest import NOON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]


@pytest.fixture
def team(aliyun_shop, make_user):
    shop = aliyun_shop["shop"]
    NotificationChannel.objects.create(shop=shop, kind=ChannelKind.SMS, name="主管短信", on_new_case=True)
    boss = make_user("supervisor", shops=[shop])
    SupervisorPhone.objects.create(user=boss, phone="13900001111", phone_masked="139****1111")
    quiet = make_user("supervisor", shops=[shop])  # no alert number
    agent = make_user("agent", shops=[shop])
    SupervisorPhone.objects.create(user=agent, phone="13900002222", phone_masked="139****2222")
    return {"boss": boss, "quiet": quiet, "agent": agent}


def test_a_new_negative_review_texts_the_supervisor(team, aliyun_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(aliyun_shop["shop"], buyer_phone="13812345678")
        alert_new_cases(case_ids=[case.pk])
    delivery = Delivery.objects.get(channel__kind=ChannelKind.SMS)
    assert delivery.status == DeliveryStatus.SENT
    message = SmsMessage.objects.get()
    assert (message.purpose, message.status, message.recipient_user) == (
        SmsPurpose.ALERT,
        SmsStatus.ACCEPTED,
        team["boss"],
    )
    record = aliyun_shop["gateway"].records[0]
    assert record["phone"] == "13900001111"
    assert record["params"] == {
        "shop_name": "淘宝旗舰店",
        "case_no": str(case.pk),
        "rating": "1",
        "excerpt": "质量太差了，客服也不理人",
    }
    assert "13812345678" not in message.text + str(message.params)  # never the buyer's number


def test_the_alert_run_again_texts_nobody_twice(team, aliyun_shop, django_capture_on_commit_callbacks):
    case = make_case(aliyun_shop["shop"])
    with django_capture_on_commit_callbacks(execute=True):
        alert_new_cases_now(case_ids=[case.pk])
    with django_capture_on_commit_callbacks(execute=True):
        alert_new_cases_now(case_ids=[case.pk])
    from cases.notifications.delivery import delivery_send

    delivery = Delivery.objects.get(channel__kind=ChannelKind.SMS)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.RETRYING)  # a retried delivery
    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_id=delivery.pk)
    assert SmsMessage.objects.count() == 1
    assert aliyun_shop["gateway"].sends == 1


def test_the_hourly_cap_holds_per_person(team, aliyun_shop, django_capture_on_commit_callbacks):
    aliyun_shop["account"].alert_hourly_cap = 2
    aliyun_shop["account"].save()
    for _n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            alert_new_cases_now(case_ids=[make_case(aliyun_shop["shop"]).pk])
    assert SmsMessage.objects.filter(recipient_user=team["boss"]).count() == 2
    assert aliyun_shop["gateway"].sends == 2
    assert Delivery.objects.filter(channel__kind=ChannelKind.SMS, status=DeliveryStatus.SENT).count() == 3


def test_a_shop_without_an_alert_template_retries_the_delivery(
    team, aliyun_shop, django_capture_on_commit_callbacks
):
    aliyun_shop["templates"]["alert"].delete()
    with django_capture_on_commit_callbacks(execute=True):
        alert_new_cases_now(case_ids=[make_case(aliyun_shop["shop"]).pk])
    delivery = Delivery.objects.get(channel__kind=ChannelKind.SMS)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "没有提醒短信模板")
    assert SmsMessage.objects.count() == 0
    assert NOON  # the alert path reads the real clock: nothing here depends on quiet hours
