"""Posting to the ledger. Every write to ``LedgerEntry`` in the project goes through ``entry_post``.

Guarantees (each backed by the database, the service only gives the clear message first):
- an idempotency key posts at most once (unique index); the same key again with the same
  account/kind/amount returns the first entry, with anything different it is ``key_conflict``;
- nothing posts into a locked period (INSERT trigger);
- a point balance never goes below zero: every debit of points locks the account row
  (``SELECT … FOR UPDATE``) and checks the sum of its entries in the same transaction;
- an entry is reversed at most once (``reverses`` is unique).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from incentives.choices import EntryKind, Unit
from incentives.errors import TRIGGER_PERIOD_LOCKED, TRIGGER_SHOP_LOCKED, IncentiveError
from incentives.models import Account, LedgerEntry, Period
from incentives.services.periods import posting_period, shop_locked
from incentives.services.scope import entry_shop_id

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Each round can only lose to a lock of a later month; three months locked during one post is not a race.
LOCK_RACE_ATTEMPTS = 3


def account_get(*, user, unit: str) -> Account:
    account = Account.objects.filter(user=user, unit=unit).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(user=user, unit=unit)
    except IntegrityError:
        return Account.objects.get(user=user, unit=unit)


def balance_of(account: Account) -> Decimal:
    return LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or ZERO


def balance_for(*, user, unit: str) -> Decimal:
    return (
        LedgerEntry.objects.filter(account__user=user, account__unit=unit).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )


def _checked_amount(amount, unit: str) -> Decimal:
    amount = Decimal(amount)
    if amount == 0:
        raise ValidationError(_("金额不能为零。"), code=IncentiveError.ZERO_AMOUNT)
    if amount != amount.quantize(CENT):
        raise ValidationError(
            _("金额最多两位小数：%(a)s。"), code=IncentiveError.BAD_PRECISION, params={"a": amount}
        )
    if unit == Unit.POINTS and amount != amount.to_integral_value():
        raise ValidationError(
            _("积分必须是整数：%(a)s。"), code=IncentiveError.FRACTIONAL_POINTS, params={"a": amount}
        )
    return amount.quantize(CENT)


def _same_posting(entry: LedgerEntry, *, user, unit: str, kind: str, amount: Decimal) -> bool:
    return (entry.account.user_id, entry.account.unit, entry.kind, entry.amount) == (
        user.pk,
        unit,
        kind,
        amount,
    )


def _key_conflict(key: str) -> ValidationError:
    return ValidationError(
        _("幂等键 %(key)s 已用于另一笔不同的分录(账户、类型或金额不同)，未重复记账。"),
        code=IncentiveError.KEY_CONFLICT,
        params={"key": key},
    )


def _period_locked(period: Period) -> ValidationError:
    return ValidationError(
        _("期间 %(code)s 已锁定，不能再记账。"),
        code=IncentiveError.PERIOD_LOCKED,
        params={"code": period.code},
    )


def entry_post(
    *,
    user,
    unit: str,
    kind: str,
    amount,
    key: str,
    period: Period | None = None,
    occurred_at=None,
    rule=None,
    rule_version: int | None = None,
    case_ref: int | None = None,
    event: str = "",
    subject_ref: str = "",
    note: str = "",
    reverses: LedgerEntry | None = None,
    created_by=None,
) -> tuple[LedgerEntry, bool]:
    """Post one entry; returns (entry, created). A repeat of the same key returns the first entry.

    Without ``period`` the entry goes to ``posting_period(occurred_at)`` of its shop
    (``scope.entry_shop_id``); when that month is locked while the post waits for the lock (the INSERT
    trigger reads the period row FOR SHARE, the lock holds it FOR UPDATE), the post moves on to the
    next open month. So a post racing a lock either commits before the lock's snapshot (and is in it)
    or lands in the following month — never lost, never after the snapshot. A lock of the entry's
    shop only (PeriodShopLock) races the same way: its INSERT trigger runs after the period's, under
    the same FOR SHARE. An explicit ``period`` is pinned: if it is locked as a whole,
    the post is refused; if only the entry's shop locked it, the entry moves on like an unpinned post
    (the caller picked the month without knowing the entry's shop).
    """
    amount = _checked_amount(amount, unit)
    pinned = period is not None
    shop_id = entry_shop_id(user=user, case_ref=case_ref)
    with transaction.atomic():
        existing = LedgerEntry.objects.select_related("account").filter(idempotency_key=key).first()
        if existing is not None:
            if not _same_posting(existing, user=user, unit=unit, kind=kind, amount=amount):
                raise _key_conflict(key)
            return existing, False
        account = account_get(user=user, unit=unit)
        if unit == Unit.POINTS and amount < 0:
            Account.objects.select_for_update().filter(pk=account.pk).get()
            balance = balance_of(account)
            if balance + amount < 0:
                raise ValidationError(
                    _("积分余额不足：余额 %(balance)s，需扣减 %(need)s。"),
                    code=IncentiveError.INSUFFICIENT_POINTS,
                    params={"balance": int(balance), "need": int(-amount)},
                )
        for _attempt in range(LOCK_RACE_ATTEMPTS):
            target = period if pinned else posting_period(occurred_at, shop_id=shop_id)
            if not target.is_open:
                raise _period_locked(target)
            if pinned and shop_locked(target, shop_id):
                pinned, target = False, posting_period(occurred_at, shop_id=shop_id)
            entry = LedgerEntry(
                account=account,
                period=target,
                kind=kind,
                amount=amount,
                idempotency_key=key,
                occurred_at=occurred_at,
                rule=rule,
                rule_version=rule_version if rule_version is not None else (rule.version if rule else None),
                case_ref=case_ref,
                event=event,
                subject_ref=subject_ref,
                note=note,
                reverses=reverses,
                created_by=created_by,
            )
            try:
                with transaction.atomic():
                    entry.save(force_insert=True)
                return entry, True
            except IntegrityError as exc:
                if TRIGGER_SHOP_LOCKED in str(exc):
                    pinned = False  # the entry's shop locked the month meanwhile: its next open month
                    continue
                if TRIGGER_PERIOD_LOCKED in str(exc):
                    if pinned:
                        target.refresh_from_db()
                        raise _period_locked(target)
                    continue  # locked meanwhile: the next round picks the next open month
                existing = LedgerEntry.objects.select_related("account").filter(idempotency_key=key).first()
                if existing is not None:
                    if not _same_posting(existing, user=user, unit=unit, kind=kind, amount=amount):
                        raise _key_conflict(key)
                    return existing, False
                if reverses is not None and LedgerEntry.objects.filter(reverses=reverses).exists():
                    raise ValidationError(
                        _("该分录已冲正过，不能重复冲正。"), code=IncentiveError.ALREADY_REVERSED
                    )
                raise
        raise _period_locked(target)


def reversal_post(*, entry: LedgerEntry, reason: str, by=None) -> tuple[LedgerEntry, bool]:
    """Reverse an award or adjustment in the current open period. Retrying returns the same reversal."""
    if entry.kind not in (EntryKind.AWARD, EntryKind.ADJUSTMENT):
        raise ValidationError(
            _("只能冲正奖励或调整分录，不能冲正%(kind)s。"),
            code=IncentiveError.NOT_REVERSIBLE,
            params={"kind": entry.get_kind_display()},
        )
    key = f"reversal:{entry.pk}"
    existing = LedgerEntry.objects.filter(reverses=entry).first()
    if existing is not None and existing.idempotency_key != key:
        raise ValidationError(_("该分录已冲正过，不能重复冲正。"), code=IncentiveError.ALREADY_REVERSED)
    return entry_post(
        user=entry.account.user,
        unit=entry.account.unit,
        kind=EntryKind.REVERSAL,
        amount=-entry.amount,
        key=key,
        rule=entry.rule,
        rule_version=entry.rule_version,
        case_ref=entry.case_ref,
        event=entry.event,
        subject_ref=entry.subject_ref,
        note=reason,
        reverses=entry,
        created_by=by,
    )
