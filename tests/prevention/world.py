"""Rows of the prevention app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from prevention.models import LateRule, RiskRule


def prevention_rows(shop) -> None:
    """``shop``'s overrides of the late and risk rules (the seeded global rows come first)."""
    LateRule.objects.create(name="旗舰店延迟", shop=shop, ship_grace_hours=12)
    RiskRule.objects.create(name="旗舰店风险", shop=shop, min_after_sales=2)
