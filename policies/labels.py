"""Names a person reads for codes the cases store: a customer tier's code ("ordinary") is shown as the
tier's name ("普通客户", or its English name to an English reader)."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import get_language


def _english(language: str | None) -> bool:
    return (language or get_language() or "").startswith("en")


def customer_tier_names(language: str | None = None) -> dict[str, str]:
    """code → name of every customer tier (one query); a global tier's name wins over a client's or a
    shop's."""
    from policies.models import CustomerTier

    english, names = _english(language), {}
    order = (F("shop_id").asc(nulls_first=True), F("client_id").asc(nulls_first=True), "pk")
    rows = CustomerTier.objects.order_by(*order).values_list("code", "name", "name_en")
    for code, name, name_en in rows:
        names.setdefault(code, name_en if english and name_en else name)
    return names


class LazyNames(dict):
    """A ``customer_tier_names()`` read on first use: a page whose rows carry no tier asks nothing."""

    def __init__(self, load):
        super().__init__()
        self._load = load
        self._loaded = False

    def label(self, code: str | None) -> str:
        if not code:
            return ""
        if not self._loaded:
            self.update(self._load())
            self._loaded = True
        return self.get(code, code)
