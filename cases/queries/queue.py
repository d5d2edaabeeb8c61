"""The work queues: which cases a user sees, most urgent first.

``queue_for(user, scope=…, filters=…)`` is shared by the web queue and the REST list (cases.api):
both show the same rows in the same order. Every scope is limited to the user's shops
(reviewdesk.access); the ordering is computed in SQL from the case's own clock columns, so a page
is one query however many cases the database holds:

* ``next_due``: the earliest due time among the clocks still running (first response until the first
  response is recorded, next response while set, public reply until replied, resolution until
  resolved); a far-future sentinel when none runs;
* ``next_warn``: the same for the warn times;
* ``urgency``: 0 = breached (a running clock is past due), 1 = near breach (past its warn time),
  2 = on time; the queue sorts by urgency, then ``next_due``, then id.

Scopes:
* ``mine``: open cases assigned to the user;
* ``shop``: the shops' unassigned queue (open cases nobody has);
* ``all``: every open case of the user's shops (supervisors);
* ``breached``: open cases of the user's shops with a running clock past due.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import DateTimeField, F, Func, IntegerField, Q, QuerySet, Subquery, Value
from django.utils import timezone

from cases.choices import OPEN_STATUSES
from cases.models import Assignment, Case, FollowUpTask
from cases.queries.access import visible_cases
from cases.sla.clocks import CLOCKS
from reviewdesk.access import shop_ids_for
from reviewdesk.i18n_text import render_text

SCOPES = ("mine", "shop", "all", "breached")
PAGE_SIZE = 50
# A page number past this is taken as this one (and then, past the end, as the last page): an offset
# beyond the database's 64-bit integers (?page=99999999999999999999) would fail the query.
MAX_PAGE_NUMBER = 1_000_000
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
URGENCY_BREACHED, URGENCY_NEAR, URGENCY_ON_TIME = 0, 1, 2

# clock → (warn field, due field, field that stops the clock or None), from the one table (cases.sla.clocks)
RUNNING_CLOCKS = tuple((c.warn, c.due, c.done) for c in CLOCKS)


class EarliestRunning(Func):
    """The earliest time of one kind (``index`` 0 = warn, 1 = due) among the clocks still running:
    ``LEAST(COALESCE(CASE WHEN <stop> IS NULL THEN <time> END, <sentinel>), …)`` (``MIN`` on SQLite).

    One expression over plain columns, written out here: the equivalent tree of Least / Coalesce /
    Case / When nodes cost more Python to build and compile (a page compiles it three times: the
    page's ids, the rows, and urgency) than PostgreSQL took to run the whole query."""

    function = "LEAST"
    output_field = DateTimeField()

    def __init__(self, index: int):
        columns = [F(name) for clock in RUNNING_CLOCKS for name in (clock[index], clock[2]) if name]
        super().__init__(*columns, Value(NO_DEADLINE, output_field=DateTimeField()))

    def as_sql(self, compiler, connection, function=None, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        sentinel, sentinel_params = compiled.pop()
        parts, params, columns = [], [], iter(compiled)
        for clock in RUNNING_CLOCKS:
            time_sql, time_params = next(columns)
            if clock[2]:
                stop_sql, stop_params = next(columns)
                time_sql, time_params = (
                    f"CASE WHEN {stop_sql} IS NULL THEN {time_sql} END",
                    [*stop_params, *time_params],
                )
            parts.append(f"COALESCE({time_sql}, {sentinel})")
            params += [*time_params, *sentinel_params]
        return f"{function or self.function}({', '.join(parts)})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="MIN", **extra_context)


class Urgency(Func):
    """0 = breached (``next_due`` ≤ now), 1 = near breach (``next_warn`` ≤ now), 2 = on time."""

    output_field = IntegerField()

    def __init__(self, next_due, next_warn, now: dt.datetime):
        super().__init__(next_due, next_warn, Value(now, output_field=DateTimeField()))

    def as_sql(self, compiler, connection, **extra_context):
        (due, due_params), (warn, warn_params), (now, now_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = (
            f"CASE WHEN {due} <= {now} THEN {URGENCY_BREACHED} WHEN {warn} <= {now} THEN {URGENCY_NEAR} "
            f"ELSE {URGENCY_ON_TIME} END"
        )
        return sql, [*due_params, *now_params, *warn_params, *now_params]


def with_deadlines(queryset: QuerySet[Case], *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Annotate ``next_due``, ``next_warn`` and ``urgency`` (see the module docstring)."""
    now = now or timezone.now()
    return queryset.annotate(next_due=EarliestRunning(1), next_warn=EarliestRunning(0)).annotate(
        urgency=Urgency(F("next_due"), F("next_warn"), now)
    )


def breached_q(now: dt.datetime) -> Q:
    """Open clocks past due (first response, next response, public reply, resolution)."""
    q = Q()
    for _warn, due, stop in RUNNING_CLOCKS:
        clause = Q(**{f"{due}__lte": now})
        if stop:
            clause &= Q(**{f"{stop}__isnull": True})
        q |= clause
    return q


def queue_for(
    user,
    *,
    scope: str = "mine",
    filters=None,
    now: dt.datetime | None = None,
    token=None,
) -> QuerySet[Case]:
    """The cases of ``scope`` (see the module docstring) the user (within ``token``'s shops, for the API)
    may see, narrowed by ``filters`` (a ``QueueFilterSet``), most urgent first.

    Rows come with review, shop, issue type and assignee joined, and ``next_due`` / ``next_warn`` /
    ``urgency`` annotated. An unknown scope raises ValueError.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown queue scope {scope!r}")
    now = now or timezone.now()
    cases = visible_cases(user, token=token).filter(status__in=OPEN_STATUSES)
    if scope == "mine":
        cases = cases.filter(assignee_id=user.pk)
    elif scope == "shop":
        cases = cases.filter(assignee__isnull=True)
    elif scope == "breached":
        cases = cases.filter(breached_q(now))
    searching = False
    if filters is not None:  # a cases.queries.filters.QueueFilterSet (web and API alike)
        cases = filters.narrow(cases)
        searching = _searches(filters)
    cases = (
        with_deadlines(cases, now=now)
        .select_related("review", "shop", "issue_type", "assignee")
        .defer("decision_windows", "malicious_signals", "matched_keywords", "review__reply_content")
        .order_by("urgency", "next_due", "pk")
    )
    cases.few_rows = searching  # read by queue_page (a clone does not carry it: pass this queryset)
    return cases


def _searches(filters) -> bool:
    """Is a valid exact search (order number, sub-order number, buyer nick) among the filters? Its
    matches are a handful of rows (indexed columns), whatever the queue's size."""
    if not filters.is_bound:
        return False
    cleaned = getattr(filters.form, "cleaned_data", None) or {}
    return bool((cleaned.get("q") or "").strip())


def unassigned_reasons(case_ids) -> dict[int, str]:
    """Why routing left each of these cases unassigned (its newest routing attempt, when that found
    nobody: who could have taken it and what stopped each), in one query for a whole page; in the
    reader's language (routing stores it language-neutral, ``reviewdesk.i18n_text``)."""
    case_ids = list(case_ids)
    if not case_ids:
        return {}
    rows = (
        Assignment.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "-created_at", "-pk")
        .values_list("case_id", "to_user_id", "reason")
    )
    newest: dict[int, str | None] = {}
    for case_id, to_user_id, reason in rows:
        if case_id not in newest:
            newest[case_id] = reason if to_user_id is None else None
    return {case_id: render_text(reason) for case_id, reason in newest.items() if reason}


# The open tasks of the user's shops that are due are few (the partial index
# ``followup_open_shop_due``); the user's cases are many. Left to itself the planner joins the other
# way round (a merge join walking the whole case table by primary key, or a hash join over it), so the
# due tasks are computed first and each looks up its case's assignee by primary key (a scalar subquery
# runs per row, by index).
_DUE_FOLLOW_UPS_SQL = """
WITH due AS MATERIALIZED (
    SELECT t.id, t.case_id, t.name, t.channel, t.instructions, t.due_at,
           (SELECT c.assignee_id FROM {case} c WHERE c.id = t.case_id) AS assignee_id
    FROM {task} t
    WHERE t.done_at IS NULL AND t.skipped_reason = '' AND t.shop_id IN ({shops}) AND t.due_at <= %s
)
SELECT d.id, d.case_id, d.name, d.channel, d.instructions, d.due_at, s.name, r.order_no, r.buyer_nick
FROM due d
JOIN {case} c ON c.id = d.case_id
JOIN {review} r ON r.id = c.review_id
JOIN {shop} s ON s.id = c.shop_id
WHERE d.assignee_id = %s
ORDER BY d.due_at, d.id
LIMIT %s
"""


def due_follow_ups_for(user, *, now: dt.datetime | None = None, limit: int = 50) -> list[dict]:
    """Open follow-up tasks that are due, on cases the user owns (in their shops): they head the
    user's queue. One query; rows as dicts (id, case_id, name, channel, instructions, due_at, shop,
    order_no, buyer_nick)."""
    from django.db import connection

    from reviewdesk.models import Shop

    now = now or timezone.now()
    shop_ids = sorted(shop_ids_for(user))
    if not shop_ids:
        return []
    tables = {
        "task": FollowUpTask._meta.db_table,
        "case": Case._meta.db_table,
        "shop": Shop._meta.db_table,
        "review": Case._meta.get_field("review").related_model._meta.db_table,
        "shops": ", ".join(["%s"] * len(shop_ids)),
    }
    sql = _DUE_FOLLOW_UPS_SQL.format(**tables)
    if connection.vendor != "postgresql":
        sql = sql.replace("AS MATERIALIZED", "AS")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*shop_ids, connection.ops.adapt_datetimefield_value(now), user.pk, limit])
        rows = cursor.fetchall()
    keys = ("id", "case_id", "name", "channel", "instructions", "due_at", "shop", "order_no", "buyer_nick")
    tasks = [dict(zip(keys, row, strict=True)) for row in rows]
    if connection.vendor != "postgresql":  # SQLite hands back text for computed columns of a CTE
        field = FollowUpTask._meta.get_field("due_at")
        for task in tasks:
            task["due_at"] = (
                field.to_python(task["due_at"]) if isinstance(task["due_at"], str) else task["due_at"]
            )
            if timezone.is_naive(task["due_at"]):
                task["due_at"] = timezone.make_aware(task["due_at"], dt.UTC)
    return tasks


def queue_page(
    cases: QuerySet[Case], number, *, per_page: int = PAGE_SIZE, columns: tuple[str, ...] = ()
) -> Page:
    """One page of a queue (``queue_for``) in ONE query, shaped so its cost does not grow with the
    joins:

    * the page's ids are picked from the case table alone (a subquery sorted by urgency and limited),
      and only those rows are joined to their review, shop, … (joining first would look up the
      review of every matching case before the sort — a supervisor's 3,000 open cases for 50 rows);
    * the total rides along as an uncorrelated scalar subquery (``COUNT`` over the same filters, run
      once) instead of a separate COUNT query.

    Rows are cases, or with ``columns`` the dicts of ``cases.values(*columns)``. Only a page past the
    end costs a second query (to find the last)."""
    try:
        number = min(max(int(number or 1), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    if number == 1 and getattr(cases, "few_rows", False):
        page = _few_rows_page(cases, per_page, columns)
        if page is not None:
            return page
    offset = (number - 1) * per_page
    page_ids = cases.values("pk")[offset : offset + per_page]
    total = cases.order_by().annotate(queue_total=Func(F("pk"), function="COUNT")).values("queue_total")
    rows = list(
        (cases.values(*columns) if columns else cases)
        .filter(pk__in=page_ids)
        .annotate(queue_total=Subquery(total))
    )
    paginator = Paginator(cases.values(*columns) if columns else cases, per_page)
    if rows:
        first = rows[0]
        paginator.count = first["queue_total"] if columns else first.queue_total  # no COUNT query
        return Page(rows, number, paginator)
    try:
        return paginator.page(number)  # empty: page 1 of nothing, or past the end → clamp
    except (EmptyPage, PageNotAnInteger):
        return paginator.page(paginator.num_pages)


def _few_rows_page(cases: QuerySet[Case], per_page: int, columns: tuple[str, ...]) -> Page | None:
    """Page 1 of a search (``queue_for``'s ``few_rows``) in one plain query: the matches are a handful,
    so the rows are joined and sorted directly, and when fewer than a page come back their number is
    the total (no COUNT, no id subquery: a third of the Python a page spends building SQL). A full page
    (a nick with many cases) answers None: the general path pages and counts it."""
    rows = list((cases.values(*columns) if columns else cases)[:per_page])
    if len(rows) >= per_page:
        return None
    paginator = Paginator(cases.values(*columns) if columns else cases, per_page)
    paginator.count = len(rows)  # no COUNT query
    return Page(rows, 1, paginator)
