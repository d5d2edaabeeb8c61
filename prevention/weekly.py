"""Prevention's section of the weekly Top-3 report (``insights.hooks.weekly_sections``): the products with
the most after-sales (returns, refunds, exchanges) among the orders of the report's shops, with their
reasons: the after-sales' own reasons by category (质量问题, 尺码不合适, …: ``Order.after_sale_reason_kind``,
pulled from the platform's refunds or imported from the export's reason column), counted; for a product
none of whose after-sales has a known reason, the reasons buyers gave in their reviews of it (the issue
types of its cases) instead.

After-sales arrive days after payment, so the section counts the orders paid in the ``WINDOW_DAYS`` up to
the week's end (a week's own orders would have none yet). Two queries at most whatever the number of
orders: the per-product tallies with the per-category counts (grouped in the database), and the cases'
reasons of the top products without a known reason (none when every one has)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from cases.models import Case
from insights.tables import Table
from prevention.choices import AfterSale, ReturnReason
from prevention.models import Order

TOP = 10
WINDOW_DAYS = 30
REASONS = 3  # the most frequent reasons shown per product


def weekly_tables(*, week, shop_ids: tuple[int, ...], top_issue_keys: list[str]) -> list[Table]:
    table = high_return_products(week=week, shop_ids=shop_ids)
    return [table] if table.rows else []


def high_return_products(*, week, shop_ids) -> Table:
    table = Table(
        "prevention_high_returns",
        _("本周高退货商品"),
        [
            _("商品ID"),
            _("商品名称"),
            _("订单数"),
            _("退货退款"),
            _("仅退款"),
            _("换货"),
            _("售后率"),
            _("主要原因"),
        ],
        note=_(
            "统计截至本周末%(days)s天内付款的订单；原因按售后原因分类计数，没有售后原因的商品取同一商品的评价案件的问题类型。"
        )
        % {"days": WINDOW_DAYS},
    )
    if not shop_ids:
        return table
    since = week.end - dt.timedelta(days=WINDOW_DAYS)
    rows = list(
        Order.objects.filter(shop_id__in=shop_ids, paid_at__gte=since, paid_at__lt=week.end)
        .exclude(item_id="")
        .values("item_id")
        .annotate(
            title=Max("item_title"),
            orders=Count("pk"),
            returns=Count("pk", filter=Q(after_sale=AfterSale.RETURN)),
            refunds=Count("pk", filter=Q(after_sale=AfterSale.REFUND)),
            exchanges=Count("pk", filter=Q(after_sale=AfterSale.EXCHANGE)),
            after_sales=Count("pk", filter=~Q(after_sale=AfterSale.NONE)),
            **{
                f"reason_{kind}": Count(
                    "pk", filter=~Q(after_sale=AfterSale.NONE) & Q(after_sale_reason_kind=kind)
                )
                for kind in ReturnReason.values
            },
        )
        .filter(after_sales__gt=0)
        .order_by("-after_sales", "-orders", "item_id")[:TOP]
    )
    if not rows:
        return table
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        known = sorted(
            ((row[f"reason_{kind}"], label) for kind, label in ReturnReason.choices if row[f"reason_{kind}"]),
            key=lambda pair: -pair[0],  # stable: the categories' order among equal counts
        )
        reasons[row["item_id"]] = [f"{label}({n})" for n, label in known[:REASONS]]
    unknown = [row["item_id"] for row in rows if not reasons[row["item_id"]]]
    counted = (
        Case.objects.filter(
            shop_id__in=shop_ids,
            opened_at__gte=since,
            opened_at__lt=week.end,
            review__item_id__in=unknown,
            issue_type__isnull=False,
        )
        .values("review__item_id", "issue_type__name")
        .annotate(n=Count("pk"))
        .order_by("review__item_id", "-n", "issue_type__name")
        if unknown
        else ()
    )
    for row in counted:
        if len(reasons[row["review__item_id"]]) < REASONS:
            reasons[row["review__item_id"]].append(f"{row['issue_type__name']}({row['n']})")
    table.rows = [
        [
            row["item_id"],
            row["title"] or "—",
            row["orders"],
            row["returns"],
            row["refunds"],
            row["exchanges"],
            f"{row['after_sales'] / row['orders']:.0%}",
            "、".join(reasons[row["item_id"]]) or "—",
        ]
        for row in rows
    ]
    return table
