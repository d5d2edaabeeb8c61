"""Every link that leaves the site is absolute on SITE_URL (issue 15 §8): a chat app or a mail client
opens no relative link. The messages are rendered and sent for real: Feishu and DingTalk to a robot
stand-in on 127.0.0.1, e-mail through locmem."""

import datetime as dt
import os
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import reverse
from django_q.conf import Conf

from cases.alerts import alert_new_cases, case_path
from cases.models import Delivery, Notification, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from cases.notifications.delivery import delivery_send
from cases.notifications.messages import Message, absolute_url, build_message
from tests.cases.routing_support import RobotServer, make_case

SITE = "https://reviews.example.cn"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def robot():
    with RobotServer() as server:
        yield server


@pytest.mark.skipif("SITE_URL" in os.environ, reason="the environment sets SITE_URL")
def test_site_url_is_a_declared_setting_with_a_local_default():
    from django.conf import global_settings

    from reviewdesk import settings as project_settings

    assert not hasattr(global_settings, "SITE_URL")  # the project declares it, not Django
    assert project_settings.SITE_URL == "http://127.0.0.1:8000"  # no SITE_URL in the test environment


@pytest.mark.parametrize("kind", [kind.value for kind in NotificationKind])
def test_every_message_kind_links_absolutely(kind):
    context = {"shop_name": "淘宝旗舰店", "case_id": 7, "case_path": case_path(7), "count": 3}
    if kind == NotificationKind.NEW_CASES_DIGEST:
        context["case_path"] = case_path(None)
    message = build_message(kind, context)
    assert message.url.startswith(SITE + "/")
    assert message.url == SITE + context["case_path"]


def test_absolute_url_leaves_absolute_and_empty_links_alone():
    assert absolute_url("/cases/7/") == SITE + "/cases/7/"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert absolute_url("//evil.example/x") == "//evil.example/x"  # never glued onto the site
    assert absolute_url("") == ""


def test_a_new_case_reaches_feishu_dingtalk_and_mail_with_an_absolute_link(
    shop, make_user, robot, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(Conf, "SYNC", True)  # the cluster's own in-process mode: deliveries go now
    robot.responses["/robot/send"] = (200, {"errcode": 0, "errmsg": "ok"})
    make_user("supervisor", shops=[shop], email="boss@example.com")
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书群", webhook_url=f"{robot.base_url}/feishu"
    )
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.DINGTALK, name="钉钉群", webhook_url=f"{robot.base_url}/robot/send"
    )
    NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="主管邮件")

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(shop)
        alert_new_cases(case_ids=[case.pk])

    link = f"{SITE}/cases/{case.pk}/"
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    by_path = {request["path"]: request["json"] for request in robot.requests}
    feishu_links = [
        item["href"]
        for line in by_path["/feishu"]["content"]["post"]["zh_cn"]["content"]
        for item in line
        if item["tag"] == "a"
    ]
    assert feishu_links == [link]
    assert by_path["/robot/send"]["markdown"]["text"].endswith(f"[查看案件]({link})")
    (sent,) = mail.outbox
    assert sent.body.splitlines()[-1] == link
    assert Notification.objects.get().url == link  # the bell opens it too (notification_open)


def test_a_delivery_queued_with_a_site_path_goes_out_with_an_absolute_link(shop):
    channel = NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="主管邮件")
    delivery = Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind=NotificationKind.NEW_CASE,
        dedupe_key="new_case:old",
        message=Message(title="t", lines=("l",), url="/cases/7/").as_dict(),
        recipients=["boss@example.com"],
        next_attempt_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert mail.outbox[0].body.splitlines()[-1] == SITE + "/cases/7/"


def test_a_withheld_award_notice_links_absolutely(shop, make_user, django_capture_on_commit_callbacks):
    from incentives.services.notify import notify_withheld

    agent = make_user("agent", shops=[shop])
    manager = make_user("manager", shops=[shop])
    withheld = SimpleNamespace(pk=991, agent=agent, agent_id=agent.pk, case_ref="42", reason="未认证")

    with django_capture_on_commit_callbacks(execute=True):
        notify_withheld(withheld)

    note = Notification.objects.get(user=manager)
    assert note.url == SITE + reverse("incentives:manage") + "#withheld"


def test_the_bell_opens_an_absolute_link_on_the_host_the_user_is_on(client, shop, make_user):
    """An absolute link on SITE_URL is still opened from the bell on any host the site answers to."""
    user = make_user("supervisor", shops=[shop])
    note = Notification.objects.create(
        user=user, kind="new_case", title="t", body="", url=f"{SITE}/cases/7/", dedupe_key="k"
    )
    client.force_login(user)

    response = client.post(reverse("cases:notification-open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/cases/7/"


@override_settings(DEBUG=False, SITE_URL="http://reviews.example.cn")
def test_a_deploy_check_warns_when_site_url_is_not_https():
    ids = [message.id for message in run_checks(include_deployment_checks=True)]
    assert "reviewdesk.W001" in ids


@override_settings(DEBUG=False, SITE_URL="https://reviews.example.cn")
def test_no_warning_for_an_https_site_url():
    ids = [message.id for message in run_checks(include_deployment_checks=True)]
    assert "reviewdesk.W001" not in ids and "reviewdesk.E001" not in ids


@override_settings(SITE_URL="reviews.example.cn")
def test_a_site_url_without_scheme_is_an_error():
    assert "reviewdesk.E001" in [message.id for message in run_checks()]


def test_in_production_site_url_defaults_to_the_first_allowed_host_over_https():
    from tests.hardening.test_headers import run_production

    script = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    done = run_production("-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "https://reviewdesk.example.com"
