"""What HR reviews before locking a period, and wherever a period's totals are shown: the payout totals of
the shops the lock would cover, every agent whose money total is negative with the entries that made it
so (reversals of awards paid earlier, negative adjustments), and the disputes still open.

Reads only. The scope is the one ``period_lock`` would lock: everything for who sees every shop, else
the user's shops not locked yet (or all of them once they are locked, to review the snapshot); for a
client (``period_lock_client``), the client's shops within the user's reach, likewise.
A negative total is a CNY total below zero: only CNY is payable (points and leave days are not money).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import AwardEvent, DisputeStatus, EntryKind, PeriodStatus, Unit
from incentives.models import Dispute, LedgerEntry, Period, PeriodShopLock
from incentives.services.payouts import SummaryRow, span_summary, summary_totals
from incentives.services.periods import parse_span, period_has_ended

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PENDING_DISPUTES = (DisputeStatus.OPEN, DisputeStatus.AWAITING_SECOND)


@dataclass
class NegativeBalance:
    """One agent whose CNY total of the period is below zero, and why."""

    user_id: int
    employee_code: str
    name: str
    total: Decimal
    credits: Decimal  # the period's positive CNY entries
    debits: Decimal  # the period's negative CNY entries (below zero)
    causes: list[dict] = field(default_factory=list)  # the negative entries, largest first


@dataclass
class LockReview:
    period_id: int
    code: str
    starts_on: object
    ends_on: object
    ended: bool
    locked: bool  # nothing left to lock in the user's scope
    whole: bool  # the lock would cover every shop (Period.status)
    shops: list[str]  # the shops covered (empty for the whole period)
    locked_shops: list[str]  # the user's shops already locked for this period
    rows: list[SummaryRow]
    totals: dict
    negatives: list[NegativeBalance]
    disputes: list[dict]
    entries: int


def review_scope(user) -> set[int] | None:
    """The shops whose payout ``user`` may lock and review: None for who sees every shop."""
    from reviewdesk.access import sees_every_shop, shop_ids_for

    return None if sees_every_shop(user) else set(shop_ids_for(user))


def period_review(*, period: Period, by, client=None) -> LockReview:
    """The confirmation page's figures for ``by`` locking ``period``; with ``client`` (品牌方), for locking
    it for that client: its shops within ``by``'s reach (``selectors.payout_scope``)."""
    from reviewdesk.access import client_shop_ids
    from reviewdesk.models import Shop

    scope = review_scope(by) if client is None else client_shop_ids(by, client)
    locked_shop_ids: set[int] = set()
    if scope is None:
        covered, locked = None, period.status == PeriodStatus.LOCKED
    else:
        locked_shop_ids = set(
            PeriodShopLock.objects.filter(period=period, shop_id__in=scope).values_list("shop_id", flat=True)
        )
        todo = scope - locked_shop_ids
        locked = period.status == PeriodStatus.LOCKED or not todo
        covered = scope if locked else todo
    codes = dict(Shop.objects.filter(pk__in=(scope or set())).values_list("pk", "code"))
    rows = span_summary(parse_span(period.code), shop_ids=covered)
    entries = _entries([period], covered)
    return LockReview(
        period_id=period.pk,
        code=period.code,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        ended=period_has_ended(period),
        locked=locked,
        whole=covered is None,
        shops=sorted(codes[pk] for pk in covered or ()),
        locked_shops=sorted(codes[pk] for pk in locked_shop_ids),
        rows=rows,
        totals=summary_totals(rows),
        negatives=negative_balances([period], shop_ids=covered).get(period.pk, []),
        disputes=open_disputes(shop_ids=covered, period=period),
        entries=entries.count(),
    )


def _entries(periods: list[Period], shop_ids: set[int] | None):
    from incentives.services.scope import entries_in_shops_q

    entries = LedgerEntry.objects.filter(period__in=periods)
    return entries if shop_ids is None else entries.filter(entries_in_shops_q(shop_ids))


def negative_balances(
    periods: list[Period], *, shop_ids: set[int] | None
) -> dict[int, list[NegativeBalance]]:
    """period id → the agents whose CNY total in that period (of ``shop_ids``' entries; None = every
    shop) is below zero, each with its causes. Two queries whatever the number of periods."""
    from reviewdesk.models import User

    cny = _entries(periods, shop_ids).filter(account__unit=Unit.CNY)
    sums = (
        cny.order_by()
        .values("period_id", "account__user_id")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
    )
    negative = {(r["period_id"], r["account__user_id"]): r["total"].quantize(CENT) for r in sums}
    if not negative:
        return {}
    user_ids = {user_id for _period, user_id in negative}
    period_ids = {period_id for period_id, _user in negative}
    people = {u.pk: (u.employee_code or "", str(u)) for u in User.objects.filter(pk__in=user_ids)}
    found: dict[tuple[int, int], NegativeBalance] = {}
    for (period_id, user_id), total in negative.items():
        code, name = people.get(user_id, ("", ""))
        found[(period_id, user_id)] = NegativeBalance(
            user_id=user_id, employee_code=code, name=name, total=total, credits=ZERO, debits=ZERO
        )
    movements = (
        cny.filter(period_id__in=period_ids, account__user_id__in=user_ids)
        .select_related("account", "reverses__period", "rule")
        .order_by("amount", "pk")
    )
    for entry in movements:
        balance = found.get((entry.period_id, entry.account.user_id))
        if balance is None:
            continue
        if entry.amount > 0:
            balance.credits += entry.amount
        else:
            balance.debits += entry.amount
            balance.causes.append(_cause(entry))
    by_period: dict[int, list[NegativeBalance]] = defaultdict(list)
    for (period_id, _user), balance in found.items():
        by_period[period_id].append(balance)
    for balances in by_period.values():
        balances.sort(key=lambda b: (b.total, b.employee_code, b.user_id))
    return dict(by_period)


def _cause(entry: LedgerEntry) -> dict:
    """One negative entry, said in words: what it takes back and why."""
    events = dict(AwardEvent.choices)
    kinds = dict(EntryKind.choices)
    original = entry.reverses
    if original is not None:
        what = str(events.get(original.event, original.event) or kinds.get(original.kind, original.kind))
        text = _("冲正 #%(id)s：撤销 %(period)s 的分录 #%(original)s(%(what)s%(case)s)") % {
            "id": entry.pk,
            "period": original.period.code,
            "original": original.pk,
            "what": what,
            "case": _("，案件 #%(case)s") % {"case": original.case_ref} if original.case_ref else "",
        }
    elif entry.kind == EntryKind.ADJUSTMENT:
        text = _("调整 #%(id)s：扣回") % {"id": entry.pk}
    else:
        text = _("%(kind)s #%(id)s") % {"kind": kinds.get(entry.kind, entry.kind), "id": entry.pk}
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "amount": entry.amount,
        "text": text,
        "note": entry.note,
        "case_ref": entry.case_ref or (original.case_ref if original is not None else None),
        "created_at": timezone.localtime(entry.created_at),
        "earlier_period": original is not None and original.period_id != entry.period_id,
    }


def open_disputes(*, shop_ids: set[int] | None, period: Period) -> list[dict]:
    """The disputes not settled yet about entries of ``shop_ids`` (None = every shop), this period's
    first. Their outcome posts to the next open month, so they do not block a lock: HR sees them."""
    from incentives.services.scope import entries_in_shops_q

    disputes = Dispute.objects.filter(status__in=PENDING_DISPUTES)
    if shop_ids is not None:
        disputes = disputes.filter(
            entry__in=LedgerEntry.objects.filter(entries_in_shops_q(shop_ids)).values("pk")
        )
    rows = [
        {
            "id": d.pk,
            "agent": str(d.raised_by),
            "entry_id": d.entry_id,
            "entry_period": d.entry.period.code,
            "this_period": d.entry.period_id == period.pk,
            "amount": d.entry.amount,
            "unit": d.entry.account.get_unit_display(),
            "status": d.get_status_display(),
            "reason": d.reason,
            "created_at": d.created_at,
        }
        for d in disputes.select_related("entry__period", "entry__account", "raised_by").order_by("pk")
    ]
    rows.sort(key=lambda row: not row["this_period"])
    return rows
