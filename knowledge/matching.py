"""Which articles fit a case: by item, SKU pattern, issue type and platform, ranked.

An article names what it is about; an empty field means "any". An article fits a case when every field
it names agrees with the case (the item id exactly, the SKU by its glob pattern, case-insensitively, the
issue type, the platform) and it names at least one of them — or it is a quick reply (an approved answer
for every case). The more specific an article, the higher it ranks: the item counts most, then the SKU
pattern, then the issue type, then the platform.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from knowledge.choices import ArticleKind, ArticleStatus

WEIGHTS = {"item": 8, "sku": 4, "issue_type": 2, "platform": 1}
PANEL_SIZE = 8
CANDIDATES = 200


def sku_pattern_refusal(pattern: str) -> str | None:
    """Why a SKU pattern cannot be used, or None. A glob: * any characters, ? one character."""
    text = (pattern or "").strip()
    if not text:
        return None
    if len(text) > 100:
        return _("规格匹配最多100个字符。")
    if any(ord(ch) < 32 for ch in text):
        return _("规格匹配不能包含控制字符。")
    if not text.replace("*", "").replace("?", "").strip():
        return _("规格匹配“%(pattern)s”只有通配符：请写出规格的一部分，如 LY-20*。") % {"pattern": text}
    if text.count("[") != text.count("]"):
        return _("规格匹配“%(pattern)s”的方括号不成对。") % {"pattern": text}
    try:
        _compiled(text)
    except re.error:
        return _("规格匹配“%(pattern)s”无效。") % {"pattern": text}
    return None


def validate_sku_pattern(pattern: str) -> None:
    if refusal := sku_pattern_refusal(pattern):
        raise ValidationError({"sku_pattern": refusal})


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(fnmatch.translate(pattern.strip().lower()), re.DOTALL)


def sku_matches(pattern: str, sku: str) -> bool:
    return bool(pattern) and bool(sku) and _compiled(pattern).match(sku.strip().lower()) is not None


@dataclass(frozen=True)
class Facts:
    """What a case says about its product: what the articles are matched on."""

    item_id: str
    sku: str
    issue_type_id: int | None
    platform: str


def rank(article, facts: Facts) -> int | None:
    """The article's rank for these facts (higher first), or None when it does not fit. ``article`` is
    anything with the article's matching attributes (a model or a values() row in a namespace)."""
    score = 0
    if article.item_id:
        if article.item_id != facts.item_id:
            return None
        score += WEIGHTS["item"]
    if article.sku_pattern:
        if not sku_matches(article.sku_pattern, facts.sku):
            return None
        score += WEIGHTS["sku"]
    if article.issue_type_id:
        if article.issue_type_id != facts.issue_type_id:
            return None
        score += WEIGHTS["issue_type"]
    if article.platform:
        if article.platform != facts.platform:
            return None
        score += WEIGHTS["platform"]
    if score == 0 and article.kind != ArticleKind.ANSWER:
        return None  # a general article (care in general …) is found by search, not pushed on every case
    return score


def layer_q(shop_id: int, client_id: int | None) -> Q:
    """The articles of a shop: its own, its client's layer and the global ones."""
    layers = Q(shop_id=shop_id) | Q(shop__isnull=True, client__isnull=True)
    if client_id:
        layers |= Q(shop__isnull=True, client_id=client_id)
    return layers


def candidates_q(facts: Facts) -> Q:
    """What the database can decide of ``rank`` (item, issue type, platform); the SKU glob is Python's."""
    issue = Q(issue_type__isnull=True)
    if facts.issue_type_id:
        issue |= Q(issue_type_id=facts.issue_type_id)
    return (
        Q(status=ArticleStatus.PUBLISHED)
        & Q(item_id__in=sorted({"", facts.item_id}))
        & Q(platform__in=sorted({"", facts.platform}))
        & issue
    )


def articles_for_case(case, *, limit: int = PANEL_SIZE) -> list:
    """The published articles fitting ``case``, best first: ONE query (the case page's budget). Reads
    ``case.review`` and ``case.shop`` as the case page has already loaded them."""
    from knowledge.models import Article

    review = case.review
    facts = Facts(
        item_id=(review.item_id or "").strip(),
        sku=(review.sku or "").strip(),
        issue_type_id=case.issue_type_id,
        platform=case.platform,
    )
    rows = (
        Article.objects.filter(layer_q(case.shop_id, case.shop.client_id), candidates_q(facts))
        .only(
            "pk", "kind", "title", "body", "item_id", "sku_pattern", "issue_type_id", "platform", "updated_at"
        )
        .order_by("-updated_at", "-pk")[:CANDIDATES]
    )
    ranked = [(score, article) for article in rows if (score := rank(article, facts)) is not None]
    ranked.sort(key=lambda pair: -pair[0])  # stable: the newest first among equals
    return [article for _score, article in ranked[:limit]]
