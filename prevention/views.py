"""The web edge of prevention: the agents' queue of late-parcel tasks and a task's page where its outcome
is recorded, the risky orders, the measured effect, and the order-export upload. Plus the builders other
apps call: the case page's panel, the dashboard's table, the navigation link.

Reads go through ``prevention.queries`` (``reviewdesk.access``: another shop's task is a 404); writes
through ``prevention.services``. A refusal is shown in the user's language on the page it returns to."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from prevention.choices import TaskOutcome, TaskStatus
from prevention.models import PreventionTask
from prevention.queries import effect_figures, may_read, rate, risk_rows, task_rows, tasks_for, trace_rows
from reviewdesk.access import CHANGE, VIEW, restrict
from reviewdesk.models import Shop
from reviewdesk.roles import hides_buyer_data

EFFECT_DAYS = 30
PAGE_ROWS = 200


def _require_reader(request) -> None:
    if not may_read(request.user):
        raise PermissionDenied(_("只有客服团队可以查看预防任务。"))


def nav_links_for(request) -> list[tuple[str, str]]:
    if not request.user.is_authenticated or not may_read(request.user):
        return []
    return [(gettext_lazy("事前预防"), reverse("prevention:queue"))]


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open tasks first, soonest due first; then the last handled ones."""
    _require_reader(request)
    tasks = tasks_for(request.user)
    open_tasks = tasks.filter(status=TaskStatus.OPEN).order_by("due_at", "pk")[:PAGE_ROWS]
    done_tasks = tasks.filter(status=TaskStatus.DONE).order_by("-done_at", "-pk")[:50]
    context = {
        "open_tasks": task_rows(open_tasks, request.user),
        "done_tasks": task_rows(done_tasks, request.user),
        "may_see_effect": request.user.has_perm("insights.view_insights"),
    }
    return render(request, "prevention/queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    task = tasks_for(request.user).filter(pk=pk).select_related("order", "shop").first()
    if task is None:
        raise Http404(_("没有找到这个预防任务。"))
    may_change = task.status == TaskStatus.OPEN and tasks_for(request.user, CHANGE).filter(pk=pk).exists()
    error = ""
    if request.method == "POST":
        if task.status != TaskStatus.OPEN:
            error = _("该预防任务已处理，请刷新页面。")
        elif not may_change:
            raise PermissionDenied(_("你没有处理这个预防任务的权限。"))
    if request.method == "POST" and not error:
        from prevention.services import prevention_task_record_outcome

        version = request.POST.get("version", "")
        task.version = int(version) if version.isascii() and version.isdigit() and len(version) < 10 else 0
        try:
            prevention_task_record_outcome(
                task=task,
                by=request.user,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, _("已记录处理结果。"))
            return redirect("prevention:queue")
    rows = task_rows(PreventionTask.objects.filter(pk=task.pk), request.user)
    context = {
        "task": rows[0],
        "traces": trace_rows(task),
        "may_change": may_change,
        "outcomes": list(TaskOutcome.choices),
        "error": error,
    }
    return render(request, "prevention/task.html", context, status=400 if error else 200)


@login_required
@require_GET
def risky_orders(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    return render(request, "prevention/risky.html", {"flags": risk_rows(request.user)})


def _effect_table(shop_ids, *, start: dt.datetime, end: dt.datetime) -> tuple[list[str], list[list]]:
    headers = [
        _("店铺"),
        _("延迟订单"),
        _("预防任务"),
        _("已处理任务"),
        _("已预防订单"),
        _("已预防订单差评率"),
        _("未预防订单"),
        _("未预防订单差评率"),
    ]
    rows = [
        [
            f["shop"],
            f["late_orders"],
            f["tasks"],
            f["done"],
            f["prevented"],
            rate(f["prevented_negative"], f["prevented"]),
            f["unprevented"],
            rate(f["unprevented_negative"], f["unprevented"]),
        ]
        for f in effect_figures(shop_ids, start=start, end=end)
    ]
    return headers, rows


@login_required
@require_GET
def effect(request: HttpRequest) -> HttpResponse:
    """Whether prevention pays: late orders, tasks done, and the negative-review rate of the late orders
    the team reached first against the others (the last 30 days)."""
    if not request.user.has_perm("insights.view_insights"):
        raise PermissionDenied(_("只有运营经理和客服主管可以查看数据看板。"))
    shop_ids = list(restrict(Shop.objects.all(), request.user, VIEW).values_list("pk", flat=True))
    now = timezone.now()
    headers, rows = _effect_table(shop_ids, start=now - dt.timedelta(days=EFFECT_DAYS), end=now)
    return render(request, "prevention/effect.html", {"headers": headers, "rows": rows, "days": EFFECT_DAYS})


def dashboard_table(filters, *, now: dt.datetime) -> list:
    """The dashboard's prevention table (``insights.hooks.dashboard_tables``): two queries."""
    from insights.tables import Table

    start = timezone.make_aware(dt.datetime.combine(filters.start, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time()))
    headers, rows = _effect_table(filters.shop_ids, start=start, end=end)
    table = Table(
        "prevention",
        _("事前预防：延迟订单与差评率"),
        headers,
        rows=rows,
        note=_("已预防 = 预防任务的结果为已联系买家或已补偿；差评率 = 该订单后来收到中差评(1–2分)的比例。"),
    )
    return [table]


def case_panel(request, case) -> dict | None:
    """The case page's side panel: the prevention tasks of the case's order (one query)."""
    if not may_read(request.user):
        return None
    rows = [
        {
            "id": pk,
            "reason": PreventionTask(reason=reason).get_reason_display(),
            "opened_at": opened_at,
            "outcome": TaskOutcome(outcome).label if outcome else "",
            "state": TaskStatus(status).label,
        }
        for pk, reason, opened_at, outcome, status in PreventionTask.objects.filter(case_id=case.pk)
        .order_by("opened_at", "pk")
        .values_list("pk", "reason", "opened_at", "outcome", "status")
    ]
    if not rows:
        return None
    return {
        "title": _("事前预防任务"),
        "template": "prevention/_case_panel.html",
        "context": {"tasks": rows},
        "place": "side",
    }


@login_required
@require_http_methods(["GET", "POST"])
def order_import(request: HttpRequest) -> HttpResponse:
    """Upload an order export for one shop (all or nothing; the same file again updates in place)."""
    from cases.imports.submit import may_import_reviews

    if not may_import_reviews(request.user) or hides_buyer_data(request.user):
        raise PermissionDenied(_("只有客服主管和运营经理可以导入订单。"))
    shops = list(restrict(Shop.objects.filter(active=True), request.user, CHANGE).order_by("name"))
    context = {"shops": [{"id": s.pk, "name": s.name} for s in shops], "result": None}
    if request.method == "POST":
        from prevention.orders import order_import as run_import
        from prevention.risk import risk_flag_orders

        shop = next((s for s in shops if str(s.pk) == request.POST.get("shop", "")), None)
        upload = request.FILES.get("file")
        if shop is None or upload is None:
            context["error"] = _("请选择店铺和订单导出文件。")
            return render(request, "prevention/import.html", context, status=400)
        result = run_import(shop=shop, data=upload.read(), file_name=upload.name)
        if result.ok:
            flagged = risk_flag_orders(order_ids=result.order_ids)
            messages.success(
                request,
                _(
                    "已导入订单：新增%(created)d，更新%(updated)d，未变化%(unchanged)d；高风险订单%(flagged)d。"
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "flagged": flagged,
                },
            )
            return redirect("prevention:import")
        context["error"] = result.file_error or _("文件有%(n)d处错误，未导入任何订单。") % {
            "n": result.error_count
        }
        context["errors"] = [e.as_dict() for e in result.errors]
        return render(request, "prevention/import.html", context, status=400)
    return render(request, "prevention/import.html", context)
