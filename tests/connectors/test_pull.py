"""Pulling reviews from a local TOP gateway (a real HTTP server on 127.0.0.1) into the one intake:
backfill, cursor and overlap, the 1,500-record window cap, paging, rate limits and backoff, a revoked
session, a skewed clock, and the health a manager sees."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.hooks import certification_checks
from cases.models import Case, ImportBatch, Notification, Review, ReviewRevision
from connectors.choices import ConnectorState
from connectors.models import Connector
from connectors.services.pull import connector_pull, connectors_due
from tests.cases.intake_support import snapshot
from tests.connectors.conftest import connect
from tests.factories import ShopFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


def ago(**delta):
    return timezone.now() - dt.timedelta(**delta)


def pull(connector, capture, **kwargs):
    with capture(execute=True):
        return connector_pull(connector_id=connector.pk, **kwargs)


def test_the_first_pull_backfills_seven_days_into_cases_with_the_connector_as_source(
    connector, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(1001, created=ago(days=2), result="bad", content="杯子漏水")
    gateway.add_review(1002, created=ago(hours=3), result="good", content="很好")
    gateway.add_review(1003, created=ago(days=9), result="bad", content="太久以前")  # before the backfill

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.as_dict() == {
        "ok": True,
        "fetched": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "cases_opened": 1,
        "calls": 1,  # one window, one page; the review just read is not read back again
        "error": None,
    }
    bad = Review.objects.get(sub_order_no="1001")
    assert (bad.order_no, bad.rating, bad.rating_text, bad.source) == ("100", 1, "差评", "connector")
    assert Case.objects.get(review=bad).shop == connector.shop
    assert not Review.objects.filter(sub_order_no="1003").exists()
    assert set(ImportBatch.objects.values_list("source", flat=True)) == {"connector"}
    connector.refresh_from_db()
    assert connector.state == ConnectorState.OK and connector.calls_total == 1
    assert connector.cursor_at is not None and connector.lease_token == ""
    # the request asked for the first week, signed, with the documented list parameters
    method, params = gateway.calls[0]
    assert method == "taobao.traderates.get"
    assert (params["rate_type"], params["role"], params["page_no"], params["page_size"]) == (
        "get",
        "buyer",
        "1",
        "100",
    )
    start = dt.datetime.strptime(params["start_date"], "%Y-%m-%d %H:%M:%S")
    assert abs((timezone.localtime().replace(tzinfo=None) - start) - dt.timedelta(days=7)) < dt.timedelta(
        minutes=1
    )


def test_the_next_pull_starts_at_the_cursor_minus_the_overlap_and_changes_nothing(
    connector, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(2001, created=ago(minutes=5), result="bad")
    pull(connector, django_capture_on_commit_callbacks)
    before = snapshot()
    connector.refresh_from_db()
    cursor = connector.cursor_at

    result = pull(connector, django_capture_on_commit_callbacks)

    # one call: the window (the review it returns is not read back again)
    assert (result.ok, result.fetched, result.created, result.unchanged, result.calls) == (True, 1, 0, 1, 1)
    params = gateway.calls[-1][1]
    start = dt.datetime.strptime(params["start_date"], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=timezone.get_current_timezone()
    )
    assert start == (cursor - dt.timedelta(minutes=10)).replace(microsecond=0)
    after = snapshot()
    assert after["reviews"] == before["reviews"] and after["cases"] == before["cases"]


def test_a_window_past_the_1500_cap_is_split_until_every_review_is_reached(
    connector, gateway, django_capture_on_commit_callbacks
):
    base = ago(hours=20)
    for n in range(1700):
        gateway.add_review(500000 + n, created=base + dt.timedelta(seconds=30 * n), result="good")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 1700
    assert Review.objects.filter(shop=connector.shop).count() == 1700
    windows = [(p["start_date"], p["end_date"]) for m, p in gateway.calls if p.get("page_no") == "1"]
    assert len(windows) >= 3  # the whole window (1,700 ≥ 1,500), then halves until each is below the cap
    assert windows[0][1] == windows[-1][1] and windows[1][0] == windows[0][0]
    assert all(int(p["page_no"]) <= 200 and int(p["page_size"]) <= 150 for _m, p in gateway.calls)


def test_a_page_size_above_the_platforms_limit_is_clamped(
    connector, gateway, django_capture_on_commit_callbacks
):
    Connector.objects.filter(pk=connector.pk).update(api={**connector.api, "page_size": 500})
    for n in range(160):
        gateway.add_review(700000 + n, created=ago(hours=1, seconds=n), result="good")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert result.ok and result.created == 160
    assert [p["page_size"] for _m, p in gateway.calls] == ["150", "150"]


def test_a_rate_limit_backs_off_for_the_ban_and_recovers_by_itself(
    connector, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(3001, created=ago(hours=1), result="bad")
    gateway.ban_calls, gateway.ban_seconds = 1, 120
    now = timezone.now()

    result = pull(connector, django_capture_on_commit_callbacks, now=now)

    assert not result.ok and result.error.startswith("7 App Call Limited")
    connector.refresh_from_db()
    assert connector.state == ConnectorState.BACKING_OFF
    assert connector.backoff_until == now + dt.timedelta(seconds=120)
    assert Review.objects.count() == 0 and connector.cursor_at is None
    # inside the ban nothing is called, by the schedule or by hand
    calls = len(gateway.calls)
    assert connector.pk not in connectors_due(now=now + dt.timedelta(seconds=60))
    skipped = pull(connector, django_capture_on_commit_callbacks, now=now + dt.timedelta(seconds=60))
    assert skipped.skipped and len(gateway.calls) == calls
    # after it, the next pull succeeds and the connector is OK again; backing off alerted nobody
    later = pull(connector, django_capture_on_commit_callbacks, now=now + dt.timedelta(seconds=121))
    assert later.ok and later.created == 1
    connector.refresh_from_db()
    assert connector.state == ConnectorState.OK and connector.backoff_until is None
    assert not Notification.objects.filter(kind="connector").exists()


def test_a_revoked_session_needs_reauthorisation_alerts_the_managers_once_and_recovers(
    connector, gateway, manager, tb_shop, make_user, django_capture_on_commit_callbacks
):
    other_manager = make_user("manager", shops=[ShopFactory(code="tb-other", platform="taobao")])
    gateway.add_review(4001, created=ago(hours=1), result="bad")
    gateway.revoked = True

    first = pull(connector, django_capture_on_commit_callbacks)
    second = pull(connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1))

    assert not first.ok and first.error.startswith("27 Invalid session")
    assert not second.ok
    connector.refresh_from_db()
    assert connector.state == ConnectorState.REAUTH and connector.failures == 2
    alerts = Notification.objects.filter(kind="connector")
    assert list(alerts.values_list("user_id", flat=True)) == [manager.pk]  # once, his shop's manager only
    assert other_manager.pk not in alerts.values_list("user_id", flat=True)
    assert "需要重新授权" in alerts.get().title
    assert Review.objects.count() == 0
    # the seller authorises again: a new session key, and the next pull works by itself
    gateway.revoked, gateway.session = False, "seller-session-2"
    connect(tb_shop, gateway)
    third = pull(connector, django_capture_on_commit_callbacks)
    assert third.ok and third.created == 1
    connector.refresh_from_db()
    assert connector.state == ConnectorState.OK and connector.alerted_state == ""
    assert [e["kind"] for e in connector.recent_errors] == ["auth", "auth"]


def test_an_expired_authorisation_is_not_even_sent(connector, gateway, django_capture_on_commit_callbacks):
    Connector.objects.filter(pk=connector.pk).update(expires_at=ago(minutes=1))

    result = pull(connector, django_capture_on_commit_callbacks)

    assert not result.ok and "到期" in result.error and gateway.calls == []
    connector.refresh_from_db()
    assert connector.state == ConnectorState.REAUTH


def test_a_skewed_server_clock_is_refused_by_the_platform_and_reported_as_failing(
    connector, gateway, manager, django_capture_on_commit_callbacks
):
    gateway.add_review(5001, created=ago(hours=1), result="bad")
    skewed = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)  # noqa: E731

    result = pull(connector, django_capture_on_commit_callbacks, clock=skewed)

    assert not result.ok and result.error.startswith("31 Invalid timestamp")
    connector.refresh_from_db()
    assert connector.state == ConnectorState.FAILING and connector.cursor_at is None
    assert Notification.objects.filter(kind="connector", user=manager).count() == 1
    assert Review.objects.count() == 0
    # nine minutes off is inside the platform's ten: accepted
    near = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)  # noqa: E731
    assert pull(connector, django_capture_on_commit_callbacks, clock=near).ok


def test_a_wrong_secret_fails_at_once_and_stores_no_credential_in_the_error(
    tb_shop, gateway, django_capture_on_commit_callbacks
):
    connector = connect(tb_shop, gateway, app_secret="not-the-secret")

    result = pull(connector, django_capture_on_commit_callbacks)

    assert not result.ok and result.error == "25 Invalid signature"
    connector.refresh_from_db()
    assert connector.state == ConnectorState.FAILING
    assert (
        "not-the-secret" not in str(connector.recent_errors) and gateway.session not in connector.last_error
    )


def test_the_credentials_are_encrypted_at_rest(connector, gateway):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app_secret, session_key FROM connectors_connector WHERE id = %s", [connector.pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in stored)
    assert gateway.secret not in "".join(stored) and gateway.session not in "".join(stored)
    assert Connector.objects.get(pk=connector.pk).app_secret == gateway.secret


def test_a_review_changed_between_pulls_is_a_revision_with_the_connector_as_source(
    connector, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(6001, created=ago(days=3), result="bad")
    first = pull(connector, django_capture_on_commit_callbacks, now=timezone.now())
    assert first.created == 1, first
    gateway.reviews["6001"]["result"] = "neutral"

    # three days old: outside the overlap window, seen by the read-back of reviews with a case
    result = pull(connector, django_capture_on_commit_callbacks, now=timezone.now() + dt.timedelta(minutes=1))

    assert result.ok and result.updated == 1
    review = Review.objects.get(sub_order_no="6001")
    assert review.rating == 3
    revision = ReviewRevision.objects.filter(review=review).order_by("-pk").first()
    assert (revision.rating_before, revision.rating_after, revision.source) == (1, 3, "connector")
    assert ("taobao.traderates.get", "600") == (gateway.calls[-1][0], gateway.calls[-1][1]["tid"])


def test_a_review_read_back_is_not_read_again_for_15_minutes(
    connector, gateway, django_capture_on_commit_callbacks
):
    gateway.add_review(6101, created=ago(days=3), result="bad")
    start = timezone.now()
    pull(connector, django_capture_on_commit_callbacks, now=start)
    pull(connector, django_capture_on_commit_callbacks, now=start + dt.timedelta(minutes=1))  # reads it back
    reads = [p for _m, p in gateway.calls if p.get("tid")]
    assert len(reads) == 1

    pull(connector, django_capture_on_commit_callbacks, now=start + dt.timedelta(minutes=10))
    assert len([p for _m, p in gateway.calls if p.get("tid")]) == 1  # not yet
    pull(connector, django_capture_on_commit_callbacks, now=start + dt.timedelta(minutes=17))
    assert len([p for _m, p in gateway.calls if p.get("tid")]) == 2


def test_the_schedule_ticks_every_minute_and_a_tick_pulls_and_delivers(
    connector, gateway, django_capture_on_commit_callbacks
):
    from django_q.models import Schedule

    from connectors.tasks import connectors_tick

    schedule = Schedule.objects.get(name="ReviewDesk connectors tick")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "connectors.tasks.connectors_tick",
        "I",
        1,
    )
    gateway.add_review(6201, created=ago(minutes=3), result="bad")

    with django_capture_on_commit_callbacks(execute=True):
        answer = connectors_tick()

    assert (answer["pulled"], answer["failed"], answer["skipped"]) == (1, 0, 0)
    assert Review.objects.filter(sub_order_no="6201").exists()
