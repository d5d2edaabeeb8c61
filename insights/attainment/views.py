"""The SLA attainment page, its XLSX, and the list of cases behind each of its figures.

Who may see the dashboard may see these (``insights.view_insights``), for the shops they may see now
(the dashboard's filters, ``insights.views._filters``). The case list shows no buyer data: the case
number, shop, status, times and agent.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from insights.attainment.query import DIMENSIONS, DRILLS, attainment, drill_cases
from insights.exports import tables_xlsx
from insights.tables import Table
from insights.views import _filters, _require, _xlsx_response

PAGE_SIZE = 50
COUNTED = ("all", "first_response_breached", "breached", "low_csat", "reopened")


def _dimension(request) -> str:
    by = request.GET.get("by", "agent")
    return by if by in DIMENSIONS else "agent"


def _base_query(request) -> dict:
    """The filters of the page, without the page's own keys (what a drill-down link carries on)."""
    return {k: v for k, v in request.GET.items() if k in ("shop", "platform", "start", "end")}


def _headers() -> list[str]:
    return [
        _("案件数"),
        _("首次响应超时"),
        _("超时案件"),
        _("满意度低于3分"),
        _("重新打开"),
        _("首次响应达成率(%)"),
        _("首次响应用时中位数(分钟)"),
        _("首次响应用时P90(分钟)"),
        _("解决达成率(%)"),
        _("解决用时中位数(小时)"),
        _("解决用时P90(小时)"),
    ]


def _values(row) -> list:
    return [
        *(row.counts[key] for key in COUNTED),
        row.first_response_rate,
        row.first_response_median,
        row.first_response_p90,
        row.resolution_rate,
        row.resolution_median,
        row.resolution_p90,
    ]


@login_required
def attainment_page(request):
    _require(request)
    by = _dimension(request)
    form, filters = _filters(request)
    context = {
        "form": form,
        "filters": filters,
        "by": by,
        "dimensions": [(key, str(d.label)) for key, d in DIMENSIONS.items()],
        "headers": _headers(),
    }
    if filters is None:
        return render(request, "insights/attainment.html", context, status=400)
    base = _base_query(request)
    cases_url = reverse("insights:attainment_cases")
    lines = []
    for row in attainment(filters, by, now=timezone.now()):
        link = {**base, "by": by} if row.key is None else {**base, "by": by, "key": row.key}
        cells = [
            (value, f"{cases_url}?{urlencode({**link, 'drill': key})}" if value else "")
            for key, value in zip(COUNTED, _values(row)[: len(COUNTED)], strict=True)
        ]
        cells += [(value, "") for value in _values(row)[len(COUNTED) :]]
        lines.append({"label": row.label, "cells": cells, "total": row.key is None})
    context.update(
        lines=lines,
        query=urlencode({**base, "by": by}),
        dimension_label=str(DIMENSIONS[by].label),
    )
    return render(request, "insights/attainment.html", context)


@login_required
def attainment_export(request):
    _require(request)
    by = _dimension(request)
    form, filters = _filters(request)
    if filters is None:
        return render(request, "insights/attainment.html", {"form": form, "filters": None}, status=400)
    table = Table("attainment", _("时效达成"), [str(DIMENSIONS[by].label), *_headers()])
    for row in attainment(filters, by, now=timezone.now()):
        table.rows.append([row.label, *_values(row)])
    caption = _("%(start)s 至 %(end)s") % {"start": filters.start, "end": filters.end}
    return _xlsx_response(
        tables_xlsx([table], caption=caption), f"attainment-{by}-{filters.start}-{filters.end}.xlsx"
    )


@login_required
def attainment_cases(request):
    """The cases behind one figure of the page (``by``, ``key`` — absent for the totals — and ``drill``)."""
    _require(request)
    by = _dimension(request)
    drill = request.GET.get("drill", "all")
    form, filters = _filters(request)
    context = {"form": form, "filters": filters, "by": by}
    if filters is None or drill not in DRILLS:
        if drill not in DRILLS:
            context["refusal"] = _("没有这种案件清单。")
        return render(request, "insights/attainment_cases.html", context, status=400)
    key = request.GET.get("key")
    cases = (
        drill_cases(filters, by, key, drill, now=timezone.now())
        .select_related("shop", "assignee")
        .only(
            "pk",
            "status",
            "platform",
            "opened_at",
            "first_responded_at",
            "resolved_at",
            "sla_breached_at",
            "sla_tier_name",
            "shop__name",
            "assignee__display_name",
            "assignee__username",
        )
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = dict(CaseStatus.choices)
    context.update(
        page=page,
        rows=[
            {
                "pk": case.pk,
                "url": reverse("cases:case_detail", kwargs={"pk": case.pk}),
                "shop": case.shop.name,
                "status": str(statuses.get(case.status, case.status)),
                "opened_at": case.opened_at,
                "first_responded_at": case.first_responded_at,
                "resolved_at": case.resolved_at,
                "breached_at": case.sla_breached_at,
                "tier": case.sla_tier_name,
                "agent": (case.assignee.display_name or case.assignee.username) if case.assignee else "—",
            }
            for case in page.object_list
        ],
        drill_label=str(DRILLS[drill][0]),
        back=f"{reverse('insights:attainment')}?{urlencode({**_base_query(request), 'by': by})}",
        query=urlencode({k: v for k, v in request.GET.items() if k != "page"}),
    )
    return render(request, "insights/attainment_cases.html", context)
