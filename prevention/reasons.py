"""An after-sale's reason in one of a few categories (质量问题, 尺码不合适, 与描述不符, 物流问题,
不想要了/七天无理由, 其他), read from the words the platform or the export gives (淘宝's refund reasons
are a fixed list the buyer picks from; 抖店 and 京东 exports carry similar words).

The words are policy data a manager edits in the admin (``prevention.models.ReturnReasonRule``, layered
global → client → shop: a shop's rule of a category replaces the global one's words). ``reason_rules``
loads a shop's rules once (one query) and ``reason_kind`` answers from them: the rules are tried by
priority (lower first) and the first one of whose words the reason contains wins, so with the seeded
rules a size that does not match the description ("大小/尺寸与商品描述不符") counts as size, and damage in
transit ("收到商品破损") as quality, whatever else it says. A reason none matches is 其他; no reason is no
category.
"""

from __future__ import annotations

from dataclasses import dataclass

from prevention.choices import ReturnReason
from prevention.models import ReturnReasonRule
from prevention.rules import layered_rows


@dataclass(frozen=True)
class ReasonRuleSpec:
    category: str
    words: tuple[str, ...]
    priority: int


def reason_rules(shop) -> tuple[ReasonRuleSpec, ...]:
    """The active rules that apply to ``shop`` in the order they are tried (one query)."""
    rows = layered_rows(ReturnReasonRule, [shop], key=lambda row: row.category)[shop.pk]
    rows.sort(key=lambda row: (row.priority, row.pk))
    return tuple(ReasonRuleSpec(row.category, row.words, row.priority) for row in rows)


def reason_kind(reason: str, rules: tuple[ReasonRuleSpec, ...]) -> str:
    """The category of ``reason`` (a ``ReturnReason`` value) by ``rules``, "" when there is no reason."""
    text = (reason or "").strip()
    if not text:
        return ""
    for rule in rules:
        if any(word in text for word in rule.words):
            return rule.category
    return ReturnReason.OTHER
