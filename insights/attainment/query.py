"""SLA attainment per group of cases — agent, shop, client (品牌方), issue type or SLA tier — for the dashboard's filters
(permitted shops, platform, the range of days in which the cases were opened).

One row per group, from ONE grouped query (constant in the number of agents or shops; on SQLite the
response times are read by a second query and their percentiles computed here):

- 首次响应 / 解决达成率: met / (met + breached), with the dashboard's definitions
  (``insights.selectors.dashboard.sla_aggregates``): met = done at or before the due time, breached =
  done after it or not done and already due; a clock still running and not due is left out.
- 首次响应用时 median / p90 in minutes and 解决用时 median / p90 in hours, wall-clock from the case's
  opening (median: mean of the two middle values; p90: nearest rank — as the dashboard).
- 超时案件: cases with any clock missed as the rates count it, or a breach the SLA sweep recorded
  (``sla_breached_at``: the next response); 低满意度: a buyer's satisfaction score
  below 3; 重新打开: cases reopened at least once.

Every count has a drill-down (``DRILLS``): the same filters plus the group and the kind of case, listed
by ``drill_cases``.
"""

from __future__ import annotations

import datetime as dt
import operator
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cases.choices import OfferStatus, WorkflowAction
from cases.models import Appeal, CaseEvent, CompensationOffer
from cases.notifications.choices import SlaTarget
from insights.selectors.dashboard import (
    SLA_TARGETS,
    Filters,
    Percentile,
    breached,
    nearest_rank,
    sla_aggregates,
)
from insights.tables import percent

UNASSIGNED = "—"
LOW_CSAT = 3  # a score below this is a dissatisfied buyer


@dataclass(frozen=True)
class Dimension:
    key: str
    label: object
    field: str  # the case field the rows are grouped by: an id, or a tier's name
    by_name: bool = False  # the field is a name ("" when the case has none), not an id


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("agent", gettext_lazy("客服"), "assignee_id"),
        Dimension("shop", gettext_lazy("店铺"), "shop_id"),
        Dimension("client", gettext_lazy("品牌方"), "shop__client_id"),
        Dimension("issue_type", gettext_lazy("问题类型"), "issue_type_id"),
        Dimension("sla_tier", gettext_lazy("时效等级"), "sla_tier_name", by_name=True),
    )
}

_FIRST_RESPONSE = next(t[1:] for t in SLA_TARGETS if t[0] == SlaTarget.FIRST_RESPONSE)

# The drill-downs: key -> (label, the condition on a group's cases at ``now``).
REOPENED = Exists(CaseEvent.objects.filter(case=OuterRef("pk"), action=WorkflowAction.REOPEN))
APPEALED = Exists(Appeal.objects.filter(case=OuterRef("pk")))
ACCEPTED_OFFER = Exists(CompensationOffer.objects.filter(case=OuterRef("pk"), status=OfferStatus.ACCEPTED))
DRILLS = {
    "all": (gettext_lazy("全部案件"), lambda now: Q()),
    "first_response_breached": (
        gettext_lazy("首次响应超时"),
        lambda now: breached(*_FIRST_RESPONSE, now),
    ),
    # Any clock missed — first response, public reply, resolution (as the rates count them) — or a
    # breach the SLA sweep recorded (the next-response clock restarts, so only the sweep knows it).
    "breached": (
        gettext_lazy("超时案件"),
        lambda now: reduce(
            operator.or_,
            (breached(due, done, only_open, now) for _t, due, done, only_open in SLA_TARGETS),
            Q(sla_breached_at__isnull=False),
        ),
    ),
    "low_csat": (gettext_lazy("满意度低于3分"), lambda now: Q(satisfaction_survey__score__lt=LOW_CSAT)),
    "reopened": (gettext_lazy("重新打开"), lambda now: Q(REOPENED)),
    # The dashboard's summary and tables link here too: the converted cases (as the conversion rate
    # counts them), the cases whose buyer accepted an offer (the compensation cost's), those appealed.
    "converted": (
        gettext_lazy("已转化"),
        lambda now: Q(revision_allowed=True, conversion_candidate_at__isnull=False),
    ),
    "compensated": (gettext_lazy("买家接受补偿"), lambda now: Q(ACCEPTED_OFFER)),
    "appealed": (gettext_lazy("提交过平台申诉"), lambda now: Q(APPEALED)),
}


@dataclass
class Row:
    key: str | None  # the group's value in a drill-down link: "" the cases without one, None the total
    label: str
    cases: int = 0
    counts: dict = field(default_factory=dict)  # drill key -> number of cases
    first_response_rate: object = None
    resolution_rate: object = None
    first_response_median: float | None = None  # minutes
    first_response_p90: float | None = None
    resolution_median: float | None = None  # hours
    resolution_p90: float | None = None


def _minutes(expression_from: str, expression_to: str):
    return ExpressionWrapper(F(expression_to) - F(expression_from), output_field=DurationField())


def _aggregates(now: dt.datetime) -> dict:
    sla = sla_aggregates(now)
    aggregates = {
        "n": Count("pk"),
        "fr_met": sla[f"{SlaTarget.FIRST_RESPONSE}_met"],
        "fr_breached": sla[f"{SlaTarget.FIRST_RESPONSE}_breached"],
        "res_met": sla[f"{SlaTarget.RESOLUTION}_met"],
        "res_breached": sla[f"{SlaTarget.RESOLUTION}_breached"],
        **{key: Count("pk", filter=DRILLS[key][1](now)) for key in ("breached", "low_csat", "reopened")},
    }
    if connection.vendor == "postgresql":
        responded = Q(first_responded_at__isnull=False)
        resolved = Q(resolved_at__isnull=False)
        waited = _minutes("opened_at", "first_responded_at")
        took = _minutes("opened_at", "resolved_at")
        aggregates.update(
            fr_median=Percentile(waited, function="percentile_cont", fraction=0.5, filter=responded),
            fr_p90=Percentile(waited, function="percentile_disc", fraction=0.9, filter=responded),
            res_median=Percentile(took, function="percentile_cont", fraction=0.5, filter=resolved),
            res_p90=Percentile(took, function="percentile_disc", fraction=0.9, filter=resolved),
        )
    return aggregates


def _spread(waits: list[float], takes: list[float]) -> dict:
    return {
        "fr_median": statistics.median(waits) if waits else None,
        "fr_p90": nearest_rank(waits, 0.9),
        "res_median": statistics.median(takes) if takes else None,
        "res_p90": nearest_rank(takes, 0.9),
    }


def _python_percentiles(cases, group_field: str) -> tuple[dict, dict]:
    """SQLite: the response and resolution minutes of every case, and their percentiles per group and
    over all (the grouped query computes them itself on PostgreSQL)."""
    waits, takes = defaultdict(list), defaultdict(list)
    for key, opened, responded, resolved in cases.values_list(
        group_field, "opened_at", "first_responded_at", "resolved_at"
    ):
        if responded:
            waits[key].append((responded - opened).total_seconds() / 60)
        if resolved:
            takes[key].append((resolved - opened).total_seconds() / 60)
    per_group = {key: _spread(waits[key], takes[key]) for key in set(waits) | set(takes)}
    everything = _spread([m for ms in waits.values() for m in ms], [m for ms in takes.values() for m in ms])
    return per_group, everything


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _labels(dimension: Dimension, keys: list) -> dict:
    """The names of the groups, in one query (none for a tier: its name is the key)."""
    english = (get_language() or "").startswith("en")
    ids = [k for k in keys if k is not None]
    if dimension.key == "agent":
        from reviewdesk.models import User

        return {
            pk: (name or username)
            for pk, name, username in User.objects.filter(pk__in=ids).values_list(
                "pk", "display_name", "username"
            )
        }
    if dimension.key == "shop":
        from reviewdesk.models import Shop

        return dict(Shop.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension.key == "client":
        from reviewdesk.models import Client

        return dict(Client.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension.key == "issue_type":
        from policies.models import IssueType

        return {
            pk: (name_en if english and name_en else name)
            for pk, name, name_en in IssueType.objects.filter(pk__in=ids).values_list("pk", "name", "name_en")
        }
    return {k: k for k in ids}


def attainment(filters: Filters, dimension: str, *, now: dt.datetime) -> list[Row]:
    """One row per group of the range's cases, biggest group first; the totals are the last row."""
    dim = DIMENSIONS[dimension]
    cases = filters.cases().order_by()
    aggregates = _aggregates(now)
    grouped = list(cases.values(dim.field).annotate(**aggregates).order_by())
    total = cases.aggregate(**aggregates)
    if connection.vendor != "postgresql":
        per_group, everything = _python_percentiles(cases, dim.field)
        for values in grouped:
            values.update(per_group.get(values[dim.field], {}))
        total.update(everything)
    labels = _labels(dim, [values[dim.field] for values in grouped])
    rows = []
    for values in grouped:
        key = values[dim.field]
        none = key in (None, "")
        rows.append(_row(values, "" if none else str(key), UNASSIGNED if none else labels.get(key, str(key))))
    rows.sort(key=lambda r: (-r.cases, r.label))
    rows.append(_row(total, None, _("合计")))
    return rows


def _row(values: dict, key: str | None, label: str) -> Row:
    return Row(
        key=key,
        label=label,
        cases=values["n"],
        counts={
            "all": values["n"],
            "first_response_breached": values["fr_breached"],
            "breached": values["breached"],
            "low_csat": values["low_csat"],
            "reopened": values["reopened"],
        },
        first_response_rate=percent(values["fr_met"], values["fr_met"] + values["fr_breached"]),
        resolution_rate=percent(values["res_met"], values["res_met"] + values["res_breached"]),
        first_response_median=_one_decimal(values.get("fr_median")),
        first_response_p90=_one_decimal(values.get("fr_p90")),
        resolution_median=_hours(values.get("res_median")),
        resolution_p90=_hours(values.get("res_p90")),
    )


def drill_cases(filters: Filters, dimension: str, key: str | None, drill: str, *, now: dt.datetime):
    """The cases behind one figure: the range's cases of one group (``key`` None: every group; "" the
    cases without one) that are of the drill's kind; an id that is not a number finds nothing. Raises KeyError
    for an unknown dimension or drill."""
    dim, (_label, condition) = DIMENSIONS[dimension], DRILLS[drill]
    cases = filters.cases().filter(condition(now))
    if key is None:
        return cases
    if key == "":
        return cases.filter(**({dim.field: ""} if dim.by_name else {f"{dim.field}__isnull": True}))
    if not (dim.by_name or key.isdigit()):
        return cases.none()
    return cases.filter(**{dim.field: key})
