"""The summary figures: volume, first-response attainment, conversion rate and compensation cost of a
range of days, beside the same figures of the range just before it (as long), for the dashboard's
summary strip and the manager's home.

The definitions are the dashboard's (``insights.selectors.dashboard``), over the cases opened in the
range: volume = cases opened; first-response attainment = met / (met + breached), a clock still running
and not due left out; conversion rate = converted / cases whose platform allowed a revision; cost = the
cost of the offers buyers accepted (the offers rollup). Two queries whatever the range: one scan of
both ranges' cases (index ``case_shop_opened``), one of the rollup.

Each figure carries the link to the cases behind it (``insights:attainment_cases`` with the filters and
its drill: every case, the late first responses, the converted, the compensated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OfferStatus
from cases.models import Case
from cases.notifications.choices import SlaTarget
from insights.models import OfferRollup
from insights.selectors.dashboard import SLA_TARGETS, Filters, breached
from insights.tables import percent
from reviewdesk.money import format_cny, quantize_cny

_DUE, _DONE, _ONLY_OPEN = next(t[1:] for t in SLA_TARGETS if t[0] == SlaTarget.FIRST_RESPONSE)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str  # as shown ("87.5%", "1,204", "¥318.00"), "—" when there is nothing to divide
    previous: str
    delta: str  # "+3.1 个百分点", "−12", "" when either side has no value
    tone: str  # "ok" / "bad" / "" : whether the change is good news
    url: str


def previous_range(filters: Filters) -> Filters:
    days = (filters.end - filters.start).days + 1
    return replace(
        filters,
        start=filters.start - dt.timedelta(days=days),
        end=filters.start - dt.timedelta(days=1),
    )


def _raw(filters: Filters, *, now: dt.datetime) -> tuple[dict, dict]:
    """The counts of ``filters``' range and of the one before it: (this, previous)."""
    before = previous_range(filters)
    cases = Case.objects.filter(
        shop_id__in=filters.shop_ids, opened_at__gte=before.start_at, opened_at__lt=filters.end_at
    )
    if filters.platform:
        cases = cases.filter(platform=filters.platform)
    has_due = Q(**{f"{_DUE}__isnull": False})
    met = has_due & Q(**{f"{_DONE}__lte": F(_DUE)})
    late = breached(_DUE, _DONE, _ONLY_OPEN, now)
    eligible = Q(revision_allowed=True)
    converted = eligible & Q(conversion_candidate_at__isnull=False)
    sides = {"this": Q(opened_at__gte=filters.start_at), "prev": Q(opened_at__lt=filters.start_at)}
    aggregates = {}
    for side, when in sides.items():
        aggregates.update(
            {
                f"{side}_n": Count("pk", filter=when),
                f"{side}_met": Count("pk", filter=when & met),
                f"{side}_late": Count("pk", filter=when & late),
                f"{side}_eligible": Count("pk", filter=when & eligible),
                f"{side}_converted": Count("pk", filter=when & converted),
            }
        )
    counts = cases.aggregate(**aggregates)
    offers = OfferRollup.objects.filter(
        shop_id__in=filters.shop_ids, day__gte=before.start, day__lte=filters.end, answer=OfferStatus.ACCEPTED
    )
    if filters.platform:
        offers = offers.filter(platform=filters.platform)
    costs = offers.aggregate(
        this_cost=Sum("cost", filter=Q(day__gte=filters.start)),
        prev_cost=Sum("cost", filter=Q(day__lt=filters.start)),
    )
    this, prev = {}, {}
    for name, value in {**counts, **costs}.items():
        side, key = name.split("_", 1)
        (this if side == "this" else prev)[key] = value
    return this, prev


def _points(now: Decimal | None, before: Decimal | None, *, higher_is_better: bool) -> tuple[str, str]:
    if now is None or before is None:
        return "", ""
    change = now - before
    if not change:
        return _("持平"), ""
    good = (change > 0) == higher_is_better
    return _("%(sign)s%(n)s 个百分点") % {"sign": "+" if change > 0 else "−", "n": abs(change)}, (
        "ok" if good else "bad"
    )


def _change(now, before, *, higher_is_better: bool, money: bool = False) -> tuple[str, str]:
    change = now - before
    if not change:
        return _("持平"), ""
    good = (change > 0) == higher_is_better
    shown = format_cny(abs(change)) if money else f"{abs(change):,}"
    return f"{'+' if change > 0 else '−'}{shown}", ("ok" if good else "bad")


def _percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def summary(filters: Filters, *, now: dt.datetime | None = None, query: dict | None = None) -> list[Figure]:
    """The four figures of ``filters``' range with their change from the range before it; ``query``: the
    filters (shop, client, platform) as the page's query string names them, carried on by the links."""
    now = now or timezone.now()
    this, prev = _raw(filters, now=now)
    base = {**(query or {}), "start": filters.start.isoformat(), "end": filters.end.isoformat()}
    cases_url = reverse("insights:attainment_cases")

    def drill(kind: str) -> str:
        return f"{cases_url}?{urlencode({**base, 'drill': kind})}"

    attainment_now = percent(this["met"], this["met"] + this["late"])
    attainment_before = percent(prev["met"], prev["met"] + prev["late"])
    conversion_now = percent(this["converted"], this["eligible"])
    conversion_before = percent(prev["converted"], prev["eligible"])
    cost_now, cost_before = quantize_cny(this["cost"] or 0), quantize_cny(prev["cost"] or 0)
    volume = _change(this["n"], prev["n"], higher_is_better=False)
    attainment = _points(attainment_now, attainment_before, higher_is_better=True)
    conversion = _points(conversion_now, conversion_before, higher_is_better=True)
    cost = _change(cost_now, cost_before, higher_is_better=False, money=True)
    return [
        Figure("volume", _("新增中差评案件"), f"{this['n']:,}", f"{prev['n']:,}", *volume, drill("all")),
        Figure(
            "first_response",
            _("首次响应达成率"),
            _percent_text(attainment_now),
            _percent_text(attainment_before),
            *attainment,
            drill("first_response_breached"),
        ),
        Figure(
            "conversion",
            _("评价转化率"),
            _percent_text(conversion_now),
            _percent_text(conversion_before),
            *conversion,
            drill("converted"),
        ),
        Figure(
            "cost",
            _("补偿成本(元)"),
            format_cny(cost_now),
            format_cny(cost_before),
            *cost,
            drill("compensated"),
        ),
    ]
