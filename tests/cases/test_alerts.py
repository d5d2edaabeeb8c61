"""Alerts of new cases: supervisors of the shop hear of a new negative review in the bell and over
the shop's channels; the task is enqueued after commit and is idempotent; no buyer data leaks."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_q.conf import Conf

from cases.alerts import alert_new_cases, alert_new_cases_now
from cases.models import Delivery, Notification, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from tests.cases.routing_support import RobotServer, make_case

pytestmark = pytest.mark.usefixtures("q_sync")


@pytest.fixture
def q_sync(monkeypatch):
    """Run django-q2 tasks in-process (the cluster's own sync mode), so enqueued work happens now."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def robot():
    with RobotServer() as server:
        yield server


@pytest.fixture
def team(shop, other_shop, make_user):
    return {
        "boss": make_user("supervisor", shops=[shop], email="boss@example.com"),
        "boss2": make_user("supervisor", shops=[shop], email=""),
        "retired": make_user("supervisor", shops=[shop], is_active=False, email="old@example.com"),
        "agent": make_user("agent", shops=[shop], email="agent@example.com"),
        "legal": make_user("legal", shops=[shop]),
        "elsewhere": make_user("supervisor", shops=[other_shop]),
    }


def test_new_case_notifies_the_active_supervisors_of_its_shop_after_commit(
    shop, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = make_case(shop)
        alert_new_cases(case_ids=[case.pk])
        assert Notification.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    notes = Notification.objects.filter(kind=NotificationKind.NEW_CASE)
    assert set(notes.values_list("user", flat=True)) == {team["boss"].pk, team["boss2"].pk}
    note = notes.first()
    assert note.title == f"【新中差评】淘宝旗舰店 · 案件 #{case.pk}"
    assert (
        note.body
        == "问题类型：未分类\n评分：1/5\n商品：纯棉四件套\n评价：质量太差了，客服也不理人\n时效等级：其他问题(24小时)"
    )


def test_rolled_back_intake_alerts_nobody(shop, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                case = make_case(shop)
                alert_new_cases(case_ids=[case.pk])
                raise RuntimeError("intake failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Notification.objects.count() == Delivery.objects.count() == 0


def test_running_the_alert_twice_adds_nothing(shop, team, robot):
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书群", webhook_url=f"{robot.base_url}/hook"
    )
    case = make_case(shop)
    assert alert_new_cases_now(case_ids=[case.pk]) == (2, 1)
    assert alert_new_cases_now(case_ids=[case.pk]) == (0, 0)
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 1


def test_deliveries_go_to_each_active_channel_that_wants_new_cases(
    shop, other_shop, team, robot, django_capture_on_commit_callbacks
):
    robot.responses["/robot/send"] = (200, {"errcode": 0, "errmsg": "ok"})
    feishu = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/feishu", secret="s1"
    )
    ding = NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.DINGTALK,
        name="钉钉",
        webhook_url=f"{robot.base_url}/robot/send?access_token=t",
        secret="s2",
    )
    email = NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="邮件")
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="停用", webhook_url=f"{robot.base_url}/off", active=False
    )
    NotificationChannel.objects.create(
        shop=shop,
        kind=ChannelKind.FEISHU,
        name="只要超时",
        webhook_url=f"{robot.base_url}/late",
        on_new_case=False,
    )
    NotificationChannel.objects.create(
        shop=other_shop, kind=ChannelKind.FEISHU, name="别的店", webhook_url=f"{robot.base_url}/other"
    )

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with django_capture_on_commit_callbacks(execute=True):
            case = make_case(shop)
            alert_new_cases(case_ids=[case.pk])

    deliveries = {d.channel_id: d for d in Delivery.objects.all()}
    assert set(deliveries) == {feishu.pk, ding.pk, email.pk}
    assert {d.status for d in deliveries.values()} == {DeliveryStatus.SENT}
    assert deliveries[email.pk].recipients == ["boss@example.com"]  # active supervisors with an email
    assert sorted(r["path"] for r in robot.requests) == ["/feishu", "/robot/send"]
    (sent,) = mail.outbox
    assert sent.to == ["boss@example.com"]
    assert sent.subject == f"【新中差评】淘宝旗舰店 · 案件 #{case.pk}"


def test_buyer_phone_and_address_never_reach_a_notification_or_webhook(shop, team, robot):
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书", webhook_url=f"{robot.base_url}/hook"
    )
    case = make_case(
        shop,
        buyer_phone="13812345678",
        buyer_address="浙江省杭州市西湖区文三路100号3栋",
        content="东西坏了，快回电 13812345678，寄到文三路100号3栋",
    )
    alert_new_cases_now(case_ids=[case.pk])
    (delivery,) = Delivery.objects.all()
    from cases.notifications.delivery import delivery_send

    delivery_send(delivery_id=delivery.pk)
    texts = [n.title + n.body + n.url for n in Notification.objects.all()]
    texts += [str(delivery.message), robot.requests[0]["raw"].decode()]
    for text in texts:
        assert "13812345678" not in text
        assert "文三路" not in text
        assert case.review.buyer_nick not in text


@override_settings(ALERT_DIGEST_THRESHOLD=2)
def test_a_large_batch_becomes_one_digest_per_shop(shop, team):
    cases = [make_case(shop) for _ in range(3)]
    alert_new_cases_now(case_ids=[c.pk for c in cases])
    notes = Notification.objects.all()
    assert {n.kind for n in notes} == {NotificationKind.NEW_CASES_DIGEST}
    assert notes.count() == 2
    assert notes.first().title == "【新中差评】淘宝旗舰店 新增 3 条待处理"


def test_suspected_malicious_review_also_alerts_legal(shop, team):
    case = make_case(shop, is_malicious=True)
    alert_new_cases_now(case_ids=[case.pk])
    users = set(Notification.objects.values_list("user", flat=True))
    assert users == {team["boss"].pk, team["boss2"].pk, team["legal"].pk}
    assert "疑似恶意差评，请法务关注。" in Notification.objects.first().body
