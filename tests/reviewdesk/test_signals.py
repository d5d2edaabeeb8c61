"""Events are signals (``reviewdesk.signals.RobustSignal``) sent after commit with ``send_robust``: every
receiver hears an event with its own copy of the arguments; one that fails is logged and the others still
run, except under the tests (``HOOKS_RAISE``), where it raises. Both senders of ``cases.signals.case_event``
(intake's events, the workflow's ``emit``) send only once their transaction has committed."""

import datetime as dt
import logging

import pytest
from django.db import transaction

from cases.imports.storing import emit_case_events
from cases.imports.submit import reviews_submit
from cases.models import Case, CaseEvent
from cases.signals import case_event
from cases.workflow.core import emit
from cases.workflow.services import case_act
from reviewdesk.signals import RobustSignal
from tests.cases.workflow_factories import member, put_in_state, triaged_case


class Boom(Exception):
    pass


class Rollback(Exception):
    pass


def receivers(heard: list):
    def failing(*, event, case_id, payload, **signal_args):
        payload["seen_by"] = "failing"  # its own copy: the next receiver must not see this
        heard.append(("failing", event, case_id))
        raise Boom("receiver broke")

    def working(*, event, case_id, payload, **signal_args):
        heard.append(("working", event, case_id, dict(payload)))

    return failing, working


@pytest.fixture
def heard():
    """What a receiver of ``case_event`` heard: (event, case_id, payload)."""
    events = []

    def listener(*, event, case_id, payload, **signal_args):
        events.append((event, case_id, payload))

    case_event.connect(listener, weak=False)
    yield events
    case_event.disconnect(listener)


def test_the_tests_run_with_raising_hooks(settings):
    assert settings.HOOKS_RAISE is True


def test_a_failing_receiver_is_logged_and_the_others_still_hear_the_event(settings, caplog):
    settings.HOOKS_RAISE = False
    heard, signal = [], RobustSignal("some_events")
    for receiver in receivers(heard):
        signal.connect(receiver, weak=False)
    payload = {"buyer": "张三", "amount": "5.00"}
    with caplog.at_level(logging.ERROR, logger="reviewdesk.signals"):
        responses = signal.send_robust(sender=Case, event="resolved", case_id=7, payload=payload)
    assert heard == [
        ("failing", "resolved", 7),
        ("working", "resolved", 7, {"buyer": "张三", "amount": "5.00"}),
    ]
    assert payload == {"buyer": "张三", "amount": "5.00"}  # the sender's dict is untouched too
    assert [type(response).__name__ for _, response in responses] == ["Boom", "NoneType"]
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith("some_events receiver tests.reviewdesk.test_signals.receivers.<locals>.failing")
    assert "event=resolved case_id=7" in message
    assert "张三" not in message  # a payload is not written to the log
    assert record.exc_info[0] is Boom


def test_under_the_tests_a_failing_receiver_raises():
    heard, signal = [], RobustSignal("some_events")
    for receiver in receivers(heard):
        signal.connect(receiver, weak=False)
    with pytest.raises(Boom):
        signal.send_robust(sender=Case, event="resolved", case_id=7, payload={})
    assert heard == [("failing", "resolved", 7)]


def test_an_async_receiver_is_refused():
    signal = RobustSignal("some_events")

    async def receiver(**kwargs):
        pass

    with pytest.raises(TypeError, match="async"):
        signal.connect(receiver)
    assert signal.connected() == []


@pytest.mark.parametrize("path", ["intake", "workflow"])
def test_both_case_event_senders_send_robustly(path, settings, monkeypatch, caplog):
    monkeypatch.setattr(case_event, "receivers", [])  # incentives and insights would need a database
    heard = []
    for receiver in receivers(heard):
        case_event.connect(receiver, weak=False)

    def send():
        if path == "intake":
            emit_case_events([("conversion_candidate", 3, {"source": "api"})])
        else:
            emit("conversion_candidate", 3, {"source": "api"})()

    with pytest.raises(Boom):
        send()
    assert heard == [("failing", "conversion_candidate", 3)]
    heard.clear()
    settings.HOOKS_RAISE = False
    with caplog.at_level(logging.ERROR, logger="reviewdesk.signals"):
        send()
    assert heard == [
        ("failing", "conversion_candidate", 3),
        ("working", "conversion_candidate", 3, {"source": "api"}),
    ]
    assert caplog.records[0].getMessage().startswith("case_event receiver ")


def test_incentives_and_insights_receive_case_events_and_training_sends_none():
    from incentives.receivers import on_case_event, on_training_event
    from insights.receivers import on_case_event as insights_on_case_event

    connected = case_event.connected(Case)
    assert on_case_event in connected and insights_on_case_event in connected
    assert on_training_event not in connected


# --- After commit, and only then -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
def test_a_workflow_event_waits_for_the_commit(shop, heard, django_capture_on_commit_callbacks):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    with django_capture_on_commit_callbacks() as callbacks:
        case_act(case_id=case.pk, action="resolve", by=agent, version=3, data={})
        assert heard == []  # written, not yet committed: nobody has heard
    assert heard == []
    for callback in callbacks:
        callback()
    assert [(event, case_id) for event, case_id, _ in heard] == [("resolved", case.pk)]


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
def test_a_rolled_back_workflow_service_sends_nothing(shop, heard, django_capture_on_commit_callbacks):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    events_before = CaseEvent.objects.filter(case=case).count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            case_act(case_id=case.pk, action="resolve", by=agent, version=3, data={})
            raise Rollback
    assert heard == [] and callbacks == []
    case.refresh_from_db()
    assert (case.status, case.version) == ("agreed", 3)
    assert CaseEvent.objects.filter(case=case).count() == events_before


def _submit(shop, *, rating, now):
    item = {
        "shop": shop.code,
        "order_no": "SG000001",
        "rating": rating,
        "content": "快递太慢了，一个星期才到",
        "reviewed_at": "2026-11-17 09:30",
        "buyer_nick": "t**信号买家",
    }
    [result] = reviews_submit(items=[item], allowed_shop_ids={shop.pk}, source="api", now=now)
    assert result.status != "error", result.errors
    return result


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
def test_a_rolled_back_import_sends_nothing_and_a_committed_one_sends_its_events(
    shop, heard, django_capture_on_commit_callbacks
):
    first = _submit(shop, rating="差评", now=dt.datetime(2026, 11, 17, 10, 0, tzinfo=dt.UTC))
    later = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            _submit(shop, rating="好评", now=later)
            raise Rollback
    assert heard == [] and callbacks == []
    case = Case.objects.get(pk=first.case_id)
    assert case.conversion_candidate_at is None

    with django_capture_on_commit_callbacks() as callbacks:
        _submit(shop, rating="好评", now=later)
    assert heard == []
    for callback in callbacks:
        callback()
    assert [(event, case_id) for event, case_id, _ in heard] == [("conversion_candidate", case.pk)]
