"""Telling a shop's managers that a DSR score needs attention (seed 002: “重点关注低于行业平均值的指标”):
a score below the industry average, or down by at least the watch's step from the score recorded before
it. One bell message (and the shop's channels' deliveries) per shop and day, written through
``insights.services.notify`` like the weekly report; a second import of the same figures sends nothing
again (the message's dedupe key names the day and what fired)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from insights.health.models import DsrMetric, DsrScore, HealthWatch
from reviewdesk.choices import Role

SHOP_HEALTH_KIND = "shop_health"
DEFAULT_STEP = Decimal("0.020")


@dataclass(frozen=True)
class Finding:
    shop_id: int
    day: dt.date
    metric: str
    kind: str  # "below_average" | "drop"
    score: Decimal
    reference: Decimal  # the industry average, or the score before

    def line(self) -> str:
        label = DsrMetric(self.metric).label
        if self.kind == "below_average":
            return _("%(name)s %(score)s，低于行业均值 %(average)s") % {
                "name": label,
                "score": self.score,
                "average": self.reference,
            }
        return _("%(name)s %(score)s，比上次记录的 %(before)s 下降 %(drop)s") % {
            "name": label,
            "score": self.score,
            "before": self.reference,
            "drop": self.reference - self.score,
        }


def watch_for(shop_ids) -> dict[int, tuple[bool, Decimal]]:
    """shop id → (alert below the average?, drop step): the shop's own active watch, else the default
    row, else on and 0.02 (one query)."""
    rows = list(
        HealthWatch.objects.filter(active=True).filter(shop_id__in=shop_ids)
        | HealthWatch.objects.filter(active=True, shop__isnull=True)
    )
    default = next(
        ((w.alert_below_average, w.drop_step) for w in rows if w.shop_id is None), (True, DEFAULT_STEP)
    )
    own = {w.shop_id: (w.alert_below_average, w.drop_step) for w in rows if w.shop_id is not None}
    return {shop_id: own.get(shop_id, default) for shop_id in shop_ids}


def dsr_findings(*, latest: dict[tuple[int, str], dt.date]) -> list[Finding]:
    """What fired for each (shop, score) on the newest day an import recorded."""
    if not latest:
        return []
    shop_ids = {shop_id for shop_id, _metric in latest}
    watches = watch_for(shop_ids)
    found = []
    for (shop_id, metric), day in sorted(latest.items()):
        rows = list(
            DsrScore.objects.filter(shop_id=shop_id, metric=metric, day__lte=day).order_by("-day")[:2]
        )
        if not rows or rows[0].day != day:
            continue
        current = rows[0]
        below, step = watches[shop_id]
        if below and current.industry_average is not None and current.score < current.industry_average:
            found.append(
                Finding(shop_id, day, metric, "below_average", current.score, current.industry_average)
            )
        if len(rows) > 1 and rows[1].score - current.score >= step:
            found.append(Finding(shop_id, day, metric, "drop", current.score, rows[1].score))
    return found


def dsr_alerts_send(*, latest: dict[tuple[int, str], dt.date]) -> tuple[int, int]:
    """Bell messages (and deliveries) to the managers of each shop with a finding; (notifications,
    deliveries) newly written."""
    from cases.alerts import role_members
    from insights.services.notify import Outgoing, send
    from reviewdesk.models import Shop

    findings = dsr_findings(latest=latest)
    if not findings:
        return 0, 0
    by_shop_day: dict[tuple[int, dt.date], list[Finding]] = {}
    for finding in findings:
        by_shop_day.setdefault((finding.shop_id, finding.day), []).append(finding)
    managers = role_members((shop_id, str(Role.MANAGER)) for shop_id, _day in by_shop_day)
    names = dict(Shop.objects.filter(pk__in={s for s, _d in by_shop_day}).values_list("pk", "name"))
    messages = []
    for (shop_id, day), items in sorted(by_shop_day.items()):
        users = managers.get((shop_id, str(Role.MANAGER)), set())
        if not users:
            continue
        fired = "+".join(sorted(f"{f.metric}:{f.kind}" for f in items))

        shop_name = names.get(shop_id, "")

        def render(items=items, shop_name=shop_name, day=day):
            title = _("店铺评分提醒：%(shop)s %(day)s") % {"shop": shop_name, "day": day.isoformat()}
            return title, [f.line() for f in items]

        messages.append(
            Outgoing(
                kind=SHOP_HEALTH_KIND,
                title="",
                lines=[],
                path=f"{reverse('insights:health')}?shop={shop_id}",
                dedupe_key=f"shop-health:{shop_id}:{day.isoformat()}:{fired}",
                shop_id=shop_id,
                user_ids=set(users),
                render=render,
            )
        )
    return send(messages)
