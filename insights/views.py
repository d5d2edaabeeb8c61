"""Insights pages: the dashboard (+ XLSX of its tables), the weekly Top-3 report, the unresolved list.

Managers and supervisors (permission ``insights.view_insights``) see them, for their own shops only.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insights import charts
from insights.exports import tables_xlsx, weekly_xlsx
from insights.forms import DEFAULT_DAYS, DashboardFilterForm, WeeklyForm
from insights.models import WeeklyReport
from insights.periods import local_today
from insights.selectors.couriers import courier_table
from insights.selectors.dashboard import Filters
from insights.selectors.dashboard import dashboard as dashboard_tables
from insights.selectors.summary import summary
from insights.selectors.unresolved import unresolved_by_owner
from insights.selectors.weekly import weekly_top3
from insights.services.rollup import rollup_refreshed_at
from insights.tables import Table
from reviewdesk.access import client_shop_ids, restrict, shop_ids_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STORED_REPORTS = 12  # the newest stored weekly reports the weekly page links to


def _require(request):
    if not request.user.has_perm("insights.view_insights"):
        raise PermissionDenied(_("只有运营经理和客服主管可以查看数据看板。"))


KPI_DAYS = 7  # the manager's home: the last seven days against the seven before


def home_panel(request):
    """The manager's KPIs (``insights.selectors.summary``): the last seven days against the seven
    before, each linking to its cases, for the shops they may see now."""
    from reviewdesk.choices import Role
    from reviewdesk.roles import user_roles

    user = request.user
    if not user.is_authenticated or not user.has_perm("insights.view_insights"):
        return None
    if str(Role.MANAGER) not in user_roles(user):
        return None  # a supervisor's home is the team board; the dashboard stays in the navigation
    end = local_today()
    filters = Filters(shop_ids=_scope(user, None), start=end - dt.timedelta(days=KPI_DAYS - 1), end=end)
    query = urlencode({"start": filters.start.isoformat(), "end": filters.end.isoformat()})
    return {
        "title": _("近7天关键指标"),
        "template": "insights/_home_panel.html",
        "order": 10,
        "wide": True,
        "context": {
            "figures": summary(filters) if filters.shop_ids else [],
            "start": filters.start,
            "end": filters.end,
            "query": query,
        },
    }


def nav_link(request) -> list[tuple[str, str]]:
    """The dashboard in the main navigation (reviewdesk.hooks.nav_links) for who may see it."""
    if not request.user.is_authenticated or not request.user.has_perm("insights.view_insights"):
        return []
    return [(_("数据看板"), reverse("insights:dashboard"))]


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
    return response


def _scope(user, shop, client=None) -> tuple[int, ...]:
    """The shops a page covers: the chosen shop, else the chosen client's (品牌方) within reach, else all
    the user's (reviewdesk.access; the filter form refused a shop or client out of reach)."""
    visible = shop_ids_for(user) if client is None else client_shop_ids(user, client)
    return tuple(sorted({shop.pk} & visible if shop else visible))


def _filters(request) -> tuple[DashboardFilterForm, Filters | None]:
    return filters_for(request.GET, request.user)


def filters_for(query: QueryDict, user) -> tuple[DashboardFilterForm, Filters | None]:
    """The dashboard's filters from a query string, within the shops ``user`` may see now (a job reads
    them again with its owner's rights when it runs)."""
    data = query.copy()
    end = local_today()
    data.setdefault("end", end.isoformat())
    data.setdefault("start", (end - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    form = DashboardFilterForm(data, user=user)
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    return form, Filters(
        shop_ids=_scope(user, cleaned.get("shop"), cleaned.get("client")),
        start=cleaned["start"],
        end=cleaned["end"],
        platform=cleaned.get("platform") or "",
    )


def _series(table: Table, first: int, last: int) -> list[tuple[str, list]]:
    return [(table.headers[i], table.column(i)) for i in range(first, last)]


def _draw(table: Table) -> None:
    """Attach the chart of a table (drawn from its own rows)."""
    body = [r for r in table.rows if r and r[0] != _("合计")]
    if table.key in ("daily", "weekly"):
        categories = [str(r[0]) for r in table.rows]
        table.chart = charts.stacked_bars(
            categories, _series(table, 1, len(table.headers) - 3), title=table.title
        )
    elif table.key in ("share", "sla", "conversion"):
        column = {"share": 2, "sla": 4, "conversion": 3}[table.key]
        table.chart = charts.hbars(
            [r[0] for r in body], [r[column] for r in body], title=table.title, maximum=100, suffix="%"
        )
    elif table.key == "acceptance":
        table.chart = charts.hbars(
            [r[0] for r in body],
            [r[3] for r in body],
            title=table.title,
            maximum=100,
            suffix="%",
            markers=[r[4] for r in body],
        )
    elif table.key in ("cost_option", "cost_issue"):
        table.chart = charts.hbars([r[0] for r in body], [r[2] for r in body], title=table.title)
    elif table.key == "workload":
        table.chart = charts.hbars([r[0] for r in body], [r[2] for r in body], title=table.title)


def _all_tables(filters: Filters) -> list[Table]:
    tables = dashboard_tables(filters)
    tables.insert(4, courier_table(shop_ids=filters.shop_ids, as_of=filters.end))
    return tables


@login_required
def dashboard(request):
    _require(request)
    form, filters = _filters(request)
    context = {"form": form, "filters": filters, "tables": [], "refreshed_at": rollup_refreshed_at()}
    if filters is None:
        return render(request, "insights/dashboard.html", context, status=400)
    tables = _all_tables(filters)
    kept = {k: v for k, v in request.GET.items() if k in ("shop", "client", "platform") and v}
    links = _case_links(request.user, filters, kept)
    for table in tables:
        _draw(table)
        table.cases_url, table.cases_label = links.get(table.key, links["all"])
    context.update(
        tables=tables,
        query=request.GET.urlencode(),
        export_url=reverse("insights:dashboard_export"),
        summary=summary(filters, query=kept),
        summary_days=(filters.end - filters.start).days + 1,
    )
    return render(request, "insights/dashboard.html", context)


# Which cases each table is about: a drill-down of the attainment page's case list (the range's cases
# of the same filters), or for the open workload the queue of every open case.
TABLE_DRILLS = {
    "sla": "breached",
    "conversion": "converted",
    "cost_option": "compensated",
    "cost_issue": "compensated",
    "acceptance": "compensated",
    "appeals": "appealed",
}


def _case_links(user, filters: Filters, kept: dict) -> dict[str, tuple[str, str]]:
    """table key → (the URL of its cases, the link's words); "all" for any other table."""
    from insights.attainment.query import DRILLS

    base = {**kept, "start": filters.start.isoformat(), "end": filters.end.isoformat()}
    cases = reverse("insights:attainment_cases")
    links = {
        key: (
            f"{cases}?{urlencode({**base, 'drill': drill})}",
            _("查看%(what)s") % {"what": DRILLS[drill][0]},
        )
        for key, drill in TABLE_DRILLS.items()
    }
    links["all"] = (f"{cases}?{urlencode({**base, 'drill': 'all'})}", _("查看这些案件"))
    queue = {k: v for k, v in kept.items() if k in ("shop", "client", "platform")}
    links["workload"] = (
        reverse("cases:queue_all") + (f"?{urlencode(queue)}" if queue else ""),
        _("查看在办案件"),
    )
    return links


class Refused(Exception):
    """The query cannot be exported (its message, in the reader's language, says why)."""


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def dashboard_workbook(query: QueryDict, user) -> tuple[str, bytes]:
    """The dashboard's tables (``table=all`` or one key) as XLSX for ``user``'s shops: (file name, bytes).
    Raises ``Refused`` for bad filters, ``Http404`` for an unknown table."""
    form, filters = filters_for(query, user)
    if filters is None:
        raise Refused(_form_errors(form))
    tables = _all_tables(filters)
    key = query.get("table", "all")
    if key != "all":
        tables = [t for t in tables if t.key == key]
        if not tables:
            raise Http404(_("没有这个表格。"))
    caption = _("%(start)s 至 %(end)s") % {"start": filters.start, "end": filters.end}
    return f"insights-{key}-{filters.start}-{filters.end}.xlsx", tables_xlsx(tables, caption=caption)


@login_required
def dashboard_export(request):
    _require(request)
    try:
        filename, content = dashboard_workbook(request.GET, request.user)
    except Refused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _xlsx_response(content, filename)


@login_required
@require_POST
def export_job(request, kind: str):
    """The dashboard's workbook (``dashboard``) or the weekly report's (``weekly``), written by a job
    (``insights.jobs``) from the page's query string; the answer is the job's page. Bad filters answer
    400 here, before any job exists."""
    from jobs.choices import JobKind
    from jobs.services import job_start

    _require(request)
    try:
        if kind == "weekly":
            job_kind = JobKind.WEEKLY_EXPORT
            form, data = weekly_for(request.GET, request.user)
            if data is None:
                raise Refused(_form_errors(form))
        else:
            job_kind = JobKind.INSIGHTS_EXPORT
            form, filters = filters_for(request.GET, request.user)
            if filters is None:
                raise Refused(_form_errors(form))
    except Refused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    job = job_start(kind=job_kind, owner=request.user, params={"query": request.GET.urlencode()})
    return redirect("jobs:detail", pk=job.pk)


def _weekly(request):
    return weekly_for(request.GET, request.user)


def weekly_for(query: QueryDict, user):
    """The weekly Top-3 of a query string (week, shop) within ``user``'s shops: (form, data or None)."""
    form = WeeklyForm(query, user=user)
    if not form.is_valid():
        return form, None
    week, shop = form.cleaned_data["week"], form.cleaned_data.get("shop")
    client = form.cleaned_data.get("client")
    scope = shop.name if shop else client.name if client else _("全部店铺")
    return form, weekly_top3(week=week, shop_ids=_scope(user, shop, client), scope=scope)


def weekly_workbook(query: QueryDict, user) -> tuple[str, bytes]:
    form, data = weekly_for(query, user)
    if data is None:
        raise Refused(_form_errors(form))
    suffix = query.get("shop") or (f"client-{query['client']}" if query.get("client") else "all")
    return f"top3-{data.week.key}-{suffix}.xlsx", weekly_xlsx(data)


@login_required
def weekly(request):
    _require(request)
    form, data = _weekly(request)
    status = 400 if data is None else 200
    stored = restrict(WeeklyReport.objects.select_related("shop", "client"), request.user)
    return render(
        request,
        "insights/weekly.html",
        {
            "form": form,
            "data": data,
            "query": request.GET.urlencode(),
            "stored": stored.order_by("-week", "client_id", "shop_id")[:STORED_REPORTS],
        },
        status=status,
    )


@login_required
def weekly_download(request):
    _require(request)
    try:
        filename, content = weekly_workbook(request.GET, request.user)
    except Refused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return _xlsx_response(content, filename)


@login_required
def report_download(request, pk: int):
    """A stored report (the link in the weekly notification), within ``reviewdesk.access`` (a shop's for
    its shop's people, a client's for who reaches every shop of the client, the all-shops one for who
    sees every shop: ``insights.admin.report_rows``); anything else is not found."""
    if not (
        request.user.has_perm("insights.view_insights") or request.user.has_perm("insights.view_weeklyreport")
    ):
        raise PermissionDenied(_("你没有查看周报的权限。"))
    report = get_object_or_404(
        restrict(WeeklyReport.objects.select_related("shop", "client"), request.user), pk=pk
    )
    if not report.file:
        raise Http404
    name = f"top3-{report.week}-{report.scope_code}.xlsx"
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
def unresolved(request):
    _require(request)
    now = timezone.now()
    groups = unresolved_by_owner(shop_ids=shop_ids_for(request.user), now=now)
    return render(
        request,
        "insights/unresolved.html",
        {"groups": groups, "now": now, "today": local_today(now), "total": sum(len(g.cases) for g in groups)},
    )
