"""The admin's export of a large table as a job (kind ``admin_export``): an admin action any ModelAdmin
lists (``actions = [export_in_background]``; the cases', reviews' and ledger's admins do).

What is exported is what the changelist shows: its ``list_display`` columns, rendered as the admin renders
them (choices by their labels, masked values masked), of the rows the action chose — the ticked rows, or,
with "select all", every row of the changelist's filters, search and ordering. Nothing is computed in the
request but the choice: the job rebuilds the changelist when it runs, as its owner then (the admin's
``get_queryset``, scoped by ``reviewdesk.admin_scope``, narrowed again by ``reviewdesk.access.restrict``),
so a person who lost a shop between start and run exports none of its rows. The file is CSV (UTF-8 with
BOM, for Excel), every cell through ``reviewdesk.spreadsheets.safe_text``.
"""

from __future__ import annotations

import csv
import io
import tempfile

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field, lookup_field
from django.http import QueryDict
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.choices import JobKind
from jobs.runner import Outcome
from reviewdesk.access import VIEW, restrict
from reviewdesk.spreadsheets import safe_text

REPORT_EVERY = 500  # rows between two progress reports (each checks for a cancellation)
IGNORED_PARAMS = ("action", "select_across", "index", "_selected_action")


def may_start(user) -> bool:
    return user.is_active and user.is_staff


@admin.action(description=gettext_lazy("后台导出所选(CSV)"), permissions=["view"])
def export_in_background(modeladmin, request, queryset):
    """Start the job; the answer is its page. Ticked rows are remembered by id (one page of them at
    most); "select all" remembers the changelist's query string instead."""
    from jobs.services import job_start

    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in IGNORED_PARAMS:
            query.setlist(key, values)
    params = {"model": modeladmin.model._meta.label_lower, "query": query.urlencode()}
    if request.POST.get("select_across") != "1":
        params["ids"] = [str(pk) for pk in request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)]
    job = job_start(kind=JobKind.ADMIN_EXPORT, owner=request.user, params=params)
    modeladmin.message_user(request, _("已在后台开始导出，完成后铃铛会提醒你。"), messages.SUCCESS)
    return redirect("jobs:detail", pk=job.pk)


def _changelist_rows(job):
    """(model admin, the columns, the rows) as the owner's changelist would list them now, or None."""
    try:
        model = apps.get_model(job.params.get("model", ""))
        model_admin = admin.site._registry[model]
    except (LookupError, ValueError, KeyError):
        return None
    info = (model._meta.app_label, model._meta.model_name)
    request = RequestFactory().get(
        reverse("admin:{}_{}_changelist".format(*info)), QueryDict(job.params.get("query", ""))
    )
    request.user = job.owner
    if not may_start(job.owner) or not model_admin.has_view_permission(request):
        return None
    changelist = model_admin.get_changelist_instance(request)
    rows = restrict(changelist.get_queryset(request), job.owner, VIEW)
    if "ids" in job.params:
        rows = rows.filter(pk__in=job.params["ids"])
    columns = [name for name in changelist.list_display if name != "action_checkbox"]
    return model_admin, columns, rows


def _cell(name, obj, model_admin) -> str:
    empty = model_admin.get_empty_value_display()
    try:
        field, attr, value = lookup_field(name, obj, model_admin)
    except Exception:  # a display method that fails on one row: an empty cell, not a failed export
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and not getattr(field, "flatchoices", None) and field.is_relation:
        text = "" if value is None else str(value)
    elif field is not None:
        text = display_for_field(value, field, empty)
    else:
        text = display_for_value(value, empty)
    return safe_text(strip_tags(str(text)))


def run(job, ctx) -> Outcome:
    found = _changelist_rows(job)
    if found is None:
        return Outcome(_("你没有查看这些数据的权限。"), ok=False)
    model_admin, columns, rows = found
    total = rows.count()
    ctx.progress(0, total, stage="write")
    out = tempfile.TemporaryFile(prefix="reviewdesk-admin-export-")
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([safe_text(str(label_for_field(n, model_admin.model, model_admin))) for n in columns])
    done = 0
    for obj in rows.iterator(chunk_size=2000):
        writer.writerow([_cell(name, obj, model_admin) for name in columns])
        done += 1
        if done % REPORT_EVERY == 0:
            ctx.progress(done, max(total, done), stage="write")
    ctx.progress(done, max(total, done), stage="write")
    text.flush()
    size = out.tell()
    text.detach()
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{model_admin.model._meta.model_name}-{stamp}.csv"
    ctx.attach(name, out, "text/csv; charset=utf-8")
    return Outcome(
        _("已导出 %(n)d 行：%(name)s，可下载。") % {"n": done, "name": name},
        counts={"rows": done, "bytes": size},
    )
