"""Which account and which template a shop sends with: the shop's own, else its client's (accounts);
the most specific active template of the account's provider (global → client → shop, as policy rows)."""

from __future__ import annotations

from django.db.models import Q

from outreach.models import SmsAccount, SmsTemplate
from policies.layers import rank_of


def account_for_shop(shop) -> SmsAccount | None:
    accounts = SmsAccount.objects.filter(active=True).filter(
        Q(shop=shop) | Q(client_id=shop.client_id, shop__isnull=True) if shop.client_id else Q(shop=shop)
    )
    found = sorted(accounts, key=lambda a: 0 if a.shop_id else 1)
    return found[0] if found else None


def template_for(
    shop, account: SmsAccount, *, code: str | None = None, purpose: str | None = None, reply_template_id=None
) -> SmsTemplate | None:
    """The template that decides for ``shop``: among the active rows of the account's provider matching
    ``code`` / ``purpose`` / ``reply_template_id``, the shop's, else its client's, else the global one."""
    layer = Q(shop__isnull=True, client__isnull=True) | Q(shop=shop)
    if shop.client_id:
        layer |= Q(client_id=shop.client_id)
    rows = SmsTemplate.objects.filter(layer, active=True, provider=account.provider)
    if code:
        rows = rows.filter(code=code)
    if purpose:
        rows = rows.filter(purpose=purpose)
    if reply_template_id is not None:
        rows = rows.filter(reply_template_id=reply_template_id)
    found = sorted(rows, key=lambda row: (-rank_of(row), row.pk))
    return found[0] if found else None
