"""``Registry.send_robust``: every listener hears an event with its own copy of the arguments; one that
fails is logged and the others still run, except under the tests (``HOOKS_RAISE``), where it raises. Both
paths that tell ``cases.hooks.case_events`` (intake's events after commit, the workflow's ``emit``) use it."""

import logging

import pytest

from cases.hooks import case_events
from cases.imports.storing import emit_case_events
from cases.workflow.core import emit
from reviewdesk.hooks import Registry


@pytest.fixture(scope="module", autouse=True)
def migration_rows_for_the_module():
    """No database here (the conftest's replay of the data migrations needs one)."""


class Boom(Exception):
    pass


def listeners(heard: list):
    def failing(*, event, case_id, payload):
        payload["seen_by"] = "failing"  # its own copy: the next listener must not see this
        heard.append(("failing", event, case_id))
        raise Boom("listener broke")

    def working(*, event, case_id, payload):
        heard.append(("working", event, case_id, dict(payload)))

    return failing, working


def test_the_tests_run_with_raising_hooks(settings):
    assert settings.HOOKS_RAISE is True


def test_a_failing_listener_is_logged_and_the_others_still_hear_the_event(settings, caplog):
    settings.HOOKS_RAISE = False
    heard = []
    registry = Registry("some_events", "test registry")
    for listener in listeners(heard):
        registry.register(listener)
    payload = {"buyer": "张三", "amount": "5.00"}
    with caplog.at_level(logging.ERROR, logger="reviewdesk.hooks"):
        registry.send_robust(event="resolved", case_id=7, payload=payload)
    assert heard == [
        ("failing", "resolved", 7),
        ("working", "resolved", 7, {"buyer": "张三", "amount": "5.00"}),
    ]
    assert payload == {"buyer": "张三", "amount": "5.00"}  # the caller's dict is untouched too
    [record] = caplog.records
    assert "some_events listener" in record.getMessage() and "failing failed" in record.getMessage()
    assert "event=resolved case_id=7" in record.getMessage()
    assert "张三" not in record.getMessage()  # a payload is not written to the log
    assert record.exc_info[0] is Boom


def test_under_the_tests_a_failing_listener_raises():
    heard = []
    registry = Registry("some_events", "test registry")
    for listener in listeners(heard):
        registry.register(listener)
    with pytest.raises(Boom):
        registry.send_robust(event="resolved", case_id=7, payload={})
    assert heard == [("failing", "resolved", 7)]


@pytest.mark.parametrize("path", ["intake", "workflow"])
def test_both_case_event_paths_send_robustly(path, settings, monkeypatch, caplog):
    monkeypatch.setattr(case_events, "_items", [])
    heard = []
    for listener in listeners(heard):
        case_events.register(listener)

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
    with caplog.at_level(logging.ERROR, logger="reviewdesk.hooks"):
        send()
    assert heard == [
        ("failing", "conversion_candidate", 3),
        ("working", "conversion_candidate", 3, {"source": "api"}),
    ]
    assert "case_events listener" in caplog.records[0].getMessage()


def test_incentives_listens_to_case_events_only():
    from incentives.receivers import on_case_event, on_training_event

    assert on_case_event in case_events.all()
    assert on_training_event not in case_events.all()
