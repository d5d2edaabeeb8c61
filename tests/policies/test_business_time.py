"""Business-time arithmetic: pure, no database."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.business_time import (
    CalendarSpec,
    add_business_minutes,
    business_minutes_between,
    every_day,
)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
DAILY = every_day()  # 08:00–24:00 every day


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def test_across_midnight_continues_at_next_opening():
    assert add_business_minutes(at("2026-11-20T23:30"), 120, DAILY) == at("2026-11-21T09:30")


def test_start_outside_hours_counts_from_next_opening():
    assert add_business_minutes(at("2026-11-21T03:00"), 120, DAILY) == at("2026-11-21T10:00")
    assert add_business_minutes(at("2026-11-21T07:59"), 1, DAILY) == at("2026-11-21T08:01")


def test_deadline_on_the_last_minute_of_the_day_is_the_closing_time():
    assert add_business_minutes(at("2026-11-20T22:00"), 120, DAILY) == at("2026-11-21T00:00")
    assert add_business_minutes(at("2026-11-20T22:00"), 121, DAILY) == at("2026-11-21T08:01")


def test_across_end_of_opening_hours_of_a_short_day():
    calendar = every_day(9 * 60, 18 * 60)
    assert add_business_minutes(at("2026-11-20T17:00"), 240, calendar) == at("2026-11-21T12:00")


def test_seconds_are_kept():
    start = at("2026-11-20T23:30:15")
    assert add_business_minutes(start, 120, DAILY) == at("2026-11-21T09:30:15")


def test_holiday_is_closed_all_day():
    calendar = CalendarSpec(weekly=DAILY.weekly, holidays=frozenset({dt.date(2026, 11, 21)}))
    assert add_business_minutes(at("2026-11-20T23:30"), 120, calendar) == at("2026-11-22T09:30")
    assert business_minutes_between(at("2026-11-20T23:30"), at("2026-11-22T09:30"), calendar) == 120


def weekdays_only(**kwargs) -> CalendarSpec:
    monday_to_friday = ((8 * 60, 1440),)
    return CalendarSpec(weekly=(monday_to_friday,) * 5 + ((), ()), **kwargs)


def test_make_up_workday_opens_a_normally_closed_saturday():
    # 2026-11-21 is a Saturday: closed normally, open 08:00–24:00 as a make-up workday (调休).
    friday_late = at("2026-11-20T23:30")
    assert add_business_minutes(friday_late, 120, weekdays_only()) == at("2026-11-23T09:30")
    calendar = weekdays_only(workdays=((dt.date(2026, 11, 21), ((8 * 60, 1440),)),))
    assert add_business_minutes(friday_late, 120, calendar) == at("2026-11-21T09:30")


def test_make_up_workday_with_its_own_hours():
    calendar = weekdays_only(workdays=((dt.date(2026, 11, 21), ((10 * 60, 12 * 60),)),))
    assert add_business_minutes(at("2026-11-20T23:30"), 150, calendar) == at("2026-11-21T12:00")
    assert add_business_minutes(at("2026-11-20T23:30"), 180, calendar) == at("2026-11-23T08:30")


def test_multi_day_span_and_large_counts():
    # 30 business days of 16 h each.
    assert add_business_minutes(at("2026-11-20T08:00"), 30 * 16 * 60, DAILY) == at("2026-12-20T00:00")
    # Ten years of weekdays: 520 full weeks from a Monday 08:00 end on the 520th Friday at 24:00.
    calendar = weekdays_only()
    start = at("2026-11-23T08:00")  # a Monday
    end = add_business_minutes(start, 520 * 5 * 16 * 60, calendar)  # 520 full weeks
    assert end == start.replace(hour=0) + dt.timedelta(days=520 * 7 - 2)
    assert end == at("2036-11-08T00:00")
    assert business_minutes_between(start, end, calendar) == 520 * 5 * 16 * 60


def test_week_skipping_stops_at_exceptions():
    holidays = frozenset({dt.date(2026, 12, 30)})
    calendar = CalendarSpec(weekly=DAILY.weekly, holidays=holidays)
    start = at("2026-11-20T08:00")
    # 60 days of 16 h minus one holiday → one extra day.
    assert add_business_minutes(start, 60 * 16 * 60, calendar) == at("2027-01-20T00:00")


def test_between_is_zero_when_end_not_after_start():
    assert business_minutes_between(at("2026-11-20T10:00"), at("2026-11-20T09:00"), DAILY) == 0
    assert business_minutes_between(at("2026-11-21T01:00"), at("2026-11-21T07:00"), DAILY) == 0


def test_other_time_zone_inputs_are_converted():
    start_utc = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    assert add_business_minutes(start_utc, 120, DAILY) == at("2026-11-21T09:30")


def test_naive_datetime_and_closed_calendar_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(dt.datetime(2026, 11, 20, 10), 10, DAILY)
    with pytest.raises(ValueError):
        add_business_minutes(at("2026-11-20T10:00"), 10, CalendarSpec())


@settings(max_examples=200, deadline=None)
@given(
    start_minute=st.integers(0, 60 * 24 * 14),
    minutes=st.integers(0, 60 * 24 * 40),
    holiday_offsets=st.sets(st.integers(0, 60), max_size=6),
    workday_offsets=st.sets(st.integers(0, 60), max_size=4),
)
def test_add_and_between_agree(start_minute, minutes, holiday_offsets, workday_offsets):
    base = dt.date(2026, 11, 16)
    calendar = weekdays_only(
        holidays=frozenset(base + dt.timedelta(days=d) for d in holiday_offsets),
        workdays=tuple(
            (base + dt.timedelta(days=d), ((9 * 60, 20 * 60),)) for d in workday_offsets - holiday_offsets
        ),
    )
    start = at("2026-11-16T00:00") + dt.timedelta(minutes=start_minute)
    end = add_business_minutes(start, minutes, calendar)
    assert business_minutes_between(start, end, calendar) == minutes
    if minutes:  # the deadline is the earliest such moment: one minute earlier is not enough
        assert business_minutes_between(start, end - dt.timedelta(minutes=1), calendar) == minutes - 1
