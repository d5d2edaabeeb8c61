"""Periods: months (``2026-11``) grouped into quarters (``2026-Q4``); open → locked.

Posting goes to ``posting_period(at)``: the month containing ``at`` if it is open, else the next open
month after it (created on demand). Locking takes the payout snapshot in the same transaction. A
period is locked as a whole (``Period.status``, by who sees every shop), for some shops only
(``PeriodShopLock``, by an HR of those shops), or for every shop of a client (``period_lock_client``:
the same shop locks, all of the client's shops at once). There is no unlock.

A month is locked once it has ended. Locking the running month (or a later one) takes an explicit
``early_confirmed=True``, which the web page sends only from its confirmation page (totals, negative
balances with their causes, open disputes: ``services.period_review``); every other path (the admin
action, a script) is refused with ``PERIOD_RUNNING``. The check runs under the period's row lock, for
the whole period and a shop lock alike.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import EntryKind, PeriodStatus
from incentives.errors import IncentiveError
from incentives.models import LedgerEntry, PayoutLine, Period, PeriodShopLock
from incentives.services.summary import summary_rows
from reviewdesk.periods import MONTH, QUARTER, parse_period_code


@dataclass(frozen=True)
class PeriodSpan:
    """What an export or statement covers: one month or a quarter's three months."""

    code: str
    months: tuple[tuple[int, int], ...]

    @property
    def is_quarter(self) -> bool:
        return len(self.months) > 1


def parse_span(code: str) -> PeriodSpan:
    if parsed := parse_period_code(code, (MONTH, QUARTER)):
        return PeriodSpan(parsed.code, parsed.months)
    raise ValidationError(
        _("期间格式不正确：%(code)s。请使用“2026-11”(月)或“2026-Q4”(季度)。"),
        code=IncentiveError.BAD_PERIOD,
        params={"code": code},
    )


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


def posting_period(at: dt.datetime | None = None, *, shop_id: int | None = None) -> Period:
    """The month an entry of ``shop_id`` (``services.scope.entry_shop_id``; None: no shop) goes to: the
    month of ``at`` if it is open and not locked for that shop, else the next such month."""
    now = timezone.now()
    day = timezone.localdate(min(at, now) if at else now)
    period = period_ensure(year=day.year, month=day.month)
    while not period.is_open or shop_locked(period, shop_id):
        day = period.ends_on + dt.timedelta(days=1)
        period = period_ensure(year=day.year, month=day.month)
    return period


def shop_locked(period: Period, shop_id: int | None) -> bool:
    return shop_id is not None and PeriodShopLock.objects.filter(period=period, shop_id=shop_id).exists()


def latest_locked_period() -> Period | None:
    return Period.objects.filter(status=PeriodStatus.LOCKED).order_by("-year", "-month").first()


def period_has_ended(period: Period, *, today: dt.date | None = None) -> bool:
    """True once the month is over (in the local time zone): from the 1st of the next month on."""
    return (today or timezone.localdate()) > period.ends_on


def period_lock(*, period: Period, by, early_confirmed: bool = False) -> Period | list[PeriodShopLock]:
    """Lock what ``by``'s shops cover and store its payout snapshot. Who sees every shop (a superuser,
    an HR of all shops) locks the whole period; anyone else locks it for their own shops only
    (``period_lock_shops``), and the other shops keep posting. Four eyes: whoever created an
    adjustment in what would be locked may not lock it. A month that has not ended is locked only
    with ``early_confirmed`` (see the module docstring)."""
    from reviewdesk.access import sees_every_shop, shop_ids_for

    if not by.has_perm("incentives.lock_period"):
        raise ValidationError(_("你没有锁定结算期间的权限。"), code=IncentiveError.FORBIDDEN)
    if not sees_every_shop(by):
        shop_ids = shop_ids_for(by)
        if not shop_ids:
            raise ValidationError(
                _("你不属于任何店铺，没有可锁定的结算范围。"), code=IncentiveError.FORBIDDEN
            )
        return period_lock_shops(period=period, shop_ids=shop_ids, by=by, early_confirmed=early_confirmed)
    with transaction.atomic():
        # FOR UPDATE waits for in-flight posts (their trigger holds the row FOR SHARE) and blocks new ones.
        locked = _lock_open_period(period)
        if LedgerEntry.objects.filter(period=locked, kind=EntryKind.ADJUSTMENT, created_by=by).exists():
            raise _adjusted_by(locked)
        _check_ended(locked, early_confirmed)
        locked.status = PeriodStatus.LOCKED
        locked.locked_at = timezone.now()
        locked.locked_by = by
        locked.save(update_fields=["status", "locked_at", "locked_by"])
        PayoutLine.objects.bulk_create(_snapshot(locked, shop_id=None))
    period.refresh_from_db()
    return period


def period_lock_shops(
    *, period: Period, shop_ids: set[int], by, early_confirmed: bool = False
) -> list[PeriodShopLock]:
    """Lock ``period`` for ``shop_ids`` only (the ones not locked yet) with a snapshot per shop. The
    period row is held FOR UPDATE, as the whole-period lock does: a post in flight (its trigger holds
    the row FOR SHARE, and ``entry_post`` checks the shop locks after its INSERT) either commits
    before and is in the snapshot, or sees the new lock and moves to the shop's next open month."""
    from incentives.services.scope import entries_in_shops_q

    with transaction.atomic():
        locked = _lock_open_period(period)
        done = set(PeriodShopLock.objects.filter(period=locked).values_list("shop_id", flat=True))
        todo = sorted(set(shop_ids) - done)
        if not todo:
            raise ValidationError(
                _("期间 %(code)s 已为你的店铺锁定，不能重复锁定。"),
                code=IncentiveError.PERIOD_NOT_OPEN,
                params={"code": locked.code},
            )
        adjusted = LedgerEntry.objects.filter(period=locked, kind=EntryKind.ADJUSTMENT, created_by=by)
        if adjusted.filter(entries_in_shops_q(todo)).exists():
            raise _adjusted_by(locked)
        _check_ended(locked, early_confirmed)
        now = timezone.now()
        locks = PeriodShopLock.objects.bulk_create(
            [PeriodShopLock(period=locked, shop_id=shop_id, locked_at=now, locked_by=by) for shop_id in todo]
        )
        PayoutLine.objects.bulk_create(
            [line for shop_id in todo for line in _snapshot(locked, shop_id=shop_id)]
        )
    return locks


def period_lock_client(*, period: Period, client, by, early_confirmed: bool = False) -> list[PeriodShopLock]:
    """Lock ``period`` for every shop of ``client`` (品牌方) at once: ``period_lock_shops`` over the client's
    shops, one transaction, a payout snapshot per shop. Only for a user who may change every one of
    those shops (a member of the client, or of each of its shops, or who sees every shop; a read-only
    role never): locking a client whose shops one reaches only in part would close months of shops
    whose payouts one cannot see, so it is refused, and nothing is locked.

    The lock is of the shops the client has now. A shop added to the client later is not locked with
    them: its month stays open and its entries keep posting there, the periods page shows the client's
    month as locked in part (which shops), and locking the client again locks what is left, with that
    shop's own snapshot. Locking it silently, at the move, would close a month whose payout nobody
    reviewed on the confirmation page and whose snapshot was never taken."""
    from reviewdesk.access import CHANGE, shop_ids_for
    from reviewdesk.models import Shop

    if not by.has_perm("incentives.lock_period"):
        raise ValidationError(_("你没有锁定结算期间的权限。"), code=IncentiveError.FORBIDDEN)
    shop_ids = set(Shop.objects.filter(client=client).values_list("pk", flat=True))
    if not shop_ids:
        raise ValidationError(
            _("品牌方 %(client)s 没有店铺，没有可锁定的结算范围。"),
            code=IncentiveError.FORBIDDEN,
            params={"client": client.name},
        )
    if not shop_ids <= shop_ids_for(by, CHANGE):
        raise ValidationError(
            _("你不能锁定品牌方 %(client)s 的全部店铺，不能按品牌方锁定。"),
            code=IncentiveError.FORBIDDEN,
            params={"client": client.name},
        )
    return period_lock_shops(period=period, shop_ids=shop_ids, by=by, early_confirmed=early_confirmed)


def lock_message(period: Period, result, client=None) -> str:
    """What ``period_lock`` did, for the page and the admin: the whole period, or the listed shops."""
    if isinstance(result, list):
        from reviewdesk.models import Shop

        codes = (
            Shop.objects.filter(pk__in=[lock.shop_id for lock in result])
            .order_by("code")
            .values_list("code", flat=True)
        )
        if client is not None:
            return _("期间 %(code)s 已为品牌方 %(client)s 的店铺 %(shops)s 锁定，结算快照已生成。") % {
                "code": period.code,
                "client": client.name,
                "shops": "、".join(codes),
            }
        return _("期间 %(code)s 已为店铺 %(shops)s 锁定，结算快照已生成；其他店铺仍可记账。") % {
            "code": period.code,
            "shops": "、".join(codes),
        }
    return _("期间 %(code)s 已锁定，结算快照已生成。") % {"code": period.code}


def _lock_open_period(period: Period) -> Period:
    locked = Period.objects.select_for_update().get(pk=period.pk)
    if locked.status != PeriodStatus.OPEN:
        raise ValidationError(
            _("期间 %(code)s 已锁定，不能重复锁定。"),
            code=IncentiveError.PERIOD_NOT_OPEN,
            params={"code": locked.code},
        )
    return locked


def _check_ended(period: Period, early_confirmed: bool) -> None:
    if not early_confirmed and not period_has_ended(period):
        raise ValidationError(
            _(
                "期间 %(code)s 尚未结束(%(ends_on)s 结束)。提前锁定须在确认页核对合计、负数余额和未结申诉后"
                "明确确认。"
            ),
            code=IncentiveError.PERIOD_RUNNING,
            params={"code": period.code, "ends_on": period.ends_on.isoformat()},
        )


def _adjusted_by(period: Period) -> ValidationError:
    return ValidationError(
        _("你在期间 %(code)s 中做过调整分录，按四眼原则须由另一位同事锁定该期间。"),
        code=IncentiveError.FOUR_EYES,
        params={"code": period.code},
    )


def _snapshot(period: Period, *, shop_id: int | None) -> list[PayoutLine]:
    shop_ids = None if shop_id is None else {shop_id}
    return [
        PayoutLine(
            period=period,
            shop_id=shop_id,
            user_id=row.user_id,
            employee_code=row.employee_code,
            name=row.name,
            shops=row.shops,
            conversions=row.conversions,
            bonus_cny=row.bonus_cny,
            points_earned=row.points_earned,
            points_redeemed=row.points_redeemed,
            points_balance=row.points_balance,
            leave_days=row.leave_days,
            adjustments_cny=row.adjustments_cny,
            total_payable=row.total_payable,
        )
        for row in summary_rows([period], shop_ids=shop_ids)
    ]
