"""The shop health pages: the DSR trend of one shop (who may see the insights, for their shops; a shop
out of reach is a 404) and the import of the back-office export (managers of the shop)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insights.health.imports import dsr_import
from insights.health.models import DsrMetric, DsrScore
from insights.periods import local_today
from reviewdesk.access import CHANGE, restrict
from reviewdesk.models import Shop

TREND_DAYS = 30


def _require(user, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _shop_param(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise Http404


def health_trend(*, shop_id: int, end: dt.date, days: int = TREND_DAYS) -> list[dict]:
    """Per score: its rows newest first (day, score, industry average, the gap to it, the change from
    the day before), as plain values for the template."""
    rows = DsrScore.objects.filter(shop_id=shop_id, day__gt=end - dt.timedelta(days=days), day__lte=end)
    by_metric: dict[str, list] = {metric: [] for metric in DsrMetric.values}
    for row in rows.order_by("metric", "day"):
        by_metric[row.metric].append(row)
    tables = []
    for metric, items in by_metric.items():
        lines, before = [], None
        for row in items:
            gap = row.score - row.industry_average if row.industry_average is not None else None
            lines.append(
                {
                    "day": row.day,
                    "score": row.score,
                    "average": row.industry_average,
                    "gap": gap,
                    "below": gap is not None and gap < 0,
                    "change": row.score - before if before is not None else None,
                }
            )
            before = row.score
        tables.append({"metric": DsrMetric(metric).label, "rows": list(reversed(lines))})
    return tables


@login_required
def health(request):
    _require(request.user, "insights.view_insights", _("只有运营经理和客服主管可以查看店铺健康。"))
    shops = list(restrict(Shop.objects.order_by("code"), request.user).values("pk", "code", "name"))
    wanted = _shop_param(request.GET.get("shop"))
    if wanted is not None and wanted not in {s["pk"] for s in shops}:
        raise Http404
    current = next((s for s in shops if s["pk"] == wanted), shops[0] if shops else None)
    end = local_today()
    context = {
        "shops": shops,
        "current": current,
        "tables": health_trend(shop_id=current["pk"], end=end) if current else [],
        "days": TREND_DAYS,
        "end": end,
        "may_import": request.user.has_perm("insights.add_dsrscore"),
    }
    return render(request, "insights/health.html", context)


class DsrImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("后台导出文件(.xlsx/.csv)"))
    shop = forms.ModelChoiceField(
        label=gettext_lazy("店铺"),
        queryset=Shop.objects.none(),
        required=False,
        help_text=gettext_lazy("文件没有“店铺”列时必填。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = restrict(Shop.objects.order_by("code"), user, CHANGE)


@login_required
def health_import(request):
    _require(request.user, "insights.add_dsrscore", _("只有运营经理可以导入店铺评分。"))
    form = DsrImportForm(request.POST or None, request.FILES or None, user=request.user)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = dsr_import(
            data=upload.read(), file_name=upload.name, user=request.user, shop=form.cleaned_data["shop"]
        )
        context.update(
            {
                "errors": result.errors,
                "written": result.written,
                "totals": {
                    "rows": result.rows,
                    "new": result.new,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            }
        )
    return render(request, "insights/health_import.html", context)
