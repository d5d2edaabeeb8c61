"""Deadlines a case gets at intake, in business time, through the whole path (validate → triage → case).

The seeded pack: logistics complaints get the "物流延误(2小时)" tier — first response in 120 business
minutes, warning at 80 % (96 minutes); the default calendar is open 08:00–24:00 every day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.imports.submit import reviews_submit
from cases.models import Case
from policies.loader import clear_policy_cache
from policies.models import BusinessCalendar, CalendarException, SlaTier

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("policy_pack")
LOGISTICS = "快递太慢了，一个星期才到，物流三天不更新"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in November 2026, Beijing time (the 17th is a Tuesday, the 21st a Saturday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def open_case(shop, *, now: dt.datetime, n: int = 1, content: str = LOGISTICS) -> Case:
    item = {
        "shop": shop.code,
        "order_no": f"DL{n:06d}",
        "rating": "差评",
        "content": content,
        "reviewed_at": now.strftime("%Y-%m-%d %H:%M"),
        "buyer_nick": f"买家{n}",
    }
    [result] = reviews_submit(items=[item], allowed_shop_ids={shop.pk}, source="api", now=now)
    assert result.status == "created", result.errors
    return Case.objects.get(pk=result.case_id)


def set_hours(opens: dt.time, closes: dt.time, *, weekdays=range(7)) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.get(shop__isnull=True, active=True)
    calendar.hours.all().delete()
    for weekday in weekdays:
        calendar.hours.create(weekday=weekday, opens=opens, closes=closes)
    calendar.save()  # a new version, as the admin does
    clear_policy_cache()
    return calendar


def test_a_deadline_crosses_midnight_into_the_next_opening(shop):
    case = open_case(shop, now=at(17, 23, 0))

    assert case.sla_tier_name == "物流延误(2小时)" and case.handling_role == "agent"
    # 60 minutes until 24:00, closed until 08:00, then the remaining 60.
    assert case.first_response_due_at == at(18, 9, 0)
    assert case.first_response_warn_at == at(18, 8, 36)
    assert case.opened_at == at(17, 23, 0)
    assert case.sla_next_check_at == at(18, 8, 36)


def test_a_deadline_stops_at_the_end_of_opening_hours_and_resumes_next_morning(shop):
    set_hours(dt.time(9, 0), dt.time(18, 0))

    case = open_case(shop, now=at(17, 17, 30))

    assert case.first_response_due_at == at(18, 10, 30)  # 30 minutes Tuesday, 90 Wednesday
    assert case.first_response_warn_at == at(18, 10, 6)


def test_a_review_arriving_at_night_starts_its_clock_at_the_next_opening(shop):
    set_hours(dt.time(9, 0), dt.time(18, 0))
    case = open_case(shop, now=at(17, 2, 15))
    assert case.first_response_due_at == at(17, 11, 0)


def test_a_holiday_is_skipped_whole(shop):
    calendar = set_hours(dt.time(9, 0), dt.time(18, 0))
    CalendarException.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 18), kind="holiday", name="店庆休息"
    )
    calendar.save()
    clear_policy_cache()

    case = open_case(shop, now=at(17, 17, 30))

    assert case.first_response_due_at == at(19, 10, 30)  # Wednesday the 18th does not count


def test_a_make_up_workday_counts_on_a_weekend(shop):
    calendar = set_hours(dt.time(9, 0), dt.time(18, 0), weekdays=range(5))  # Monday–Friday
    before = open_case(shop, now=at(20, 17, 30), n=1)
    assert before.first_response_due_at == at(23, 10, 30)  # Friday evening → Monday

    CalendarException.objects.create(
        calendar=calendar,
        date=dt.date(2026, 11, 21),
        kind="workday",
        name="调休上班",
        opens=dt.time(10, 0),
        closes=dt.time(16, 0),
    )
    calendar.save()
    clear_policy_cache()
    after = open_case(shop, now=at(20, 17, 30), n=2)

    assert after.first_response_due_at == at(21, 11, 30)  # Saturday's own hours: 10:00 + 90 minutes
    before.refresh_from_db()
    assert before.first_response_due_at == at(23, 10, 30)


def test_the_case_stores_the_decision_windows_and_policy_versions(shop):
    case = open_case(shop, now=at(17, 10, 0))

    tier = SlaTier.objects.get(shop__isnull=True, issue_type__code="logistics")
    assert case.issue_type.code == "logistics"
    assert {"model": "slatier", "id": tier.pk, "version": tier.version, "name": tier.name} in case.policy_refs
    assert case.decision["sla"]["first_response_minutes"] == 120
    assert case.decision["issue_type"] == "logistics"
    assert (case.sla_tier_id_ref, case.sla_tier_version) == (tier.pk, tier.version)
    assert case.resolution_due_at is not None and case.public_reply_due_at is not None
    assert case.revision_allowed and case.revision_until > at(17, 10, 0)
    assert case.reply_until is not None and case.appeal_until is not None


def test_a_policy_edited_later_changes_only_cases_opened_after_the_edit(shop):
    first = open_case(shop, now=at(17, 10, 0), n=1)
    frozen = {
        f: getattr(first, f)
        for f in (
            "first_response_due_at",
            "first_response_warn_at",
            "resolution_due_at",
            "sla_tier_version",
            "policy_refs",
            "decision",
        )
    }

    tier = SlaTier.objects.get(shop__isnull=True, issue_type__code="logistics")
    tier.first_response_minutes = 30
    tier.save()
    second = open_case(shop, now=at(17, 10, 0), n=2)

    first.refresh_from_db()
    assert {f: getattr(first, f) for f in frozen} == frozen
    assert first.first_response_due_at == at(17, 12, 0)
    assert second.first_response_due_at == at(17, 10, 30)
    assert (first.sla_tier_version, second.sla_tier_version) == (tier.version - 1, tier.version)
    assert second.decision["sla"]["first_response_minutes"] == 30
