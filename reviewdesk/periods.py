"""Period codes as people type them: a month ``2026-11``, a quarter ``2026-Q4``, an ISO week ``2026-W47``.

One reader for every caller (training scores, incentive exports, the weekly report); each caller says
which kinds it takes and words its own refusal. ``parse_period_code`` is the forgiving reading (spaces
around, lower case, ``2026-1``, ``2026W5``; years 2000–2100); ``read_period_code(…, canonical=True)`` takes
only the canonical spelling and leaves the range check (``PeriodCode.exists``) to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTH = "month"
QUARTER = "quarter"
WEEK = "week"
YEARS = range(2000, 2101)

_FORGIVING = {
    MONTH: re.compile(r"^(\d{4})-(\d{1,2})$"),
    QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    WEEK: re.compile(r"^(\d{4})-?W(\d{1,2})$"),
}
_CANONICAL = {
    **_FORGIVING,
    MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
}


@dataclass(frozen=True)
class PeriodCode:
    kind: str  # MONTH, QUARTER or WEEK
    year: int
    number: int  # the month (1–12), the quarter (1–4) or the ISO week (1–53)

    def exists(self, years: range | None = YEARS) -> bool:
        """The year is in ``years`` (None: any) and the month or week is on the calendar."""
        if years is not None and self.year not in years:
            return False
        if self.kind == MONTH:
            return 1 <= self.number <= 12
        if self.kind == WEEK:
            try:
                dt.date.fromisocalendar(self.year, self.number, 1)
            except ValueError:
                return False
        return True

    @property
    def code(self) -> str:
        """The canonical spelling: ``2026-11``, ``2026-Q4``, ``2026-W47``."""
        if self.kind == QUARTER:
            return f"{self.year:04d}-Q{self.number}"
        if self.kind == WEEK:
            return f"{self.year:04d}-W{self.number:02d}"
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def months(self) -> tuple[tuple[int, int], ...]:
        """(year, month) of a month or of a quarter's three months."""
        if self.kind == QUARTER:
            first = 3 * self.number - 2
            return tuple((self.year, m) for m in range(first, first + 3))
        return ((self.year, self.number),)

    @property
    def first_day(self) -> dt.date:
        if self.kind == WEEK:
            return dt.date.fromisocalendar(self.year, self.number, 1)
        year, month = self.months[0]
        return dt.date(year, month, 1)

    @property
    def last_day(self) -> dt.date:
        """Inclusive."""
        if self.kind == WEEK:
            return self.first_day + dt.timedelta(days=6)
        year, month = self.months[-1]
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def read_period_code(
    value: str | None, kinds: tuple[str, ...], *, canonical: bool = False
) -> PeriodCode | None:
    """The code's kind, year and number if ``value`` is written as one of ``kinds``, else None; the
    calendar is not checked. Forgiving: spaces around and letter case do not matter."""
    text = (value or "").strip()
    patterns = _CANONICAL if canonical else _FORGIVING
    if not canonical:
        text = text.upper()
    for kind in kinds:
        if match := patterns[kind].match(text):
            return PeriodCode(kind, int(match[1]), int(match[2]))
    return None


def parse_period_code(
    value: str | None, kinds: tuple[str, ...], *, years: range | None = YEARS
) -> PeriodCode | None:
    """``read_period_code`` (forgiving) of a period that exists in ``years``, else None."""
    code = read_period_code(value, kinds)
    return code if code is not None and code.exists(years) else None
