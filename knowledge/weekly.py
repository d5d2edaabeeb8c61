"""The knowledge base's sections of the weekly Top-3 report (``insights.hooks.weekly_sections``): the
week's most used articles and the missing ones — the week's cases for which no published article fits
(grouped by issue type and item, the most cases first), what the weekly review meeting should write next.
Three queries whatever the number of cases (the uses, the week's cases, the published articles)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from django.db.models import Count
from django.utils.translation import gettext as _

from cases.models import Case
from insights.tables import Table
from knowledge.choices import ArticleStatus
from knowledge.matching import Facts, layer_q, rank
from knowledge.models import Article, ArticleUse

TOP = 10
MAX_CASES = 5000


def weekly_tables(*, week, shop_ids: tuple[int, ...], top_issue_keys: list[str]) -> list[Table]:
    tables = [t for t in (_most_used(week, shop_ids), _missing(week, shop_ids)) if t.rows]
    return tables


def _most_used(week, shop_ids) -> Table:
    table = Table(
        "knowledge_most_used",
        _("本周最常用的知识文章"),
        [_("文章"), _("使用次数"), _("案件数")],
        note=_("客服在案件页插入快捷回复的次数。"),
    )
    rows = (
        ArticleUse.objects.filter(case__shop_id__in=shop_ids, at__gte=week.start, at__lt=week.end)
        .values("article_id", "article__title")
        .annotate(uses=Count("pk"), cases=Count("case_id", distinct=True))
        .order_by("-uses", "article_id")[:TOP]
    )
    table.rows = [[row["article__title"], row["uses"], row["cases"]] for row in rows]
    return table


def _missing(week, shop_ids) -> Table:
    table = Table(
        "knowledge_missing",
        _("本周缺少知识文章的案件"),
        [_("问题类型"), _("商品ID"), _("案件数")],
        note=_("本周新建、却没有任何已发布文章匹配的案件(按问题类型和商品归并)：每周复盘会据此补充话术库。"),
    )
    cases = (
        Case.objects.filter(shop_id__in=shop_ids, opened_at__gte=week.start, opened_at__lt=week.end)
        .values_list(
            "shop_id",
            "shop__client_id",
            "issue_type_id",
            "issue_type__name",
            "platform",
            "review__item_id",
            "review__sku",
        )
        .order_by()[:MAX_CASES]
    )
    cases = list(cases)
    if not cases:
        return table
    clients = {client for _shop, client, *_rest in cases if client}
    layers = layer_q(0, None)
    for shop_id in {shop for shop, *_rest in cases}:
        layers |= layer_q(shop_id, None)
    for client_id in clients:
        layers |= layer_q(0, client_id)
    fields = ("pk", "kind", "shop_id", "client_id", "item_id", "sku_pattern", "issue_type_id", "platform")
    articles = [
        SimpleNamespace(**row)
        for row in Article.objects.filter(layers, status=ArticleStatus.PUBLISHED).values(*fields).order_by()
    ]
    missing: Counter = Counter()
    for shop_id, client_id, issue_id, issue_name, platform, item_id, sku in cases:
        facts = Facts(
            item_id=(item_id or "").strip(),
            sku=(sku or "").strip(),
            issue_type_id=issue_id,
            platform=platform,
        )
        fits = any(
            (a.shop_id in (None, shop_id))
            and (a.client_id is None or (a.shop_id is None and a.client_id == client_id))
            and (rank(a, facts) or 0) > 0  # a quick reply for every case says nothing of the product
            for a in articles
        )
        if not fits:
            missing[(issue_name or _("未分类"), item_id or "—")] += 1
    table.rows = [[issue, item, count] for (issue, item), count in missing.most_common(TOP)]
    return table
