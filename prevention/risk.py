"""Risky-order flags: a new order of a buyer whose history in this shop says trouble (seed 000: 自动识别高风险
订单（如频繁退换货用户），推送运费险购买建议).

The history is the shop's own: the buyer's orders with a refund, return or exchange (``Order.after_sale``),
their negative reviews (rating ≤ 2) and reviews triage found malicious, and extortion wording (a case whose
malicious signals include a phrase signal of the pack, e.g. 勒索/敲诈用语). The counts are read in one query
each for a whole batch of orders, whatever its size up to ``CHUNK`` buyers. A flag is written once per
order; what it shows is the reasons and counts, never more of the buyer than the reader's role may see.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Count

from prevention.choices import AfterSale, OrderStatus, RiskReason
from prevention.models import Order, RiskFlag
from prevention.rules import risk_rules_by_shop
from reviewdesk.models import Shop

CHUNK = 500
NEGATIVE_RATING = 2


def _history(pairs: set[tuple[int, str]]) -> dict[str, Counter]:
    """(shop, nick) → counts of each reason."""
    from cases.models import Case, Review
    from policies.choices import SignalKind
    from policies.models import MaliciousSignal

    shops = {shop for shop, _nick in pairs}
    nicks = {nick for _shop, nick in pairs}
    counts = {reason: Counter() for reason in RiskReason.values}
    after_sales = (
        Order.objects.filter(shop_id__in=shops, buyer_nick__in=nicks)
        .exclude(after_sale=AfterSale.NONE)
        .values_list("shop_id", "buyer_nick")
        .annotate(n=Count("pk"))
    )
    for shop, nick, number in after_sales:
        counts[RiskReason.AFTER_SALES][(shop, nick)] += number
    negative = (
        Review.objects.filter(shop_id__in=shops, buyer_nick__in=nicks, rating__lte=NEGATIVE_RATING)
        .values_list("shop_id", "buyer_nick")
        .annotate(n=Count("pk"))
    )
    for shop, nick, number in negative:
        counts[RiskReason.NEGATIVE_REVIEWS][(shop, nick)] += number
    phrase_names = tuple(
        MaliciousSignal.objects.filter(kind=SignalKind.PHRASE).values_list("name", flat=True).distinct()
    )
    malicious = Case.objects.filter(
        shop_id__in=shops, review__buyer_nick__in=nicks, is_malicious=True
    ).values_list("shop_id", "review__buyer_nick", "malicious_signals")
    for shop, nick, signals in malicious:
        counts[RiskReason.MALICIOUS][(shop, nick)] += 1
        if phrase_names and any(str(signal).startswith(phrase_names) for signal in signals or ()):
            counts[RiskReason.EXTORTION][(shop, nick)] += 1
    return counts


def risk_flag_orders(*, order_ids) -> int:
    """Flag the risky ones among ``order_ids`` (orders not yet shipped, not yet flagged). Returns the number
    of flags written."""
    ids = sorted(set(order_ids))
    flagged = 0
    for start in range(0, len(ids), CHUNK):
        orders = list(
            Order.objects.filter(
                pk__in=ids[start : start + CHUNK], status=OrderStatus.AWAITING_SHIPMENT, risk__isnull=True
            )
            .exclude(buyer_nick="")
            .values_list("pk", "shop_id", "buyer_nick")
        )
        if not orders:
            continue
        counts = _history({(shop, nick) for _pk, shop, nick in orders})
        rules = risk_rules_by_shop(Shop.objects.filter(pk__in={shop for _pk, shop, _nick in orders}))
        flags = []
        for pk, shop, nick in orders:
            # An order's own after-sale does not count against its buyer before it exists: it has none yet.
            for rule in rules.get(shop, ()):
                reasons = _reasons(rule, {reason: counts[reason][(shop, nick)] for reason in counts})
                if reasons:
                    flags.append(
                        RiskFlag(
                            order_id=pk,
                            shop_id=shop,
                            reasons=reasons,
                            suggestion=rule.suggestion,
                            rule_id_ref=rule.id,
                        )
                    )
                    break
        with transaction.atomic():
            RiskFlag.objects.bulk_create(flags, ignore_conflicts=True)
        flagged += len(flags)
    return flagged


def _reasons(rule, counts: dict[str, int]) -> list[dict]:
    thresholds = (
        (RiskReason.AFTER_SALES, rule.min_after_sales),
        (RiskReason.NEGATIVE_REVIEWS, rule.min_negative_reviews),
        (RiskReason.MALICIOUS, rule.min_malicious),
        (RiskReason.EXTORTION, 1 if rule.extortion else None),
    )
    return [
        {"code": str(code), "count": counts[code]}
        for code, threshold in thresholds
        if threshold is not None and threshold > 0 and counts[code] >= threshold
    ]


def risk_sweep_task() -> dict:
    """The schedule's entry: orders not yet shipped and not yet looked at (e.g. pulled from a platform)."""
    ids = list(
        Order.objects.filter(status=OrderStatus.AWAITING_SHIPMENT, risk__isnull=True).values_list(
            "pk", flat=True
        )
    )
    return {"flagged": risk_flag_orders(order_ids=ids)}
