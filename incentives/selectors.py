"""Reads for the incentives pages. Each returns plain dicts/values (templates render whitelisted data).

An agent's statement is always built for ``request.user`` by the view: no selector here takes
"whose statement" from the request.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from incentives.choices import AwardEvent, DisputeStatus, EntryKind, PeriodStatus, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import (
    Dispute,
    LedgerEntry,
    PayoutLine,
    Period,
    PeriodShopLock,
    Redemption,
    RewardItem,
    WithheldAward,
)
from incentives.services.notify import withheld_reason
from incentives.services.payouts import summary_rows
from incentives.services.periods import (
    PeriodSpan,
    latest_locked_period,
    parse_span,
    periods_of,
    posting_period,
)

ZERO = Decimal("0.00")


def payout_scope(user, client=None) -> set[int] | None:
    """The shops whose payout a user may lock and export: None for who sees every shop (the whole
    period), else the user's own shops (reviewdesk.access). With ``client`` (品牌方, resolved by
    ``payout_client``): that client's shops within the user's reach, never None."""
    from reviewdesk.access import client_shop_ids, sees_every_shop, shop_ids_for

    if client is not None:
        return client_shop_ids(user, client)
    return None if sees_every_shop(user) else shop_ids_for(user)


def payout_clients(user) -> list:
    """The clients a user may narrow the money pages to: those of the shops within reach, by code."""
    from reviewdesk.access import visible_shops
    from reviewdesk.models import Client

    return list(Client.objects.filter(shops__in=visible_shops(user)).distinct().order_by("code"))


def payout_client(user, code: str | None):
    """The client (品牌方) named by ``code`` for a money page, or None when no code is given. A client
    with no shop within the user's reach is refused with the same words as an unknown one (a client
    of someone else's is "not yours", never "exists")."""
    from reviewdesk.models import Client

    code = (code or "").strip()
    if not code:
        return None
    client = Client.objects.filter(code=code[:32]).first()
    if client is None or not payout_scope(user, client):
        raise ValidationError(_("没有这个品牌方，或你不服务该品牌方。"), code=IncentiveError.FORBIDDEN)
    return client


def default_span() -> PeriodSpan:
    return parse_span(posting_period().code)


def span_choices() -> list[dict]:
    """Months that exist (newest first) and their quarters, for the period pickers."""
    months, quarters = [], []
    for period in Period.objects.order_by("-year", "-month"):
        months.append({"code": period.code, "locked": period.status == PeriodStatus.LOCKED})
        if period.quarter_code not in quarters:
            quarters.append(period.quarter_code)
    return months + [{"code": code, "locked": None} for code in quarters]


def _balances(user) -> dict:
    rows = (
        LedgerEntry.objects.filter(account__user=user).values("account__unit").annotate(total=Sum("amount"))
    )
    totals = {r["account__unit"]: r["total"] for r in rows}
    return {
        "cny": totals.get(Unit.CNY, ZERO),
        "points": totals.get(Unit.POINTS, ZERO),
        "leave_days": totals.get(Unit.LEAVE_DAYS, ZERO),
    }


def disputable(entry_period: Period, latest_locked_id: int | None) -> bool:
    return entry_period.status == PeriodStatus.OPEN or entry_period.pk == latest_locked_id


def agent_statement(user, span: PeriodSpan) -> dict:
    periods = periods_of(span)
    latest = latest_locked_period()
    open_disputes = set(
        Dispute.objects.filter(entry__account__user=user, status=DisputeStatus.OPEN).values_list(
            "entry_id", flat=True
        )
    )
    kinds, units, events = dict(EntryKind.choices), dict(Unit.choices), dict(AwardEvent.choices)
    entries = []
    queryset = (
        LedgerEntry.objects.filter(account__user=user, period__in=periods)
        .select_related("account", "period", "rule")
        .order_by("-created_at", "-pk")
    )
    for entry in queryset:
        entries.append(
            {
                "id": entry.pk,
                "period": entry.period.code,
                "created_at": entry.created_at,
                "kind": kinds[entry.kind],
                "kind_code": entry.kind,
                "unit": units[entry.account.unit],
                "amount": entry.amount,
                "rule": f"{entry.rule.name} v{entry.rule_version}" if entry.rule else "",
                "case_ref": entry.case_ref,
                "event": events.get(entry.event, entry.event),
                "note": entry.note,
                "reverses_id": entry.reverses_id,
                "disputed": entry.pk in open_disputes,
                "can_dispute": entry.pk not in open_disputes
                and disputable(entry.period, latest.pk if latest else None),
            }
        )
    summary = summary_rows(periods, user_ids={user.pk}) if periods else []
    return {
        "span": span.code,
        "periods": [
            {"code": p.code, "status": p.get_status_display(), "locked": not p.is_open} for p in periods
        ],
        "entries": entries,
        "summary": summary[0] if summary else None,
        "balances": _balances(user),
        "disputes": [
            {
                "id": d.pk,
                "entry_id": d.entry_id,
                "status": d.get_status_display(),
                "reason": d.reason,
                "created_at": d.created_at,
                "resolution_note": d.resolution_note,
                "adjustment": d.adjustment.amount if d.adjustment_id else None,
            }
            for d in Dispute.objects.filter(raised_by=user).select_related("adjustment")[:20]
        ],
        "redemptions": [
            {
                "id": r.pk,
                "item": r.item.name,
                "points": r.points,
                "status": r.get_status_display(),
                "can_cancel": r.status == RedemptionStatus.REQUESTED,
                "requested_at": r.requested_at,
            }
            for r in Redemption.objects.filter(agent=user).select_related("item")[:20]
        ],
        "catalogue": [
            {
                "id": i.pk,
                "name": i.name,
                "category": i.get_category_display(),
                "price": i.point_price,
                "description": i.description,
            }
            for i in RewardItem.objects.filter(active=True)
        ],
    }


def periods_overview(user, client=None) -> list[dict]:
    """HR: every month with its status for the user's scope (or ``client``'s shops within it), lock info
    and the snapshot totals (of those shops' entries). A month locked for some of the shops only shows
    which; a client's month reads as locked once every shop of the client in scope is."""
    from incentives.services.scope import entries_in_shops_q
    from reviewdesk.models import Shop

    scope = payout_scope(user, client)
    if scope is None:
        lines = PayoutLine.objects.filter(shop__isnull=True)
        shop_locks = PeriodShopLock.objects.none()
    else:
        lines = PayoutLine.objects.filter(shop_id__in=scope)
        shop_locks = PeriodShopLock.objects.filter(shop_id__in=scope).select_related("locked_by")
    totals = {
        r["period_id"]: r
        for r in lines.values("period_id").annotate(
            total=Sum("total_payable"), agents=Count("user_id", distinct=True)
        )
    }
    entries = (
        LedgerEntry.objects.all() if scope is None else LedgerEntry.objects.filter(entries_in_shops_q(scope))
    )
    entry_counts = dict(
        entries.order_by().values("period_id").annotate(n=Count("pk")).values_list("period_id", "n")
    )
    if scope is not None:
        # A month locked as a whole has one snapshot of every shop, not one per shop: the scope's part
        # is its entries' sums (a locked month's entries never change), as its payout export computes it.
        whole = Period.objects.filter(status=PeriodStatus.LOCKED).exclude(pk__in=list(totals))
        parts = entries.filter(period__in=whole).order_by().values("period_id")
        for r in parts.annotate(
            total=Sum("amount", filter=Q(account__unit=Unit.CNY)),
            agents=Count("account__user_id", distinct=True),
        ):
            totals[r["period_id"]] = {"total": r["total"] or ZERO, "agents": r["agents"]}
    codes = dict(Shop.objects.filter(pk__in=scope or ()).values_list("pk", "code"))
    by_period: dict[int, list] = {}
    for lock in shop_locks:
        by_period.setdefault(lock.period_id, []).append(lock)
    rows = []
    for period in Period.objects.select_related("locked_by").order_by("-year", "-month"):
        snapshot = totals.get(period.pk)
        locks = by_period.get(period.pk, [])
        whole = not period.is_open or (
            scope is not None and bool(scope) and {lock.shop_id for lock in locks} >= scope
        )
        last = max(locks, key=lambda lock: lock.locked_at) if locks and period.is_open else None
        rows.append(
            {
                "id": period.pk,
                "code": period.code,
                "quarter": period.quarter_code,
                "locked": whole,
                "status": period.get_status_display() if not whole or not period.is_open else _("已锁定"),
                "locked_at": last.locked_at if last else period.locked_at,
                "locked_by": str(last.locked_by)
                if last
                else (str(period.locked_by) if period.locked_by else ""),
                "locked_shops": "" if whole else "、".join(codes.get(lock.shop_id, "") for lock in locks),
                "total": snapshot["total"] if snapshot else None,
                "agents": snapshot["agents"] if snapshot else None,
                "entries": entry_counts.get(period.pk, 0),
            }
        )
    return rows


def disputes_in_scope(user):
    """The disputes a manager may see and decide: those about an entry of the user's shops (the entry's
    shop, ``services.scope``), so a shared agent's dispute about another shop's case stays that shop's."""
    from incentives.services.scope import entries_in_shops_q

    scope = payout_scope(user)
    if scope is None:
        return Dispute.objects.all()
    return Dispute.objects.filter(
        entry__in=LedgerEntry.objects.filter(entries_in_shops_q(scope)).values("pk")
    )


def redemptions_in_scope(user):
    """The redemptions a manager may see and decide: those of the agents whose home shop is one of the
    user's (``services.scope``: the redemption's points are debited there), so an agent shared with
    another client has their redemptions decided by the client whose payout they change."""
    from incentives.services.scope import users_homed_in

    scope = payout_scope(user)
    if scope is None:
        return Redemption.objects.all()
    return Redemption.objects.filter(agent_id__in=users_homed_in(scope))


def manager_queue(user) -> dict:
    """Open disputes and recent withheld awards of the user's shops (by the shop they belong to),
    pending redemptions of the agents homed in the user's shops."""
    from incentives.services.scope import withheld_in_shops_q

    scope = payout_scope(user)
    pending = [DisputeStatus.OPEN, DisputeStatus.AWAITING_SECOND]
    disputes = (
        disputes_in_scope(user)
        .filter(status__in=pending)
        .select_related("entry__account", "entry__period", "raised_by", "proposed_by")
    )
    redemptions = redemptions_in_scope(user).filter(status=RedemptionStatus.REQUESTED)
    redemptions = redemptions.select_related("agent", "item")
    withheld = (
        WithheldAward.objects.all()
        if scope is None
        else WithheldAward.objects.filter(withheld_in_shops_q(scope))
    )
    withheld = withheld.select_related("agent", "rule")[:50]
    return {
        "disputes": [
            {
                "id": d.pk,
                "agent": str(d.raised_by),
                "mine": d.raised_by_id == user.pk,
                "entry_id": d.entry_id,
                "period": d.entry.period.code,
                "amount": d.entry.amount,
                "unit": d.entry.account.get_unit_display(),
                "note": d.entry.note,
                "reason": d.reason,
                "created_at": d.created_at,
                "awaiting": d.status == DisputeStatus.AWAITING_SECOND,
                "proposed_amount": d.proposed_amount,
                "proposed_by": str(d.proposed_by) if d.proposed_by_id else "",
                "proposed_note": d.proposed_note,
                "proposed_by_me": d.proposed_by_id == user.pk,
            }
            for d in disputes
        ],
        "redemptions": [
            {
                "id": r.pk,
                "agent": str(r.agent),
                "item": r.item.name,
                "points": r.points,
                "requested_at": r.requested_at,
                "note": r.note,
                "mine": r.agent_id == user.pk,
            }
            for r in redemptions
        ],
        "withheld": [
            {
                "agent": str(w.agent) if w.agent else "",
                "event": dict(AwardEvent.choices).get(w.event, w.event),
                "rule": w.rule.name if w.rule else "",
                "case_ref": w.case_ref,
                "reason": withheld_reason(w.reason),  # in the reader's language
                "created_at": w.created_at,
            }
            for w in withheld
        ],
    }
