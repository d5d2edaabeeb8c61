"""Period keys: ``2026-11`` for a month, ``2026-W47`` for an ISO week. Pure functions."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewdesk.periods import MONTH, WEEK, parse_period_code
from training.choices import PeriodKind
from training.errors import TrainingError


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def start_datetime(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    def end_datetime(self) -> dt.datetime:
        """Exclusive upper bound: midnight after the last day (Asia/Shanghai)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))


def parse_period(value: str) -> Period:
    if code := parse_period_code(value, (MONTH, WEEK)):
        kind = PeriodKind.WEEKLY if code.kind == WEEK else PeriodKind.MONTHLY
        return Period(code.code, kind, code.first_day, code.last_day)
    raise ValidationError(
        _("周期“%(value)s”无效：月度写作 2026-11，周度写作 2026-W47。") % {"value": value},
        code=TrainingError.BAD_PERIOD,
    )


def period_for(day: dt.date, kind: str) -> Period:
    if kind == PeriodKind.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return parse_period(f"{year}-W{week:02d}")
    return parse_period(f"{day.year}-{day.month:02d}")


def previous_periods(kind: str, count: int, *, until: dt.date) -> list[Period]:
    """The ``count`` periods of ``kind`` ending with the one containing ``until``, oldest first."""
    periods = [period_for(until, kind)]
    while len(periods) < count:
        periods.append(period_for(periods[-1].start - dt.timedelta(days=1), kind))
    return list(reversed(periods))
