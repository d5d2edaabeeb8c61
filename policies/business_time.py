"""Business-time arithmetic over a calendar spec: pure, no database, no Django.

A ``CalendarSpec`` says when the team works: opening intervals per weekday (minutes of the day,
``(480, 1440)`` = 08:00–24:00; a closing time of 00:00 in the admin means 24:00), holidays (closed
all day) and make-up workdays (调休: open with their own hours, 08:00–24:00 by default, even on a
weekday that is normally closed). SLA minutes count only inside those intervals, in the calendar's
time zone (Asia/Shanghai by default; the arithmetic is wall-clock, exact for zones without DST).

* ``add_business_minutes(start, minutes, calendar)`` — the moment ``minutes`` business minutes after
  ``start``. A start outside opening hours counts from the next opening. A deadline that uses up a
  day's last minute lands on the closing time itself (e.g. 24:00 = next day 00:00), not on the next
  opening.
* ``business_minutes_between(start, end, calendar)`` — whole business minutes in ``[start, end)``.

Both walk day by day and skip whole regular weeks at once when no holiday or make-up day falls in
them, so 30 days or 30 years cost the same handful of steps, never one step per minute.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache

MINUTES_PER_DAY = 1440
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = MINUTES_PER_DAY * _US_PER_MINUTE
_WEEK = dt.timedelta(days=7)
_DAY = dt.timedelta(days=1)
# A calendar whose next opening is further away than this is treated as never open (bad data).
_MAX_CLOSED_DAYS = 3 * 366

Interval = tuple[int, int]  # (opens, closes) in minutes of the day, 0 <= opens < closes <= 1440


@dataclass(frozen=True)
class CalendarSpec:
    """When business time runs. ``weekly[w]`` are the intervals of weekday ``w`` (Monday = 0)."""

    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holidays: frozenset[dt.date] = frozenset()
    workdays: tuple[tuple[dt.date, tuple[Interval, ...]], ...] = ()
    timezone: str = "Asia/Shanghai"
    _workday_map: dict = field(default=None, init=False, repr=False, compare=False, hash=False)
    _exception_dates: tuple = field(default=(), init=False, repr=False, compare=False, hash=False)
    _week_minutes: int = field(default=0, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        if len(self.weekly) != 7:
            raise ValueError("weekly must have 7 entries (Monday..Sunday)")
        weekly = tuple(_merge(day) for day in self.weekly)
        object.__setattr__(self, "weekly", weekly)
        workday_map = {day: _merge(hours) for day, hours in self.workdays}
        object.__setattr__(self, "_workday_map", workday_map)
        object.__setattr__(self, "_exception_dates", tuple(sorted(set(self.holidays) | set(workday_map))))
        object.__setattr__(
            self, "_week_minutes", sum(close - open_ for day in weekly for open_, close in day)
        )

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return _zone(self.timezone)

    def intervals(self, day: dt.date) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        hours = self._workday_map.get(day)
        if hours is not None:
            return hours
        return self.weekly[day.weekday()]

    def _regular_week_from(self, day: dt.date) -> bool:
        """True when no holiday or make-up day falls in [day, day + 7)."""
        dates = self._exception_dates
        i = bisect.bisect_left(dates, day)
        return i == len(dates) or dates[i] >= day + _WEEK

    def _last_exception(self) -> dt.date | None:
        return self._exception_dates[-1] if self._exception_dates else None


def every_day(
    opens: int = 8 * 60, closes: int = MINUTES_PER_DAY, timezone: str = "Asia/Shanghai"
) -> CalendarSpec:
    """The same hours on all seven days (the default pack: 08:00–24:00)."""
    return CalendarSpec(weekly=(((opens, closes),),) * 7, timezone=timezone)


def time_to_minutes(value: dt.time, *, closing: bool = False) -> int:
    """A ``datetime.time`` as minutes of the day; a closing time of 00:00 means 24:00."""
    minutes = value.hour * 60 + value.minute
    return MINUTES_PER_DAY if closing and minutes == 0 else minutes


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _merge(intervals) -> tuple[Interval, ...]:
    merged: list[list[int]] = []
    for open_, close in sorted((int(o), int(c)) for o, c in intervals):
        if not 0 <= open_ < close <= MINUTES_PER_DAY:
            raise ValueError(f"bad opening interval {open_}-{close}")
        if merged and open_ <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], close)
        else:
            merged.append([open_, close])
    return tuple((o, c) for o, c in merged)


ROUND_THE_CLOCK = every_day(0, MINUTES_PER_DAY)


def _split(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> tuple[dt.date, int]:
    if moment.tzinfo is None:
        raise ValueError("business time needs an aware datetime")
    local = moment.astimezone(tz)
    offset = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    return local.date(), offset


def _join(day: dt.date, offset_us: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(microseconds=offset_us)
    return naive.replace(tzinfo=tz)


def add_business_minutes(start: dt.datetime, minutes: int, calendar: CalendarSpec) -> dt.datetime:
    """``start`` plus ``minutes`` of business time, as an aware datetime in the calendar's zone."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    tz = calendar.tz
    day, position = _split(start, tz)
    remaining = int(minutes * _US_PER_MINUTE)
    week_us = calendar._week_minutes * _US_PER_MINUTE
    closed_days = 0
    while True:
        if position == 0 and week_us and remaining > week_us and calendar._regular_week_from(day):
            weeks = (remaining - 1) // week_us  # leave the last (partial) week to the day walk
            # Only skip weeks that stay clear of the next exception date.
            dates = calendar._exception_dates
            i = bisect.bisect_left(dates, day)
            if i < len(dates):
                weeks = min(weeks, (dates[i] - day).days // 7)
            if weeks:
                day += _WEEK * weeks
                remaining -= weeks * week_us
                continue
        opened_today = False
        for open_, close in calendar.intervals(day):
            open_us, close_us = open_ * _US_PER_MINUTE, close * _US_PER_MINUTE
            if position >= close_us:
                continue
            opened_today = True
            begin = max(position, open_us)
            available = close_us - begin
            if remaining <= available:
                return _join(day, begin + remaining, tz)
            remaining -= available
            position = close_us
        closed_days = 0 if opened_today else closed_days + 1
        if closed_days > _MAX_CLOSED_DAYS and _never_opens_after(calendar, day):
            raise ValueError("the business calendar has no opening hours")
        day += _DAY
        position = 0


def business_minutes_between(start: dt.datetime, end: dt.datetime, calendar: CalendarSpec) -> int:
    """Whole business minutes in ``[start, end)``; 0 when ``end`` is not after ``start``."""
    if end <= start:
        return 0
    tz = calendar.tz
    day, position = _split(start, tz)
    end_day, end_position = _split(end, tz)
    week_us = calendar._week_minutes * _US_PER_MINUTE
    total = 0
    while day <= end_day:
        if position == 0 and (end_day - day).days >= 7 and calendar._regular_week_from(day):
            dates = calendar._exception_dates
            i = bisect.bisect_left(dates, day)
            weeks = (end_day - day).days // 7
            if i < len(dates):
                weeks = min(weeks, (dates[i] - day).days // 7)
            if weeks:
                total += weeks * week_us
                day += _WEEK * weeks
                continue
        limit = end_position if day == end_day else _US_PER_DAY
        for open_, close in calendar.intervals(day):
            begin = max(position, open_ * _US_PER_MINUTE)
            finish = min(limit, close * _US_PER_MINUTE)
            if finish > begin:
                total += finish - begin
        day += _DAY
        position = 0
    return total // _US_PER_MINUTE


def _never_opens_after(calendar: CalendarSpec, day: dt.date) -> bool:
    if calendar._week_minutes:
        return False
    last = calendar._last_exception()
    return last is None or last < day
