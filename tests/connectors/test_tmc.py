"""Taobao's message service (TMC) through its HTTP side on the local TOP gateway: a TradeRated message for a
connected seller reads that one review back at once into the one intake; a repeat changes nothing; a
message of another seller or topic is confirmed and ignored; a failed read is left for TMC to deliver again."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.hooks import certification_checks
from cases.models import Case, Review
from connectors.services.pull import connector_pull
from connectors.services.tmc import tmc_consume
from tests.connectors.conftest import connect

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def pushed(tb_shop, gateway):
    return connect(tb_shop, gateway, seller_nick="旗舰店", tmc_group="default")


def consume(capture):
    with capture(execute=True):
        return tmc_consume()


def test_a_rated_message_reads_that_review_back_at_once_into_a_case(
    pushed, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(8001, created=timezone.now() - dt.timedelta(days=20), result="bad", content="漏水")
    gateway.push_rated(8001)

    counts = consume(django_capture_on_commit_callbacks)

    assert counts == {
        "messages": 1,
        "stored": 1,
        "cases_opened": 1,
        "ignored": 0,
        "deferred": 0,
        "failed": 0,
        "errors": 0,
    }
    review = Review.objects.get(sub_order_no="8001")
    assert (review.rating, review.source) == (1, "connector")
    assert Case.objects.filter(review=review).exists()
    methods = gateway.methods()
    assert methods == ["taobao.tmc.messages.consume", "taobao.traderates.get", "taobao.tmc.messages.confirm"]
    consume_params, read_params = gateway.calls[0][1], gateway.calls[1][1]
    assert consume_params["group_name"] == "default" and "session" not in consume_params
    assert (read_params["tid"], read_params["session"]) == ("800", gateway.session)  # the one order only
    assert gateway.tmc == []  # confirmed


def test_a_message_delivered_twice_changes_nothing_the_second_time(
    pushed, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(8101, created=timezone.now() - dt.timedelta(hours=2), result="bad")
    gateway.push_rated(8101)
    consume(django_capture_on_commit_callbacks)
    before = list(Review.objects.values_list("pk", "fingerprint", "rating"))
    gateway.push_rated(8101)

    counts = consume(django_capture_on_commit_callbacks)

    assert (counts["stored"], counts["cases_opened"]) == (1, 0)
    assert list(Review.objects.values_list("pk", "fingerprint", "rating")) == before
    assert Case.objects.count() == 1


def test_a_changed_rating_pushed_is_a_revision(pushed, gateway, django_capture_on_commit_callbacks):
    gateway.add_review(8201, created=timezone.now() - dt.timedelta(days=40), result="bad")
    gateway.push_rated(8201)
    consume(django_capture_on_commit_callbacks)
    gateway.reviews["8201"]["result"] = "good"
    gateway.push_rated(8201)

    consume(django_capture_on_commit_callbacks)

    assert Review.objects.get(sub_order_no="8201").rating == 5


def test_messages_of_another_seller_or_topic_are_confirmed_and_ignored(
    pushed, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(8301, created=timezone.now() - dt.timedelta(hours=1), result="bad")
    gateway.push_rated(8301, seller_nick="别人的店")
    gateway.push_rated(8301, topic="taobao_trade_TradeCreate")

    counts = consume(django_capture_on_commit_callbacks)

    assert (counts["messages"], counts["ignored"], counts["stored"]) == (2, 2, 0)
    assert Review.objects.count() == 0 and gateway.tmc == []
    assert "taobao.traderates.get" not in gateway.methods()


def test_a_failed_read_is_not_confirmed_and_is_delivered_again(
    pushed, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(8401, created=timezone.now() - dt.timedelta(hours=1), result="bad")
    gateway.push_rated(8401)
    gateway.revoked = True

    counts = consume(django_capture_on_commit_callbacks)

    assert (counts["failed"], counts["stored"]) == (1, 0) and len(gateway.tmc) == 1
    pushed.refresh_from_db()
    assert pushed.state == "reauth"
    calls = len(gateway.calls)
    deferred = consume(django_capture_on_commit_callbacks)  # no read while re-authorisation is needed
    assert deferred["deferred"] == 1 and "taobao.traderates.get" not in gateway.methods()[calls:]
    gateway.revoked = False
    connect(pushed.shop, gateway, seller_nick="旗舰店", tmc_group="default")  # the seller authorises again
    with django_capture_on_commit_callbacks(execute=True):
        assert connector_pull(connector_id=pushed.pk).ok  # the next pull puts the connector back to ok
    gateway.reviews["8401"]["result"] = "good"  # changed after that pull: only the message can tell
    assert consume(django_capture_on_commit_callbacks)["stored"] == 1
    assert gateway.tmc == [] and Review.objects.get(sub_order_no="8401").rating == 5


def test_a_connector_without_a_tmc_group_is_not_consumed_for(
    tb_shop, gateway, django_capture_on_commit_callbacks
):
    connect(tb_shop, gateway, seller_nick="旗舰店")
    gateway.add_review(8501, created=timezone.now(), result="bad")
    gateway.push_rated(8501)

    assert consume(django_capture_on_commit_callbacks)["messages"] == 0
    assert gateway.calls == []


def test_the_command_runs_rounds_through_the_same_code(pushed, gateway, django_capture_on_commit_callbacks):
    gateway.add_review(8601, created=timezone.now() - dt.timedelta(hours=1), result="bad")
    gateway.push_rated(8601)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("connector_tmc", "--rounds", "1", "--json", stdout=out)

    assert json.loads(out.getvalue())["stored"] == 1
    assert Review.objects.filter(sub_order_no="8601").exists()
