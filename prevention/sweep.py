"""The late-parcel sweep (a django-q2 schedule, every 10 minutes): every order still on its way is checked
against its shop's late rule; a late one opens a prevention task per reason, once.

Reasons (``LateReason``): not shipped by the promised time (plus the rule's grace), no trace movement for
N hours, movement but stuck at one station for N hours, or still in transit N days after shipping. The
hours are business hours of the shop's calendar when the rule says so: the thresholds become one cut-off
moment per (shop, rule, reason), computed once, so each order costs a few comparisons.

Cost: one read of the watched orders through the partial index ``prevention_order_watched`` (delivered
and closed orders are not in it, whatever their number), one read of the existing tasks of the late
ones, one insert. Idempotent: an open task per (order, reason) is a unique constraint, so two clusters,
or a rerun, add nothing; a task already handled is not reopened while the order is late for the same
reason since (no movement since the task was opened).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from policies.business_time import CalendarSpec, add_business_minutes
from policies.choices import Channel
from prevention.choices import WATCHED_STATUSES, LateReason, OrderStatus, TaskStatus
from prevention.models import Order, PreventionTask
from prevention.rules import LateRuleSpec, business_cutoff, late_rule_for, late_rules_by_shop
from reviewdesk.models import Shop

logger = logging.getLogger(__name__)
CHUNK = 5000
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class SweepResult:
    watched: int = 0
    late: int = 0
    opened: int = 0
    by_reason: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Check:
    """One rule's thresholds as moments for this sweep (None: not checked)."""

    rule: LateRuleSpec
    shop: Shop
    calendar: CalendarSpec | None
    ship_cutoff: dt.datetime | None
    movement_cutoff: dt.datetime | None
    stuck_cutoff: dt.datetime | None
    overdue_cutoff: dt.datetime | None


class _Checks:
    """The checks of each (shop, platform, courier), computed when first met."""

    def __init__(self, now: dt.datetime, shops: dict[int, Shop]):
        self.now = now
        self.shops = shops
        self.rules = late_rules_by_shop(shops.values())
        self._checks: dict = {}
        self._cutoffs: dict = {}
        self._policies: dict = {}

    def policy(self, shop: Shop, platform: str):
        key = (shop.pk, platform)
        if key not in self._policies:
            from policies.loader import load_policy

            self._policies[key] = load_policy(shop=shop, platform=platform)
        return self._policies[key]

    def _cutoff(self, hours: int | None, calendar: CalendarSpec | None):
        if hours is None:
            return None
        key = (hours, calendar)
        if key not in self._cutoffs:
            self._cutoffs[key] = business_cutoff(self.now, hours * 60, calendar)
        return self._cutoffs[key]

    def get(self, shop_id: int, platform: str, courier: str) -> _Check | None:
        key = (shop_id, platform, courier)
        if key in self._checks:
            return self._checks[key]
        shop = self.shops[shop_id]
        rule = late_rule_for(self.rules.get(shop_id, ()), platform, courier)
        check = None
        if rule is not None:
            calendar = self.policy(shop, platform).calendar.spec
            hours_calendar = calendar if rule.business_hours else None
            check = _Check(
                rule=rule,
                shop=shop,
                calendar=calendar,
                ship_cutoff=self._cutoff(rule.ship_grace_hours, hours_calendar),
                movement_cutoff=self._cutoff(rule.no_movement_hours, hours_calendar),
                stuck_cutoff=self._cutoff(rule.stuck_hours, hours_calendar),
                overdue_cutoff=(
                    self.now - dt.timedelta(days=rule.delivery_days)
                    if rule.delivery_days is not None
                    else None
                ),
            )
        self._checks[key] = check
        return check


def late_reasons(row: tuple, check: _Check) -> list[tuple[str, dt.datetime]]:
    """(reason, since) for one watched order; ``since`` is what a handled task must be newer than."""
    _pk, _shop, _platform, _courier, status, ship_by, shipped_at, moved_at, station_since = row
    reasons = []
    if status == OrderStatus.AWAITING_SHIPMENT:
        if check.ship_cutoff is not None and ship_by is not None and ship_by < check.ship_cutoff:
            reasons.append((LateReason.NOT_SHIPPED, _NEVER))
        return reasons
    moved = moved_at or shipped_at
    if check.movement_cutoff is not None and moved is not None and moved < check.movement_cutoff:
        reasons.append((LateReason.NO_MOVEMENT, moved))
    elif check.stuck_cutoff is not None and station_since is not None and station_since < check.stuck_cutoff:
        reasons.append((LateReason.STUCK, station_since))
    if check.overdue_cutoff is not None and shipped_at is not None and shipped_at < check.overdue_cutoff:
        reasons.append((LateReason.OVERDUE, _NEVER))
    return reasons


def late_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    rows = Order.objects.filter(status__in=WATCHED_STATUSES).values_list(
        "pk",
        "shop_id",
        "platform",
        "courier",
        "status",
        "ship_by",
        "shipped_at",
        "last_movement_at",
        "station_since",
    )
    late: list[tuple] = []
    checks: _Checks | None = None
    rows = list(rows)
    result.watched = len(rows)
    if not rows:
        return result
    checks = _Checks(now, Shop.objects.in_bulk({row[1] for row in rows}))
    for row in rows:
        check = checks.get(row[1], row[2], row[3])
        if check is None:
            continue
        for reason, since in late_reasons(row, check):
            late.append((row[0], reason, since, check))
    result.late = len({item[0] for item in late})
    handled = _existing_tasks([item[0] for item in late])
    new_tasks = []
    offers: dict = {}
    dues: dict = {}
    for order_id, reason, since, check in late:
        previous = handled.get((order_id, reason))
        if previous is not None and (previous is True or previous >= since):
            continue
        offer_key = (check.shop.pk, check.rule.id)
        if offer_key not in offers:
            offers[offer_key] = _offer(check, checks)
        due_key = (check.shop.pk, check.rule.task_sla_hours, check.calendar)
        if due_key not in dues:
            dues[due_key] = add_business_minutes(now, check.rule.task_sla_hours * 60, check.calendar)
        text, refused = offers[offer_key]
        new_tasks.append(
            PreventionTask(
                shop_id=check.shop.pk,
                order_id=order_id,
                reason=reason,
                opened_at=now,
                due_at=dues[due_key],
                rule_id_ref=check.rule.id,
                rule_version=check.rule.version,
                offer_text=text,
                offer_amount=None if refused else check.rule.offer_amount,
                offer_refused=refused,
            )
        )
        result.by_reason[reason] = result.by_reason.get(reason, 0) + 1
    with transaction.atomic():
        PreventionTask.objects.bulk_create(new_tasks, batch_size=1000, ignore_conflicts=True)
    result.opened = len(new_tasks)
    return result


def _existing_tasks(order_ids: list[int]) -> dict:
    """(order, reason) → True for an open task, else the newest handled task's opening time."""
    found: dict = {}
    unique_ids = sorted(set(order_ids))
    for start in range(0, len(unique_ids), CHUNK):
        chunk = unique_ids[start : start + CHUNK]
        for order_id, reason, status, opened_at in PreventionTask.objects.filter(
            order_id__in=chunk
        ).values_list("order_id", "reason", "status", "opened_at"):
            key = (order_id, reason)
            if status == TaskStatus.OPEN:
                found[key] = True
            elif found.get(key) is not True:
                found[key] = max(found.get(key) or opened_at, opened_at)
    return found


def _offer(check: _Check, checks: _Checks) -> tuple[str, bool]:
    """The rule's proactive offer as the shop may send it: every outbound word passes the one compliance
    checker (conventions rule 18), so an offer tied to a review is refused and the task says so."""
    from policies.engine.messaging import check_compliance

    text = (check.rule.offer_text or "").strip()
    if not text:
        return "", False
    platform = check.shop.platform
    report = check_compliance(
        text, platform=platform, channel=Channel.PRIVATE_MESSAGE, policy=checks.policy(check.shop, platform)
    )
    if report.blocking:
        logger.warning(
            "late rule %s: its offer fails the compliance check; tasks carry no offer", check.rule.id
        )
        return "", True
    return text, False


def late_sweep_task() -> dict:
    """The schedule's entry (django-q2)."""
    result = late_sweep()
    return {"watched": result.watched, "late": result.late, "opened": result.opened}
