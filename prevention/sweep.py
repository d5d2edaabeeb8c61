"""The late-parcel sweep (a django-q2 schedule, every 10 minutes): every order still on its way is checked
against its shop's late rule; a late one opens a prevention task per reason, once.

Reasons (``LateReason``): not shipped by the promised time (plus the rule's grace), no trace movement for
N hours, movement but stuck at one station for N hours, or still in transit N days after shipping. The
hours are business hours of the shop's calendar when the rule says so: the thresholds become one cut-off
moment per (shop, platform, courier) and reason, computed once, so each order costs a few comparisons in
the database.

The task's own time (``LateRule.task_sla_hours``) counts in the shop's calendar, or, when a peak season
(``policies.CampaignPeriod``) is in force for the shop at the sweep's moment, in the season's staffing
calendar (the shop's when it has none); the task names the season. The season comes from the policy
snapshot the sweep loads once per (shop, platform) anyway: no query more.

Cost: one read of the (shop, platform, courier) combinations on their way and one INSERT … SELECT, both
through the partial index ``prevention_order_watched`` (delivered and closed orders are not in it,
whatever their number), plus the rules and shops. Idempotent: an open task per (order, reason) is a unique constraint, so two clusters,
or a rerun, add nothing; a task already handled is not reopened while the order is late for the same
reason since (no movement since the task was opened).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from policies.business_time import CalendarSpec, add_business_minutes
from policies.choices import Channel
from policies.engine.policy import CampaignSpec
from prevention.choices import WATCHED_STATUSES, LateReason, OrderStatus, TaskStatus
from prevention.models import Order, PreventionTask
from prevention.rules import LateRuleSpec, business_cutoff, late_rule_for, late_rules_by_shop
from reviewdesk.models import Shop

logger = logging.getLogger(__name__)


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
    task_calendar: (
        CalendarSpec | None
    )  # the task's time: the peak season's staffing calendar, else ``calendar``
    campaign: CampaignSpec | None
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
        self._offers: dict = {}
        self._dues: dict = {}

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

    def offer(self, check: _Check) -> tuple[str, bool]:
        key = (check.shop.pk, check.rule.id)
        if key not in self._offers:
            self._offers[key] = _offer(check, self)
        return self._offers[key]

    def due_at(self, check: _Check) -> dt.datetime:
        key = (check.rule.task_sla_hours, check.task_calendar)
        if key not in self._dues:
            self._dues[key] = add_business_minutes(
                self.now, check.rule.task_sla_hours * 60, check.task_calendar
            )
        return self._dues[key]

    def get(self, shop_id: int, platform: str, courier: str) -> _Check | None:
        key = (shop_id, platform, courier)
        if key in self._checks:
            return self._checks[key]
        shop = self.shops[shop_id]
        rule = late_rule_for(self.rules.get(shop_id, ()), platform, courier)
        check = None
        if rule is not None:
            policy = self.policy(shop, platform)
            calendar = policy.calendar.spec
            hours_calendar = calendar if rule.business_hours else None
            campaign = policy.campaign_at(self.now)
            staffing = campaign.calendar if campaign is not None else None
            check = _Check(
                rule=rule,
                shop=shop,
                calendar=calendar,
                task_calendar=staffing.spec if staffing is not None else calendar,
                campaign=campaign,
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


# The whole sweep's write is one statement: the thresholds of each (shop, platform, courier) come in as a
# VALUES list (computed once per sweep, with the task each would open: its due time, the rule and its
# offer), the comparisons and the "already handled" test run in the database, and the new tasks are
# inserted from the same SELECT. So the sweep reads no order that is on time, parses no datetime and builds
# no model instance per task. A reason is handled while an open task exists for it, or a task opened after
# the moment the lateness started (the last movement for "no movement", the arrival at the station for
# "stuck"; ever, for the other two). ON CONFLICT DO NOTHING: a second cluster's insert of the same open
# task meets the partial unique index and adds nothing.
_LATE_SQL = """
WITH c(idx, shop_id, platform, courier, ship_cut, move_cut, stuck_cut, overdue_cut,
       due_at, rule_id, rule_version, offer_text, offer_amount, offer_refused,
       campaign_id, campaign_name, campaign_calendar) AS (VALUES {values}),
late AS (
    SELECT order_id, shop_id, idx, moved_at, station_since, not_shipped, silent, stuck, overdue FROM (
        SELECT o.id AS order_id, o.shop_id, c.idx, COALESCE(o.last_movement_at, o.shipped_at) AS moved_at,
               o.station_since,
               CASE WHEN o.status = %s AND o.ship_by < c.ship_cut THEN 1 ELSE 0 END AS not_shipped,
               CASE WHEN o.status = %s AND COALESCE(o.last_movement_at, o.shipped_at) < c.move_cut
                    THEN 1 ELSE 0 END AS silent,
               CASE WHEN o.status = %s AND o.station_since < c.stuck_cut THEN 1 ELSE 0 END AS stuck,
               CASE WHEN o.status = %s AND o.shipped_at < c.overdue_cut THEN 1 ELSE 0 END AS overdue
        FROM {order} o
        JOIN c ON o.shop_id = c.shop_id AND o.platform = c.platform AND o.courier = c.courier
        WHERE o.status IN (%s, %s)
    ) AS checked
    WHERE not_shipped + silent + stuck + overdue > 0
),
reasons AS (
    SELECT late.*, %s AS reason, NULL AS since FROM late WHERE not_shipped = 1
    UNION ALL SELECT late.*, %s, moved_at FROM late WHERE silent = 1
    UNION ALL SELECT late.*, %s, station_since FROM late WHERE stuck = 1 AND silent = 0
    UNION ALL SELECT late.*, %s, NULL FROM late WHERE overdue = 1
)
INSERT INTO {task} (shop_id, order_id, reason, status, opened_at, due_at, rule_id_ref, rule_version,
                    offer_text, offer_amount, offer_refused, campaign_id_ref, campaign_name,
                    campaign_calendar, outcome, note, version)
SELECT r.shop_id, r.order_id, r.reason, %s, {moment}, c.due_at, c.rule_id, c.rule_version,
       c.offer_text, c.offer_amount, c.offer_refused, c.campaign_id, c.campaign_name, c.campaign_calendar,
       '', '', 1
FROM reasons r JOIN c ON c.idx = r.idx
WHERE NOT EXISTS (
    SELECT 1 FROM {task} t WHERE t.order_id = r.order_id AND t.reason = r.reason
    AND (t.status = %s OR r.since IS NULL OR t.opened_at >= r.since)
)
ON CONFLICT DO NOTHING
RETURNING reason, order_id
"""


def _open_tasks(now: dt.datetime, rows: list[tuple]) -> list[tuple[str, int]]:
    """Insert the tasks of every late order that needs one; ``rows`` are (shop id, platform, courier,
    check, task values). Returns (reason, order id) of each task opened."""
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    moment = "CAST(%s AS timestamptz)" if postgres else "%s"
    amount = "CAST(%s AS numeric)" if postgres else "%s"
    flag = "CAST(%s AS boolean)" if postgres else "%s"
    number = "CAST(%s AS integer)" if postgres else "%s"
    row_sql = (
        f"(%s, %s, %s, %s, {moment}, {moment}, {moment}, {moment}, {moment}, %s, %s, %s, {amount}, {flag}, "
        f"{number}, %s, %s)"
    )
    values, params = [], []
    for index, (shop_id, platform, courier, check, (due_at, text, refused)) in enumerate(rows):
        values.append(row_sql)
        params += [index, shop_id, platform, courier]
        params += [
            ops.adapt_datetimefield_value(value)
            for value in (
                check.ship_cutoff,
                check.movement_cutoff,
                check.stuck_cutoff,
                check.overdue_cutoff,
                due_at,
            )
        ]
        offer_amount = None if refused else check.rule.offer_amount
        params += [check.rule.id, check.rule.version, text]
        params += [None if offer_amount is None else str(offer_amount), refused]
        campaign = check.campaign
        staffing = campaign.calendar if campaign is not None else None
        params += [
            campaign.ref.id if campaign is not None else None,
            campaign.name if campaign is not None else "",
            staffing.name if staffing is not None and staffing.ref is not None else "",
        ]
    R, S = LateReason, OrderStatus
    params += [
        S.AWAITING_SHIPMENT,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.AWAITING_SHIPMENT,
        S.IN_TRANSIT,
    ]
    params += [R.NOT_SHIPPED, R.NO_MOVEMENT, R.STUCK, R.OVERDUE]
    params += [TaskStatus.OPEN, ops.adapt_datetimefield_value(now), TaskStatus.OPEN]
    sql = _LATE_SQL.format(
        values=", ".join(values),
        moment=moment,
        order=ops.quote_name(Order._meta.db_table),
        task=ops.quote_name(PreventionTask._meta.db_table),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(str(reason), order_id) for reason, order_id in cursor.fetchall()]


def late_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    # The (shop, platform, courier) combinations on their way: a few dozen rows, read through the
    # partial index of the watched orders.
    groups = list(
        Order.objects.filter(status__in=WATCHED_STATUSES)
        .values_list("shop_id", "platform", "courier")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result.watched = sum(n for *_key, n in groups)
    if not groups:
        return result
    checks = _Checks(now, Shop.objects.in_bulk({shop_id for shop_id, *_rest in groups}))
    rows = []
    for shop_id, platform, courier, _n in groups:
        check = checks.get(shop_id, platform, courier)
        if check is None:
            continue
        text, refused = checks.offer(check)
        rows.append((shop_id, platform, courier, check, (checks.due_at(check), text, refused)))
    opened = _open_tasks(now, rows) if rows else []
    result.opened = len(opened)
    result.late = len({order_id for _reason, order_id in opened})
    for reason, _order_id in opened:
        result.by_reason[reason] = result.by_reason.get(reason, 0) + 1
    return result


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
