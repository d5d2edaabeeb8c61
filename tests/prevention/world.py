"""Rows of the prevention app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from prevention.choices import ReturnReason
from prevention.models import LateRule, ReturnReasonRule, RiskRule


def prevention_rows(shop) -> None:
    """``shop``'s overrides of the late, risk and after-sale reason rules (the seeded global rows come first)."""
    LateRule.objects.create(name="旗舰店延迟", shop=shop, ship_grace_hours=12)
    RiskRule.objects.create(name="旗舰店风险", shop=shop, min_after_sales=2)
    ReturnReasonRule.objects.create(
        name="旗舰店色差",
        shop=shop,
        category=ReturnReason.NOT_AS_DESCRIBED,
        keywords="色差\n颜色",
        priority=30,
    )
