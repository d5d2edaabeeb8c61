"""Every figure of the dashboard, for a set of (already permitted) shops, a platform and a date range.

Review counts come from the daily rollup (insights.models.ReviewRollup); case figures from the cases
opened in the range (index ``case_shop_opened``). Definitions, as the tests state them:

- 中评 = rating 3, 差评 = rating ≤ 2 (the rating the review was counted with, see services.rollup).
- SLA attainment per target = met / (met + breached); a clock still running and not yet due is
  "pending" and left out. First response and resolution: met = done at or before the due time;
  breached = done after it, or not done and already due. Public reply is needed only while private
  contact has not settled the case: a case closed without one is not counted. Next response (the
  clock restarts at each buyer answer): breaches are the SLA sweep's breach events, the denominator
  the buyer answers recorded on the timeline.
- Time to first response: wall-clock minutes from opening to the first response; median as usual
  (mean of the two middle values for an even count), p90 by nearest rank (⌈0.9·n⌉-th smallest).
- Conversion rate: cases whose platform allowed a revision, converted (a later import showed a
  better rating) / all such cases.
- Compensation cost: cost of offers the buyer accepted. Acceptance rate: accepted / answered offers,
  beside the option's expected acceptance (policies.CompensationOption.expected_acceptance). Offers
  of the cases opened in the range, read from the offers rollup (insights.models.OfferRollup).
- Appeals: filed in the range; won / lost / pending.
- Open workload: cases open now (not limited to the range); overdue = past the resolution target.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES, AppealOutcome, OfferStatus, WorkflowAction
from cases.models import Appeal, Case, CaseEvent, SlaEvent
from cases.notifications.choices import SlaEventKind, SlaTarget
from cases.sla.clocks import CLOCKS
from insights.choices import Dimension
from insights.hooks import dashboard_tables as dashboard_hooks
from insights.models import OfferRollup, ReviewRollup
from insights.periods import day_start, week_of
from insights.tables import Table, percent
from policies.models import CompensationOption
from reviewdesk.choices import Platform
from reviewdesk.money import quantize_cny

UNCLASSIFIED = "—"


@dataclass(frozen=True)
class Filters:
    shop_ids: tuple[int, ...]
    start: dt.date
    end: dt.date  # inclusive
    platform: str = ""

    @property
    def start_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return day_start(self.end + dt.timedelta(days=1))

    def cases(self):
        cases = Case.objects.filter(
            shop_id__in=self.shop_ids, opened_at__gte=self.start_at, opened_at__lt=self.end_at
        )
        return cases.filter(platform=self.platform) if self.platform else cases

    def offer_rollup(self):
        rows = OfferRollup.objects.filter(shop_id__in=self.shop_ids, day__gte=self.start, day__lte=self.end)
        return rows.filter(platform=self.platform) if self.platform else rows

    def rollup(self, dimension: str):
        rows = ReviewRollup.objects.filter(
            shop_id__in=self.shop_ids, dimension=dimension, day__gte=self.start, day__lte=self.end
        )
        return rows.filter(platform=self.platform) if self.platform else rows


def _issue_rows(filters: Filters) -> list[dict]:
    return list(
        filters.rollup(Dimension.ISSUE_TYPE)
        .values("day", "key", "label")
        .annotate(neutral_n=Sum("neutral"), negative_n=Sum("negative"))
        .filter(Q(neutral_n__gt=0) | Q(negative_n__gt=0))
        .order_by("day", "key")
    )


def issue_tables(filters: Filters) -> tuple[Table, Table, Table]:
    """中差评 per day and per ISO week by issue type, and each issue type's share of the range."""
    rows = _issue_rows(filters)
    labels: dict[str, str] = {}
    per_day: dict[dt.date, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        labels[row["key"]] = row["label"] or UNCLASSIFIED
        per_day[row["day"]][row["key"]][0] += row["neutral_n"]
        per_day[row["day"]][row["key"]][1] += row["negative_n"]
        totals[row["key"]] += row["neutral_n"] + row["negative_n"]
    keys = sorted(labels, key=lambda k: (labels[k] == UNCLASSIFIED, labels[k]))
    headers = [*(labels[k] for k in keys), _("中评"), _("差评"), _("合计")]

    def line(first, counts):
        neutral = sum(c[0] for c in counts.values())
        negative = sum(c[1] for c in counts.values())
        return [first, *(sum(counts.get(k, [0, 0])) for k in keys), neutral, negative, neutral + negative]

    daily = Table("daily", _("每日中差评(按问题类型)"), [_("日期"), *headers])
    day = filters.start
    while day <= filters.end:
        daily.rows.append(line(day.isoformat(), per_day.get(day, {})))
        day += dt.timedelta(days=1)
    per_week: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for day, counts in per_day.items():
        for key, (neutral, negative) in counts.items():
            per_week[week_of(day).key][key][0] += neutral
            per_week[week_of(day).key][key][1] += negative
    weekly = Table("weekly", _("每周中差评(按问题类型，ISO周，北京时间)"), [_("周"), *headers])
    week, last = week_of(filters.start), week_of(filters.end)
    while week.monday <= last.monday:
        weekly.rows.append(line(week.key, per_week.get(week.key, {})))
        week = week_of(week.monday + dt.timedelta(days=7))
    whole = sum(totals.values())
    share = Table("share", _("问题类型占比"), [_("问题类型"), _("中差评数"), _("占比(%)")])
    for key in sorted(keys, key=lambda k: (-totals[k], labels[k])):
        share.rows.append([labels[key], totals[key], percent(totals[key], whole)])
    share.rows.append([_("合计"), whole, percent(whole, whole)])
    return daily, weekly, share


# The clocks a case stops by doing something (cases.sla.clocks), each with whether only cases still open
# count as late while it runs (a closed case's unanswered first response still counts as missed).
SLA_TARGETS = [(c.target, c.due, c.done, c.target != SlaTarget.FIRST_RESPONSE) for c in CLOCKS if c.done]


def breached(due: str, done: str, only_open_pending: bool, now: dt.datetime) -> Q:
    """A clock missed at ``now``: done after its due time, or not done and already due (for a clock
    that runs only while the case is open, only while it is)."""
    not_done_late = Q(**{f"{done}__isnull": True, f"{due}__lt": now})
    if only_open_pending:
        not_done_late &= Q(status__in=OPEN_STATUSES)
    return Q(**{f"{due}__isnull": False}) & (Q(**{f"{done}__gt": F(due)}) | not_done_late)


def sla_aggregates(now: dt.datetime) -> dict:
    aggregates = {}
    for target, due, done, only_open_pending in SLA_TARGETS:
        has_due = Q(**{f"{due}__isnull": False})
        aggregates[f"{target}_met"] = Count("pk", filter=has_due & Q(**{f"{done}__lte": F(due)}))
        aggregates[f"{target}_breached"] = Count("pk", filter=breached(due, done, only_open_pending, now))
        aggregates[f"{target}_pending"] = Count(
            "pk",
            filter=has_due
            & Q(**{f"{done}__isnull": True, f"{due}__gte": now})
            & (Q(status__in=OPEN_STATUSES) if only_open_pending else Q()),
        )
    return aggregates


def _conversion_aggregates() -> dict:
    allowed = Q(revision_allowed=True)
    aggregates = {}
    for platform in Platform.values:
        aggregates[f"{platform}_eligible"] = Count("pk", filter=allowed & Q(platform=platform))
        aggregates[f"{platform}_converted"] = Count(
            "pk", filter=allowed & Q(platform=platform, conversion_candidate_at__isnull=False)
        )
    return aggregates


def case_figures(filters: Filters, *, now: dt.datetime) -> dict:
    """SLA counts, response-time percentiles and conversions of the range's cases in ONE scan of them
    (on PostgreSQL; SQLite reads the response times separately)."""
    aggregates = {**sla_aggregates(now), **_conversion_aggregates()}
    if connection.vendor == "postgresql":
        waited = ExpressionWrapper(F("first_responded_at") - F("opened_at"), output_field=DurationField())
        responded = Q(first_responded_at__isnull=False)
        aggregates.update(
            responded_n=Count("pk", filter=responded),
            median=Percentile(waited, function="percentile_cont", fraction=0.5, filter=responded),
            p90=Percentile(waited, function="percentile_disc", fraction=0.9, filter=responded),
        )
    figures = filters.cases().aggregate(**aggregates)
    if connection.vendor != "postgresql":
        figures["responded_n"], figures["median"], figures["p90"] = _response_minutes(filters.cases())
    return figures


def _counts(**querysets) -> dict[str, int]:
    """``queryset.count()`` of each, in one round trip (each one is a sub-select of a single SELECT)."""
    parts, params = [], []
    for name, queryset in querysets.items():
        sql, args = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{name})")
        params.extend(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def sla_table(filters: Filters, *, now: dt.datetime, figures: dict | None = None) -> Table:
    cases = filters.cases()
    counts = figures or case_figures(filters, now=now)
    events = _counts(
        answers=CaseEvent.objects.filter(case__in=cases, action=WorkflowAction.BUYER_REPLIED),
        breaches=SlaEvent.objects.filter(
            case__in=cases, target=SlaTarget.NEXT_RESPONSE, kind=SlaEventKind.BREACH
        ),
    )
    answers, next_breaches = events["answers"], events["breaches"]
    table = Table(
        "sla",
        _("时效达成率"),
        [_("时效目标"), _("达标"), _("超时"), _("进行中"), _("达成率(%)")],
        note=_("达成率 = 达标 /(达标 + 超时)；买家回复后再响应以每次买家回复为一次计时。"),
    )
    for target in (
        SlaTarget.FIRST_RESPONSE,
        SlaTarget.NEXT_RESPONSE,
        SlaTarget.PUBLIC_REPLY,
        SlaTarget.RESOLUTION,
    ):
        if target == SlaTarget.NEXT_RESPONSE:
            met, breached, pending = max(answers - next_breaches, 0), next_breaches, 0
        else:
            met, breached, pending = (
                counts[f"{target}_met"],
                counts[f"{target}_breached"],
                counts[f"{target}_pending"],
            )
        table.rows.append([str(target.label), met, breached, pending, percent(met, met + breached)])
    return table


def nearest_rank(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


class Percentile(Aggregate):
    """PostgreSQL ordered-set aggregate over minutes: percentile_cont(0.5) is the usual median,
    percentile_disc(0.9) the nearest-rank p90 — the same definitions as the Python fallback."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / 60)"
    output_field = FloatField()

    def __init__(self, expression, *, function: str, fraction: float, filter=None):  # noqa: A002 - Aggregate's name
        self.function = function
        super().__init__(expression, fraction=fraction, filter=filter)


def _response_minutes(cases) -> tuple[int, float | None, float | None]:
    responded = cases.filter(first_responded_at__isnull=False)
    minutes = [
        (done - opened).total_seconds() / 60
        for opened, done in responded.values_list("opened_at", "first_responded_at")
    ]
    return len(minutes), (statistics.median(minutes) if minutes else None), nearest_rank(minutes, 0.9)


def response_time_table(filters: Filters, *, figures: dict | None = None) -> Table:
    figures = figures or case_figures(filters, now=timezone.now())
    count, median, p90 = figures["responded_n"], figures["median"], figures["p90"]
    table = Table(
        "response_time", _("首次响应用时(分钟，自然时间)"), [_("已响应案件"), _("中位数"), _("P90")]
    )
    table.rows.append(
        [count, None if median is None else round(median, 1), None if p90 is None else round(p90, 1)]
    )
    return table


def conversion_table(filters: Filters, *, figures: dict | None = None) -> Table:
    figures = figures or case_figures(filters, now=timezone.now())
    rows = [
        {"platform": p, "eligible": figures[f"{p}_eligible"], "converted": figures[f"{p}_converted"]}
        for p in sorted(Platform.values)
        if figures[f"{p}_eligible"]
    ]
    labels = dict(Platform.choices)
    table = Table(
        "conversion",
        _("评价转化率(仅限允许买家修改评价的平台)"),
        [_("平台"), _("可转化案件"), _("已转化"), _("转化率(%)")],
    )
    total_eligible = total_converted = 0
    for row in rows:
        total_eligible += row["eligible"]
        total_converted += row["converted"]
        table.rows.append(
            [
                str(labels.get(row["platform"], row["platform"])),
                row["eligible"],
                row["converted"],
                percent(row["converted"], row["eligible"]),
            ]
        )
    table.rows.append([_("合计"), total_eligible, total_converted, percent(total_converted, total_eligible)])
    return table


def compensation_tables(filters: Filters) -> tuple[Table, Table, Table]:
    """One grouped query of the offers rollup (option × issue type) folded into the three tables."""
    groups = (
        filters.offer_rollup()
        .values("option_id", "option_name", "issue_type__name")
        .annotate(
            answered=Sum(
                "offers", filter=Q(answer__in=[OfferStatus.ACCEPTED, OfferStatus.DECLINED]), default=0
            ),
            accepted=Sum("offers", filter=Q(answer=OfferStatus.ACCEPTED), default=0),
            cost=Sum("cost", filter=Q(answer=OfferStatus.ACCEPTED)),
            expected=Subquery(
                CompensationOption.objects.filter(pk=OuterRef("option_id"))
                .order_by()
                .values("expected_acceptance")
            ),
        )
        .order_by()
    )
    by_option: dict[tuple[str, int], list] = defaultdict(lambda: [0, 0, 0])
    by_issue: dict[str, list] = defaultdict(lambda: [0, 0])
    expected: dict[int, int | None] = {}
    for row in groups:
        expected[row["option_id"]] = row["expected"]
        option = by_option[(row["option_name"], row["option_id"])]
        option[0] += row["answered"]
        option[1] += row["accepted"]
        option[2] += row["cost"] or 0
        if row["accepted"]:
            issue = by_issue[row["issue_type__name"] or ""]
            issue[0] += row["accepted"]
            issue[1] += row["cost"] or 0
    cost = Table("cost_option", _("补偿成本(按方案，买家已接受)"), [_("方案"), _("接受次数"), _("成本(元)")])
    acceptance = Table(
        "acceptance",
        _("各补偿方案接受率"),
        [_("方案"), _("已答复"), _("接受"), _("接受率(%)"), _("预期接受率(%)")],
        note=_("预期接受率来自补偿规则(质量80%、物流75%、服务90%、误解60%)。"),
    )
    # Sorted here, not by the database: Chinese collation differs between PostgreSQL and SQLite.
    for (name, option_id), (answered, accepted, spent) in sorted(by_option.items()):
        cost.rows.append([name, accepted, quantize_cny(spent)])
        acceptance.rows.append(
            [name, answered, accepted, percent(accepted, answered), expected.get(option_id)]
        )
    cost.rows.append(
        [
            _("合计"),
            sum(v[1] for v in by_option.values()),
            quantize_cny(sum(v[2] for v in by_option.values())),
        ]
    )
    cost_issue = Table("cost_issue", _("补偿成本(按问题类型)"), [_("问题类型"), _("接受次数"), _("成本(元)")])
    for name, (accepted, spent) in sorted(by_issue.items(), key=lambda item: item[0] or "\uffff"):
        cost_issue.rows.append([name or UNCLASSIFIED, accepted, quantize_cny(spent)])
    return cost, cost_issue, acceptance


def appeals_table(filters: Filters) -> Table:
    appeals = Appeal.objects.filter(
        case__shop_id__in=filters.shop_ids, filed_at__gte=filters.start_at, filed_at__lt=filters.end_at
    )
    if filters.platform:
        appeals = appeals.filter(case__platform=filters.platform)
    counts = appeals.aggregate(
        filed=Count("pk"),
        won=Count("pk", filter=Q(outcome=AppealOutcome.WON)),
        lost=Count("pk", filter=Q(outcome=AppealOutcome.LOST)),
    )
    table = Table("appeals", _("平台申诉"), [_("已提交"), _("成功"), _("失败"), _("待结果"), _("成功率(%)")])
    decided = counts["won"] + counts["lost"]
    table.rows.append(
        [
            counts["filed"],
            counts["won"],
            counts["lost"],
            counts["filed"] - decided,
            percent(counts["won"], decided),
        ]
    )
    return table


def workload_table(filters: Filters, *, now: dt.datetime) -> Table:
    cases = Case.objects.filter(shop_id__in=filters.shop_ids, status__in=OPEN_STATUSES)
    if filters.platform:
        cases = cases.filter(platform=filters.platform)
    rows = (
        cases.values("assignee_id", "assignee__display_name", "assignee__username", "assignee__employee_code")
        .annotate(open_n=Count("pk"), overdue=Count("pk", filter=Q(resolution_due_at__lt=now)))
        .order_by()
    )
    rows = sorted(rows, key=lambda r: (-r["open_n"], r["assignee_id"] is None, r["assignee__username"] or ""))
    table = Table(
        "workload",
        _("客服当前在办案件"),
        [_("处理人"), _("工号"), _("在办"), _("已超解决时限")],
        note=_("当前状态，不受日期筛选影响。"),
    )
    for row in rows:
        name = row["assignee__display_name"] or row["assignee__username"] or _("(未分配)")
        table.rows.append([name, row["assignee__employee_code"] or "", row["open_n"], row["overdue"]])
    return table


def dashboard(filters: Filters, *, now: dt.datetime | None = None) -> list[Table]:
    """All dashboard tables, in page order (the courier watch is added by the view), then the tables of
    ``insights.hooks.dashboard_tables``."""
    now = now or timezone.now()
    daily, weekly, share = issue_tables(filters)
    cost, cost_issue, acceptance = compensation_tables(filters)
    figures = case_figures(filters, now=now)
    tables = [
        daily,
        weekly,
        share,
        sla_table(filters, now=now, figures=figures),
        response_time_table(filters, figures=figures),
        conversion_table(filters, figures=figures),
        cost,
        cost_issue,
        acceptance,
        appeals_table(filters),
        workload_table(filters, now=now),
    ]
    for builder in dashboard_hooks.all():  # other apps' tables (insights.hooks), e.g. work orders
        tables.extend(builder(filters, now=now))
    return tables
