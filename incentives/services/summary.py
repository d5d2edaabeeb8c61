"""The payout summary computed from the ledger: one row per agent over some months, of some shops.

Definitions (per agent, over the months given):
- conversions: verified-conversion cases awarded minus those reversed within the months;
- bonus CNY: CNY awards + reversals; adjustments CNY: CNY adjustments; total payable: every CNY entry;
- points earned: points awards + reversals + adjustments; points redeemed: redemptions (positive);
  points balance: all point entries up to the last month (later months never change it);
- paid-leave days: entries in the ``leave_days`` unit (quarterly top 3).

Read by the payouts (``services.payouts``) and by the lock's snapshot (``services.periods``): its own
module, so neither of them imports the other.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from incentives.choices import AwardEvent, EntryKind, Unit
from incentives.models import LedgerEntry, Period

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass
class SummaryRow:
    user_id: int
    employee_code: str
    name: str
    shops: str
    conversions: int
    bonus_cny: Decimal
    points_earned: Decimal
    points_redeemed: Decimal
    points_balance: Decimal
    leave_days: Decimal
    adjustments_cny: Decimal
    total_payable: Decimal


def _user_info(user_ids: Iterable[int], shop_ids: set[int] | None) -> dict[int, tuple[str, str, str]]:
    """user id → (employee code, name, the codes of the shops they reach within ``shop_ids``): shops
    reached through a client count as those of a shop membership (``services.scope.reachable_shops``)."""
    from incentives.services.scope import reachable_shops
    from reviewdesk.models import User

    shops = defaultdict(set)
    for user_id, shop_id, code in reachable_shops(user_ids):
        if shop_ids is None or shop_id in shop_ids:
            shops[user_id].add(code)
    return {
        u.pk: (u.employee_code or "", str(u), "、".join(sorted(shops[u.pk])))
        for u in User.objects.filter(pk__in=user_ids)
    }


def summary_rows(
    periods: list[Period], *, user_ids: set[int] | None = None, shop_ids: set[int] | None = None
) -> list[SummaryRow]:
    """Computed from the ledger. ``user_ids`` limits the agents (one's own statement), ``shop_ids`` the
    entries (an HR user's shops); None = everyone, every shop."""
    if not periods:
        return []
    entries = scoped_entries(periods, user_ids=user_ids, shop_ids=shop_ids)
    sums = defaultdict(lambda: defaultdict(lambda: ZERO))
    for r in entries.values("account__user_id", "account__unit", "kind").annotate(total=Sum("amount")):
        sums[r["account__user_id"]][(r["account__unit"], r["kind"])] += r["total"].quantize(CENT)
    conversions = defaultdict(int)
    conversion_entries = entries.filter(event=AwardEvent.VERIFIED_CONVERSION)
    for kind, sign in ((EntryKind.AWARD, 1), (EntryKind.REVERSAL, -1)):
        counted = (
            conversion_entries.filter(kind=kind)
            .values("account__user_id")
            .annotate(n=Count("case_ref", distinct=True))
        )
        for r in counted:
            conversions[r["account__user_id"]] += sign * r["n"]
    last = max(periods, key=lambda p: (p.year, p.month))
    balances = LedgerEntry.objects.filter(
        account__unit=Unit.POINTS, account__user_id__in=list(sums), period__starts_on__lte=last.starts_on
    )
    balance = {
        r["account__user_id"]: r["total"].quantize(CENT)
        for r in balances.values("account__user_id").annotate(total=Sum("amount"))
    }
    info = _user_info(list(sums), shop_ids)
    rows = []
    for user_id, by in sums.items():
        cny = {kind: by[(Unit.CNY, kind)] for kind in EntryKind.values}
        points = {kind: by[(Unit.POINTS, kind)] for kind in EntryKind.values}
        code, name, shops = info[user_id]
        rows.append(
            SummaryRow(
                user_id=user_id,
                employee_code=code,
                name=name,
                shops=shops,
                conversions=conversions[user_id],
                bonus_cny=cny[EntryKind.AWARD] + cny[EntryKind.REVERSAL],
                points_earned=points[EntryKind.AWARD]
                + points[EntryKind.REVERSAL]
                + points[EntryKind.ADJUSTMENT],
                points_redeemed=-points[EntryKind.REDEMPTION],
                points_balance=balance.get(user_id, ZERO),
                leave_days=sum((v for (unit, _k), v in by.items() if unit == Unit.LEAVE_DAYS), ZERO),
                adjustments_cny=cny[EntryKind.ADJUSTMENT],
                total_payable=sum(cny.values(), ZERO),
            )
        )
    rows.sort(key=lambda r: (r.employee_code, r.user_id))
    return rows


def scoped_entries(periods: list[Period], *, user_ids: set[int] | None, shop_ids: set[int] | None):
    from incentives.services.scope import entries_in_shops_q

    entries = LedgerEntry.objects.filter(period__in=periods)
    if user_ids is not None:
        entries = entries.filter(account__user_id__in=user_ids)
    if shop_ids is not None:
        entries = entries.filter(entries_in_shops_q(shop_ids))
    return entries
