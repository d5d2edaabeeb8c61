"""Days, ISO weeks and months on the Asia/Shanghai calendar (the product's time zone, UTC+8, no DST)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewdesk.periods import WEEK, read_period_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(SHANGHAI).date()


def day_start(day: dt.date) -> dt.datetime:
    """00:00 Asia/Shanghai of ``day`` as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def start(self) -> dt.datetime:
        return day_start(self.monday)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: the next Monday 00:00 Asia/Shanghai."""
        return day_start(self.monday + dt.timedelta(days=7))

    def previous(self) -> IsoWeek:
        return week_of(self.monday - dt.timedelta(days=7))

    def __str__(self):
        return self.key


def week_of(day: dt.date) -> IsoWeek:
    year, week, _weekday = day.isocalendar()
    return IsoWeek(year, week)


def parse_week(value: str) -> IsoWeek:
    code = read_period_code(value, (WEEK,), canonical=True)
    if code is None:
        raise ValidationError(_("周次格式应为“2026-W47”(ISO周)。"), code="bad_week")
    if not code.exists(years=None):
        raise ValidationError(
            _("%(year)s年没有第%(week)s周。") % {"year": code.year, "week": code.number}, code="bad_week"
        )
    return IsoWeek(code.year, code.number)


def last_complete_week(now: dt.datetime | None = None) -> IsoWeek:
    return week_of(local_today(now)).previous()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def complete_months_before(day: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` complete calendar months before the month of ``day``, oldest first."""
    first = month_start(day)
    return [add_months(first, -n) for n in range(count, 0, -1)]
