"""Periods: months (``2026-11``) grouped into quarters (``2026-Q4``); open → locked.

Posting goes to ``posting_period(at)``: the month containing ``at`` if it is open, else the next open
month after it (created on demand). Locking takes the payout snapshot in the same transaction.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import EntryKind, PeriodStatus
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry, PayoutLine, Period

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class PeriodSpan:
    """What an export or statement covers: one month or a quarter's three months."""

    code: str
    months: tuple[tuple[int, int], ...]

    @property
    def is_quarter(self) -> bool:
        return len(self.months) > 1


def parse_span(code: str) -> PeriodSpan:
    text = (code or "").strip().upper()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return PeriodSpan(f"{year}-{month:02d}", ((year, month),))
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            first = 3 * quarter - 2
            return PeriodSpan(f"{year}-Q{quarter}", tuple((year, m) for m in range(first, first + 3)))
    raise ValidationError(
        _("期间格式不正确：%(code)s。请使用“2026-11”(月)或“2026-Q4”(季度)。"), code=IncentiveError.BAD_PERIOD,
        params={"code": code},
    )  # fmt: skip


def periods_of(span: PeriodSpan) -> list[Period]:
    """The existing period rows of a span (months without a row have no entries)."""
    wanted = {f"{y}-{m:02d}" for y, m in span.months}
    return list(Period.objects.filter(code__in=wanted).order_by("year", "month"))


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def period_ensure(*, year: int, month: int) -> Period:
    """The period row of a month, created open if missing (race-safe)."""
    period = Period.objects.filter(year=year, month=month).first()
    if period is not None:
        return period
    starts_on, ends_on = _month_bounds(year, month)
    try:
        with transaction.atomic():
            return Period.objects.create(
                year=year, month=month, code=f"{year}-{month:02d}", starts_on=starts_on, ends_on=ends_on
            )
    except IntegrityError:
        return Period.objects.get(year=year, month=month)


def posting_period(at: dt.datetime | None = None) -> Period:
    now = timezone.now()
    day = timezone.localdate(min(at, now) if at else now)
    period = period_ensure(year=day.year, month=day.month)
    while not period.is_open:
        day = period.ends_on + dt.timedelta(days=1)
        period = period_ensure(year=day.year, month=day.month)
    return period


def latest_locked_period() -> Period | None:
    return Period.objects.filter(status=PeriodStatus.LOCKED).order_by("-year", "-month").first()


def period_lock(*, period: Period, by) -> Period:
    """Lock a period and store its payout snapshot. Four eyes: whoever created an adjustment in the
    period may not lock it."""
    from incentives.services.payouts import summary_rows

    if not by.has_perm("incentives.lock_period"):
        raise ValidationError(_("你没有锁定结算期间的权限。"), code=IncentiveError.FORBIDDEN)
    with transaction.atomic():
        # FOR UPDATE waits for in-flight posts (their trigger holds the row FOR SHARE) and blocks new ones.
        locked = Period.objects.select_for_update().get(pk=period.pk)
        if locked.status != PeriodStatus.OPEN:
            raise ValidationError(
                _("期间 %(code)s 已锁定，不能重复锁定。"), code=IncentiveError.PERIOD_NOT_OPEN, params={"code": locked.code}
            )
        if LedgerEntry.objects.filter(period=locked, kind=EntryKind.ADJUSTMENT, created_by=by).exists():
            raise ValidationError(
                _("你在期间 %(code)s 中做过调整分录，按四眼原则须由另一位同事锁定该期间。"),
                code=IncentiveError.FOUR_EYES, params={"code": locked.code},
            )  # fmt: skip
        locked.status = PeriodStatus.LOCKED
        locked.locked_at = timezone.now()
        locked.locked_by = by
        locked.save(update_fields=["status", "locked_at", "locked_by"])
        lines = [
            PayoutLine(period=locked, user_id=row.user_id, employee_code=row.employee_code, name=row.name,
                       shops=row.shops, conversions=row.conversions, bonus_cny=row.bonus_cny,
                       points_earned=row.points_earned, points_redeemed=row.points_redeemed,
                       points_balance=row.points_balance, leave_days=row.leave_days,
                       adjustments_cny=row.adjustments_cny, total_payable=row.total_payable)
            for row in summary_rows([locked])
        ]  # fmt: skip
        PayoutLine.objects.bulk_create(lines)
    period.refresh_from_db()
    return period
