"""Rows of the incentives app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from incentives.choices import Unit
from incentives.models import PayoutLine, RewardItem, WithheldAward
from incentives.services.disputes import dispute_open
from incentives.services.ledger import entry_post
from incentives.services.periods import period_ensure, posting_period
from incentives.services.redemptions import redemption_request


def incentive_rows(users) -> dict:
    """The posting ``period`` and the ``previous_period``; entries of both agents (``entry_a``/``_b``,
    ``points_b``), their disputes and redemptions of ``reward_item``, agent A's ``payout_line_a`` and
    ``withheld_a``."""
    agent_a, agent_b = users["agent_a"], users["agent_b"]
    current = posting_period()
    previous = period_ensure(
        year=(current.starts_on - dt.timedelta(days=1)).year,
        month=(current.starts_on - dt.timedelta(days=1)).month,
    )
    rows = {"period": current, "previous_period": previous}
    rows["entry_a"], _ = entry_post(
        user=agent_a, unit=Unit.CNY, kind="award", amount=Decimal("20.00"), key="am:a"
    )
    rows["entry_b"], _ = entry_post(
        user=agent_b, unit=Unit.CNY, kind="award", amount=Decimal("30.00"), key="am:b"
    )
    entry_post(user=agent_a, unit=Unit.POINTS, kind="award", amount=Decimal("500"), key="am:a:points")
    rows["points_b"], _ = entry_post(
        user=agent_b, unit=Unit.POINTS, kind="award", amount=Decimal("500"), key="am:b:points"
    )
    rows["dispute_a"] = dispute_open(entry=rows["entry_a"], by=agent_a, reason="漏记一次转化")
    rows["dispute_b"] = dispute_open(entry=rows["entry_b"], by=agent_b, reason="漏记一次转化")
    item = RewardItem.objects.create(name="电影票", category="gift", point_price=100)
    rows["reward_item"] = item
    rows["redemption_a"] = redemption_request(agent=agent_a, item=item, note="")
    rows["redemption_b"] = redemption_request(agent=agent_b, item=item, note="")
    zero = Decimal("0")
    rows["payout_line_a"] = PayoutLine.objects.create(
        period=previous,
        user=agent_a,
        conversions=1,
        bonus_cny=Decimal("20"),
        points_earned=zero,
        points_redeemed=zero,
        points_balance=zero,
        leave_days=zero,
        adjustments_cny=zero,
        total_payable=Decimal("20"),
    )
    rows["withheld_a"] = WithheldAward.objects.create(
        agent=agent_a,
        event="converted",
        reason_code="not_certified",
        reason="未认证",
        idempotency_key="am:withheld",
    )
    return rows
