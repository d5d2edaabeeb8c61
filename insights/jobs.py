"""The dashboard's workbook and the weekly report's as jobs (kinds ``insights_export`` and
``weekly_export``, registered in ``insights.apps``).

The job keeps the page's query string (its filters, the table, the week and shop) and builds the workbook
when it runs, with its owner's rights then: the permission ``insights.view_insights`` and the shops
through ``reviewdesk.access.shop_ids_for`` (``insights.views.filters_for`` / ``weekly_for``), so someone
who lost a shop between start and run gets none of its figures.
"""

from __future__ import annotations

import io

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from jobs.choices import JobKind
from jobs.runner import Outcome

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_start(user) -> bool:
    return user.is_active and user.has_perm("insights.view_insights")


def run(job, ctx) -> Outcome:
    from insights.views import Refused, dashboard_workbook, weekly_workbook

    if not may_start(job.owner):
        return Outcome(_("只有运营经理和客服主管可以查看数据看板。"), ok=False)
    query = QueryDict(job.params.get("query", ""))
    build = weekly_workbook if job.kind == JobKind.WEEKLY_EXPORT else dashboard_workbook
    ctx.progress(0, 0, stage="write")
    try:
        name, content = build(query, job.owner)
    except Refused as exc:
        return Outcome(str(exc), ok=False)
    except Http404:
        return Outcome(_("没有这个表格。"), ok=False)
    ctx.check()
    ctx.attach(name, io.BytesIO(content), XLSX_TYPE)
    return Outcome(_("已生成 %(name)s，可下载。") % {"name": name}, counts={"bytes": len(content)})
