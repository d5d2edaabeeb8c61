"""Prevention's section of the weekly Top-3 report (``insights.hooks.weekly_sections``): the products with
the most after-sales (returns, refunds, exchanges) among the orders of the report's shops, with the
reasons buyers gave in their reviews of the same product (the issue types of its cases).

After-sales arrive days after payment, so the section counts the orders paid in the ``WINDOW_DAYS`` up to
the week's end (a week's own orders would have none yet). Two queries whatever the number of orders: the
per-product tallies (grouped in the database) and the reasons of the top products' cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from cases.models import Case
from insights.tables import Table
from prevention.choices import AfterSale
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
        note=_("统计截至本周末%(days)s天内付款的订单；原因取自同一商品的评价案件的问题类型。")
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
        )
        .filter(after_sales__gt=0)
        .order_by("-after_sales", "-orders", "item_id")[:TOP]
    )
    if not rows:
        return table
    reasons: dict[str, list[str]] = defaultdict(list)
    counted = (
        Case.objects.filter(
            shop_id__in=shop_ids,
            opened_at__gte=since,
            opened_at__lt=week.end,
            review__item_id__in=[row["item_id"] for row in rows],
            issue_type__isnull=False,
        )
        .values("review__item_id", "issue_type__name")
        .annotate(n=Count("pk"))
        .order_by("review__item_id", "-n", "issue_type__name")
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
