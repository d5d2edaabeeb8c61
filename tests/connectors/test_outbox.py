"""Public replies delivered to the platform through the outbox: queued when an agent posts one on a
case of a connected shop, delivered once, read back before any retry after an ambiguous failure,
refused before the call when the platform would refuse it, and shown on the case."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.hooks import certification_checks
from cases.models import Case, Notification
from cases.workflow.services import case_act
from connectors.choices import OutboxState
from connectors.models import Connector, OutboxReply
from connectors.services.outbox import outbox_flush
from connectors.services.pull import connector_pull
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.usefixtures("policy_pack")
TEXT = "亲，非常抱歉给您带来不好的体验，我们已私信联系您处理。"
EXPLAIN = "taobao.traderate.explain.add"


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def agent(tb_shop):
    return UserFactory(role="agent", shops=[tb_shop])


def open_case(connector, gateway, agent, capture, oid=9001, **review):
    gateway.add_review(oid, created=timezone.now() - dt.timedelta(hours=2), result="bad", **review)
    with capture(execute=True):
        assert connector_pull(connector_id=connector.pk).ok
    case = Case.objects.get(review__sub_order_no=str(oid))
    Case.objects.filter(pk=case.pk).update(assignee=agent, status="assigned", assigned_at=timezone.now())
    case.refresh_from_db()
    return case


def reply(case, agent, capture, text=TEXT):
    with capture(execute=True):
        case_act(case_id=case.pk, action="public_reply", by=agent, version=case.version, data={"text": text})


def explains(gateway):
    return [p for m, p in gateway.calls if m == EXPLAIN]


def test_a_public_reply_is_queued_and_delivered_once(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)

    item = OutboxReply.objects.get(case=case)
    assert (item.state, item.target, item.order_no, item.text) == (OutboxState.PENDING, "9001", "900", TEXT)

    counts = outbox_flush()

    assert counts["delivered"] == 1
    item.refresh_from_db()
    assert item.state == OutboxState.DELIVERED and item.delivered_at is not None and item.attempts == 1
    assert gateway.reviews["9001"]["reply"] == TEXT
    assert [(p["oid"], p["reply"]) for p in explains(gateway)] == [("9001", TEXT)]
    # a second run sends nothing again
    assert outbox_flush()["delivered"] == 0 and len(explains(gateway)) == 1


def test_a_reply_whose_answer_is_lost_after_the_platform_applied_it_is_read_back_not_sent_twice(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    gateway.lose_answer_of = 1

    first = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert first["ambiguous"] == 1 and item.state == OutboxState.AMBIGUOUS
    assert gateway.reviews["9001"]["reply"] == TEXT  # the platform did apply it
    assert outbox_flush()["delivered"] == 0  # not before its retry time

    second = outbox_flush(now=timezone.now() + dt.timedelta(minutes=2))

    item.refresh_from_db()
    assert second["delivered"] == 1 and item.state == OutboxState.DELIVERED
    assert "回读确认" in item.platform_message
    assert len(explains(gateway)) == 1  # read back (traderates.get by tid), never sent again
    assert gateway.calls[-1][0] == "taobao.traderates.get" and gateway.calls[-1][1]["tid"] == "900"


def test_a_worker_killed_during_the_call_leaves_it_sending_and_the_next_reads_back_then_sends(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    # a worker claimed it (SENDING, committed) and died before its call reached the platform
    OutboxReply.objects.filter(case=case).update(state=OutboxState.SENDING, attempts=1)

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["delivered"] == 1 and item.state == OutboxState.DELIVERED and item.attempts == 2
    methods = [m for m, _p in gateway.calls][-2:]
    assert methods == ["taobao.traderates.get", EXPLAIN]  # read back first: nothing there, so sent
    assert gateway.reviews["9001"]["reply"] == TEXT


def test_the_platform_refusal_fails_the_reply_with_its_message_and_tells_the_assignee(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    gateway.reviews["9001"]["reply"] = "商家在千牛里已经解释过"

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["failed"] == 1 and item.state == OutboxState.FAILED
    assert item.platform_message == "15 Remote service error (isv.traderate-explain-exist: 该评价已解释过)"
    bell = Notification.objects.get(kind="connector", case=case)
    assert bell.user == agent and "平台回复失败" in bell.title
    assert gateway.reviews["9001"]["reply"] == "商家在千牛里已经解释过"  # nothing overwritten


def test_limits_are_checked_before_any_call(connector, gateway, agent, django_capture_on_commit_callbacks):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    OutboxReply.objects.filter(case=case).update(text="好" * 501)

    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["failed"] == 1 and item.platform_message == "回复有501个字，超过平台上限500个字。"
    assert explains(gateway) == [] and "reply" not in gateway.reviews["9001"]


def test_an_appended_review_is_pulled_and_no_explanation_is_sent_after_it(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    # this gateway's API version returns the appended review: the deployer maps its keys (data, no release)
    api = connector.api
    api["fields"].update(appended_content="append_content", appended_at="append_created")
    api["list_params"]["fields"] += ",append_content,append_created"
    Connector.objects.filter(pk=connector.pk).update(api=api)
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    gateway.reviews["9001"].update(
        append_content="用了一周又坏了", append_created=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    )
    with django_capture_on_commit_callbacks(execute=True):
        pulled = connector_pull(connector_id=connector.pk, now=timezone.now() + dt.timedelta(minutes=1))
    assert pulled.ok and pulled.updated == 1
    case.refresh_from_db()
    assert case.review.appended_content == "用了一周又坏了"

    reply(case, agent, django_capture_on_commit_callbacks)
    counts = outbox_flush()

    item = OutboxReply.objects.get(case=case)
    assert counts["failed"] == 1 and item.platform_message == "买家已追评，平台不再接受对该评价的解释。"
    assert explains(gateway) == []


def test_a_rate_limit_keeps_the_reply_pending_and_backs_the_connector_off(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    reply(case, agent, django_capture_on_commit_callbacks)
    gateway.ban_calls, gateway.ban_seconds = 1, 30
    now = timezone.now()

    counts = outbox_flush(now=now)

    item = OutboxReply.objects.get(case=case)
    connector.refresh_from_db()
    assert counts["pending"] == 1 and item.state == OutboxState.PENDING and item.attempts == 0
    assert connector.state == "backing_off" and connector.backoff_until == now + dt.timedelta(seconds=30)
    assert outbox_flush(now=now + dt.timedelta(seconds=31))["delivered"] == 1


def test_a_reply_on_a_shop_without_a_connector_is_not_queued(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    from cases.imports.submit import reviews_submit

    plain = ShopFactory(code="tb-file", platform="taobao", name="只导文件店")
    plain_agent = UserFactory(role="agent", shops=[plain])
    item = {
        "shop": plain.code,
        "order_no": "P-1",
        "rating": "差评",
        "content": "不好",
        "reviewed_at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "buyer_nick": "t**1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        [result] = reviews_submit(items=[item], allowed_shop_ids={plain.pk}, source="api")
    case = Case.objects.get(pk=result.case_id)
    Case.objects.filter(pk=case.pk).update(
        assignee=plain_agent, status="assigned", assigned_at=timezone.now()
    )
    case.refresh_from_db()

    reply(case, plain_agent, django_capture_on_commit_callbacks)

    assert not OutboxReply.objects.exists()
    assert outbox_flush() == {s: 0 for s in OutboxState.values} and explains(gateway) == []


def test_the_worker_collects_a_reply_the_receiver_missed(
    connector, gateway, agent, django_capture_on_commit_callbacks
):
    case = open_case(connector, gateway, agent, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the event is never sent
        case_act(case_id=case.pk, action="public_reply", by=agent, version=case.version, data={"text": TEXT})
    assert not OutboxReply.objects.exists()

    assert outbox_flush()["delivered"] == 1
    assert gateway.reviews["9001"]["reply"] == TEXT
