"""The prevention rules of one shop, resolved through the layers (global → client → shop), and the
calendar arithmetic they need. The rules are policy data (``prevention.models``); this module reads them
once per sweep for every shop and answers from frozen values.

A layer replaces the rows of the layer below with the same key (a late rule: its platform and courier; a
risk rule: its name; an after-sale reason rule, ``prevention.reasons``: its category); an inactive row of a higher layer switches the lower one off for that shop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from policies.business_time import CalendarSpec, business_minutes_between
from prevention.models import LateRule, RiskRule


@dataclass(frozen=True)
class LateRuleSpec:
    id: int
    version: int
    name: str
    platform: str
    courier: str
    ship_grace_hours: int | None
    no_movement_hours: int | None
    stuck_hours: int | None
    delivery_days: int | None
    business_hours: bool
    offer_text: str
    offer_amount: Decimal | None
    task_sla_hours: int

    def matches(self, platform: str, courier: str) -> bool:
        return (not self.platform or self.platform == platform) and (
            not self.courier or self.courier in (courier or "")
        )

    @property
    def specificity(self) -> tuple[bool, bool]:
        return bool(self.courier), bool(self.platform)


@dataclass(frozen=True)
class RiskRuleSpec:
    id: int
    name: str
    min_after_sales: int | None
    min_negative_reviews: int | None
    min_malicious: int | None
    extortion: bool
    suggestion: str


def _layer(row) -> int:
    return 2 if row.shop_id else 1 if row.client_id else 0


def _rows_for(model, shops) -> list:
    shop_ids = {shop.pk for shop in shops}
    client_ids = {shop.client_id for shop in shops if shop.client_id}
    layers = Q(shop__isnull=True, client__isnull=True) | Q(shop_id__in=shop_ids) | Q(client_id__in=client_ids)
    return sorted(model.objects.filter(layers), key=lambda row: (_layer(row), row.pk))


def _resolve(rows, shop, key) -> list:
    chosen: dict = {}
    for row in rows:  # lowest layer first: a higher one replaces the same key
        if row.shop_id not in (None, shop.pk) or (row.client_id and row.client_id != shop.client_id):
            continue
        chosen[key(row)] = row
    return [row for row in chosen.values() if row.active]


def layered_rows(model, shops: Iterable, key) -> dict[int, list]:
    """Every shop's active rows of ``model`` after the layers replaced by ``key``, in one query."""
    shops = list(shops)
    rows = _rows_for(model, shops)
    return {shop.pk: _resolve(rows, shop, key) for shop in shops}


def late_rules_by_shop(shops: Iterable) -> dict[int, tuple[LateRuleSpec, ...]]:
    """Every shop's late rules in one query."""
    shops = list(shops)
    rows = _rows_for(LateRule, shops)
    result = {}
    for shop in shops:
        result[shop.pk] = tuple(
            LateRuleSpec(
                id=row.pk,
                version=row.version,
                name=row.name,
                platform=row.platform,
                courier=row.courier.strip(),
                ship_grace_hours=row.ship_grace_hours,
                no_movement_hours=row.no_movement_hours,
                stuck_hours=row.stuck_hours,
                delivery_days=row.delivery_days,
                business_hours=row.business_hours,
                offer_text=row.offer_text,
                offer_amount=row.offer_amount,
                task_sla_hours=row.task_sla_hours,
            )
            for row in _resolve(rows, shop, key=lambda r: (r.platform, r.courier.strip()))
        )
    return result


def late_rule_for(rules: tuple[LateRuleSpec, ...], platform: str, courier: str) -> LateRuleSpec | None:
    """The best match: platform and courier, then courier, then platform, then the catch-all."""
    matching = [rule for rule in rules if rule.matches(platform, courier)]
    return max(matching, key=lambda rule: rule.specificity, default=None)


def risk_rules_by_shop(shops: Iterable) -> dict[int, tuple[RiskRuleSpec, ...]]:
    shops = list(shops)
    rows = _rows_for(RiskRule, shops)
    return {
        shop.pk: tuple(
            RiskRuleSpec(
                id=row.pk,
                name=row.name,
                min_after_sales=row.min_after_sales,
                min_negative_reviews=row.min_negative_reviews,
                min_malicious=row.min_malicious,
                extortion=row.extortion,
                suggestion=row.suggestion,
            )
            for row in _resolve(rows, shop, key=lambda r: r.name)
        )
        for shop in shops
    }


def business_cutoff(now: dt.datetime, minutes: int, calendar: CalendarSpec | None) -> dt.datetime | None:
    """The latest moment from which at least ``minutes`` have passed by ``now``: in business time when a
    calendar is given (a holiday does not count), else in wall-clock time. None: the calendar never opened
    in the last three years (bad data), so nothing is late by it."""
    if calendar is None or minutes <= 0:
        return now - dt.timedelta(minutes=minutes)
    span = dt.timedelta(minutes=minutes)
    limit = dt.timedelta(days=3 * 366)
    while business_minutes_between(now - span, now, calendar) < minutes:
        if span > limit:
            return None
        span *= 2
    early, late = now - span, now - dt.timedelta(minutes=minutes)
    if business_minutes_between(late, now, calendar) >= minutes:
        return late  # open all the way: business time is wall-clock time here
    while late - early > dt.timedelta(minutes=1):  # bisect to the minute: the answer is monotone
        middle = early + (late - early) / 2
        if business_minutes_between(middle, now, calendar) >= minutes:
            early = middle
        else:
            late = middle
    return early
