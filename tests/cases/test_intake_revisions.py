"""A later version of a review: the change is kept as a revision; a better rating inside the platform's
revision window marks the case a conversion candidate (and tells the ``case_event`` signal); a worse
one flags the case for escalation and reopens it if it was resolved."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.choices import CaseStatus
from cases.imports.submit import reviews_submit
from cases.models import Case, Review, ReviewRevision
from cases.signals import case_event

SH = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2026, 11, 17, 10, 0, tzinfo=SH)
pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture
def events():
    heard = []

    def listener(*, event, case_id, payload, **signal_args):
        heard.append((event, case_id, payload))

    case_event.connect(listener)
    yield heard
    case_event.disconnect(listener)


def submit(shop, *, rating, now, content="快递太慢了，一个星期才到", **extra):
    item = {
        "shop": shop.code,
        "order_no": "RV000001",
        "rating": rating,
        "content": content,
        "reviewed_at": "2026-11-17 09:30",
        "buyer_nick": "t**改评买家",
        **extra,
    }
    [result] = reviews_submit(items=[item], allowed_shop_ids={shop.pk}, source="api", now=now)
    assert result.status != "error", result.errors
    return result


def test_improved_rating_inside_the_window_is_a_conversion_candidate_and_fires_the_hook(
    shop, events, django_capture_on_commit_callbacks
):
    first = submit(shop, rating="差评", now=T)
    case = Case.objects.get(pk=first.case_id)
    later = T + dt.timedelta(days=2)
    assert case.revision_allowed and later <= case.revision_until

    with django_capture_on_commit_callbacks(execute=True):
        second = submit(shop, rating="好评", now=later, content="商家处理很及时，改为好评")

    assert (second.status, second.case_id) == ("updated", case.pk)
    case.refresh_from_db()
    assert case.conversion_candidate_at == later
    assert (case.converted_from_rating, case.converted_to_rating) == (1, 5)
    assert case.needs_escalation is False and case.rating_worsened_at is None
    revision = ReviewRevision.objects.get()
    assert (revision.rating_before, revision.rating_after, revision.source) == (1, 5, "api")
    assert set(revision.changed_fields) >= {"rating", "rating_text", "content"}
    assert (
        revision.before["content"] == "快递太慢了，一个星期才到"
        and revision.after["content"] == "商家处理很及时，改为好评"
    )
    assert events == [
        (
            "conversion_candidate",
            case.pk,
            {"from_rating": 1, "to_rating": 5, "source": "api", "compliance_violations": []},
        )
    ]
    assert Case.objects.count() == 1


def test_improvement_after_the_revision_window_is_recorded_but_not_a_candidate(
    shop, events, django_capture_on_commit_callbacks
):
    case = Case.objects.get(pk=submit(shop, rating="差评", now=T).case_id)
    too_late = case.revision_until + dt.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="好评", now=too_late)

    case.refresh_from_db()
    assert case.conversion_candidate_at is None and case.converted_to_rating is None
    assert ReviewRevision.objects.get().rating_after == 5
    assert events == []


def test_worse_rating_flags_the_case_for_escalation_and_the_sweep_to_look_now(
    shop, events, django_capture_on_commit_callbacks
):
    case = Case.objects.get(pk=submit(shop, rating="中评", now=T).case_id)
    version = case.version
    later = T + dt.timedelta(hours=3)

    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="差评", now=later)

    case.refresh_from_db()
    assert (case.rating_worsened_at, case.rating_worsened_from, case.rating_worsened_to) == (later, 3, 1)
    assert case.needs_escalation is True and case.sla_next_check_at == later
    assert case.status == CaseStatus.NEW and case.version == version + 1
    assert events == [("rating_worsened", case.pk, {"from_rating": 3, "to_rating": 1, "source": "api"})]


def test_worse_rating_reopens_a_resolved_case(shop, events, django_capture_on_commit_callbacks):
    case = Case.objects.get(pk=submit(shop, rating="中评", now=T).case_id)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RESOLVED, resolved_at=T + dt.timedelta(hours=1))
    later = T + dt.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="差评", now=later)

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.resolved_at is None
    assert case.needs_escalation
    assert [e[0] for e in events] == ["reopened", "rating_worsened"]


def test_a_candidate_that_turns_bad_again_is_reverted(shop, events, django_capture_on_commit_callbacks):
    case = Case.objects.get(pk=submit(shop, rating="差评", now=T).case_id)
    with django_capture_on_commit_callbacks(execute=True):
        submit(shop, rating="好评", now=T + dt.timedelta(days=1))
        submit(shop, rating="差评", now=T + dt.timedelta(days=2))

    case.refresh_from_db()
    assert case.conversion_candidate_at is None and case.converted_to_rating is None
    assert case.needs_escalation
    assert [e[0] for e in events] == ["conversion_candidate", "conversion_reverted", "rating_worsened"]
    assert ReviewRevision.objects.count() == 2


def test_the_same_later_version_twice_records_one_revision_and_one_event(
    shop, events, django_capture_on_commit_callbacks
):
    submit(shop, rating="差评", now=T)
    with django_capture_on_commit_callbacks(execute=True):
        assert submit(shop, rating="好评", now=T + dt.timedelta(days=1)).status == "updated"
        assert submit(shop, rating="好评", now=T + dt.timedelta(days=2)).status == "unchanged"

    assert ReviewRevision.objects.count() == 1
    assert len(events) == 1
    assert Case.objects.get().conversion_candidate_at == T + dt.timedelta(days=1)


def test_an_appended_review_is_a_revision_without_a_rating_move(
    shop, events, django_capture_on_commit_callbacks
):
    submit(shop, rating="差评", now=T)
    with django_capture_on_commit_callbacks(execute=True):
        submit(
            shop,
            rating="差评",
            now=T + dt.timedelta(days=7),
            appended_content="用了一周，还是不行",
            appended_at="2026-11-24 10:00",
        )

    review = Review.objects.get()
    assert review.appended_content == "用了一周，还是不行"
    revision = ReviewRevision.objects.get()
    assert set(revision.changed_fields) == {"appended_content", "appended_at"}
    assert revision.rating_before == revision.rating_after == 1
    case = Case.objects.get()
    assert case.needs_escalation is False and case.conversion_candidate_at is None
    assert events == []


def test_a_good_review_turned_bad_opens_its_first_case(shop):
    first = submit(shop, rating="好评", now=T, content="很好用")
    assert first.case_id is None and Case.objects.count() == 0

    second = submit(shop, rating="差评", now=T + dt.timedelta(days=1), content="用了一天就坏了，质量太差")

    assert second.status == "updated" and second.case_id is not None
    case = Case.objects.get()
    assert case.opened_at == T + dt.timedelta(days=1) and case.review.rating == 1
    assert ReviewRevision.objects.get().rating_after == 1
