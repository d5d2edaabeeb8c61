"""The web edge of work orders: the case page's panel (loaded by htmx), raising, the list of my orders, an
order's page where a member answers, and the external answer link (no account).

Reads go through ``cases.queries.access`` (the case) and ``workorders.queries.orders_for`` (the orders);
writes through ``workorders.services``. A refusal is shown in the user's language (a message on the page
it returns to, or the page itself with status 400); an order or case out of reach is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.choices import OPEN_STATUSES, Responsibility
from cases.queries.access import case_for, case_or_404
from cases.workflow.files import download_response
from reviewdesk.access import CHANGE
from reviewdesk.roles import hides_buyer_data
from workorders.choices import WorkOrderStatus
from workorders.models import ExternalContact, RequestType, WorkOrderAttachment
from workorders.queries import list_filters, member_departments, order_rows, orders_for, with_related
from workorders.services import (
    departments_for,
    link_for_token,
    may_answer,
    work_order_answer,
    work_order_raise,
)


def nav_links_for(request) -> list[tuple[str, str]]:
    """The main navigation's link to my work orders (every signed-in user may have some, except a client's
    own staff: work orders are the agency's internal questions)."""
    user = request.user
    if not user.is_authenticated or hides_buyer_data(user):
        return []
    return [(gettext_lazy("内部工单"), reverse("workorders:list"))]


def _raise_choices(shop_id: int) -> list[dict]:
    """The departments of the shop with their request types and external contacts (the raise form)."""
    departments = departments_for(shop_id)
    types = RequestType.objects.filter(department__in=departments, active=True).order_by("sla_minutes", "pk")
    by_department: dict[int, list] = {d.pk: [] for d in departments}
    for request_type in types:
        by_department[request_type.department_id].append(
            {
                "id": request_type.pk,
                "name": request_type.name,
                "hours": round(request_type.sla_minutes / 60, 1),
                "blocking": request_type.blocking,
            }
        )
    contacts: dict[int, list] = {d.pk: [] for d in departments}
    for person in ExternalContact.objects.filter(department__in=departments, active=True):
        contacts[person.department_id].append({"id": person.pk, "name": person.name})
    return [
        {"id": d.pk, "name": d.name, "types": by_department[d.pk], "contacts": contacts[d.pk]}
        for d in departments
    ]


def _responsibility_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Responsibility.choices]


@login_required
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's work orders (an htmx fragment): the list, and the raise form for who may change
    the case while it is open."""
    case = case_or_404(request.user, case_id)
    orders = with_related(orders_for(request.user).filter(case_id=case.pk)).order_by("raised_at", "pk")
    may_raise = case.status in OPEN_STATUSES and case_for(request.user, case.pk, CHANGE) is not None
    context = {
        "case_id": case.pk,
        "orders": order_rows(orders, with_links=True),
        "may_raise": may_raise,
        "departments": _raise_choices(case.shop_id) if may_raise else [],
    }
    return render(request, "workorders/_case_panel.html", context)


@login_required
@require_POST
def raise_order(request: HttpRequest, case_id: int) -> HttpResponse:
    request_type = RequestType.objects.filter(pk=_int(request.POST.get("request_type"))).first()
    try:
        order = work_order_raise(
            case_id=case_id,
            by=request.user,
            department_id=request_type.department_id if request_type else None,
            request_type_id=request.POST.get("request_type"),
            question=request.POST.get("question", ""),
            contact_id=request.POST.get("contact") or None,
            files=request.FILES.getlist("files"),
        )
    except ValidationError as exc:
        if exc.code == "not_found":
            raise Http404(exc.messages[0]) from exc
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("已向%(department)s发起工单，答复截止 %(due)s。")
            % {
                "department": order.department.name,
                "due": timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return redirect(reverse("cases:case_detail", kwargs={"pk": case_id}) + "#work-orders")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_GET
def weekly_page(request: HttpRequest) -> HttpResponse:
    """The week's top issue types (``?week=2026-W47``, last week by default) and the work orders behind
    each: a department member's page for the weekly report (his departments' orders), whoever works cases
    sees his shops'. ``?shop=`` narrows to one shop the user reaches (else a 404); the top issues are
    ranked over the shops in scope (``reviewdesk.access.shop_ids_for``)."""
    from insights.periods import last_complete_week, parse_week
    from reviewdesk.access import shop_ids_for
    from workorders.weekly import orders_behind, top_issues

    try:
        week = parse_week(request.GET["week"]) if request.GET.get("week") else last_complete_week()
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    reach = shop_ids_for(request.user)
    shop_id = _int(request.GET.get("shop"))
    if request.GET.get("shop") and shop_id not in reach:
        raise Http404(_("店铺不存在或无权查看。"))
    shop_ids = [shop_id] if shop_id else sorted(reach)
    top = top_issues(week, shop_ids) if shop_ids else []
    rows = orders_for(request.user).filter(
        pk__in=orders_behind(week, shop_ids, [key for key, _label, _count in top]).values("pk")
    )
    mine = member_departments(request.user)
    if mine.exists():  # a department's member: his departments' orders, not every order of his shops
        rows = rows.filter(department__in=mine)
    orders = list(with_related(rows).select_related("case").order_by("raised_at", "pk"))
    issues = []
    for rank, (key, label, count) in enumerate(top, start=1):
        behind = [o for o in orders if str(o.case.issue_type_id or "") == key]
        issues.append({"rank": rank, "label": label, "count": count, "orders": order_rows(behind)})
    context = {"week": week, "issues": issues, "shop_id": shop_id, "orders_total": len(orders)}
    return render(request, "workorders/weekly.html", context)


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """My orders: those I may see (my departments' for a member), open ones first, most urgent first."""
    rows = with_related(orders_for(request.user)).select_related("case__shop")
    try:
        rows, filtered = list_filters(rows, request.GET)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        filtered = False
    open_rows = rows.filter(status=WorkOrderStatus.OPEN).order_by("due_at", "pk")[:100]
    done_rows = rows.exclude(status=WorkOrderStatus.OPEN).order_by("-answered_at", "-pk")[:50]
    return render(
        request,
        "workorders/list.html",
        {"open_orders": order_rows(open_rows), "done_orders": order_rows(done_rows), "filtered": filtered},
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: what is asked, its clock, its answer; a department member answers here."""
    order = with_related(orders_for(request.user)).filter(pk=_int(pk)).select_related("case").first()
    if order is None:
        raise Http404(_("工单不存在或无权查看。"))
    error, status = "", 200
    if request.method == "POST":
        try:
            work_order_answer(
                order_id=order.pk,
                by=request.user,
                answer=request.POST.get("answer", ""),
                responsibility=request.POST.get("responsibility", ""),
                files=request.FILES.getlist("files"),
            )
        except ValidationError as exc:
            error, status = exc.messages[0], 400
        else:
            messages.success(request, _("答复已提交，案件处理人会在案件时间线上看到。"))
            return redirect("workorders:detail", pk=order.pk)
    (row,) = order_rows([order])
    context = {
        "order": row,
        "may_answer": order.status == WorkOrderStatus.OPEN and may_answer(request.user, order),
        "responsibilities": _responsibility_choices(),
        "error": error,
        "answer_text": request.POST.get("answer", "") if error else "",
    }
    return render(request, "workorders/detail.html", context, status=status)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of an order, for who may see the order (the same answer as an unknown id otherwise)."""
    attachment = WorkOrderAttachment.objects.filter(
        pk=_int(pk), work_order__in=orders_for(request.user)
    ).first()
    if attachment is None:
        raise Http404(_("附件不存在或无权查看。"))
    return download_response(attachment)


@require_http_methods(["GET", "POST"])
def external_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The external contact's page (no account): the question and one answer with files. A bad, used or
    expired link shows why (status 400/410) and nothing of the order."""
    from workorders.services import external_answer as answer_through_link

    token = request.GET.get("t", "")
    try:
        link = link_for_token(pk, token)
    except ValidationError as exc:
        return render(request, "workorders/external.html", {"refusal": exc.messages[0]}, status=410)
    if request.method == "POST":
        try:
            answer_through_link(
                order_id=pk,
                token=token,
                answer=request.POST.get("answer", ""),
                responsibility=request.POST.get("responsibility", ""),
                files=request.FILES.getlist("files"),
            )
        except ValidationError as exc:
            context = _external_context(link)
            context.update(error=exc.messages[0], answer_text=request.POST.get("answer", ""))
            return render(request, "workorders/external.html", context, status=400)
        return render(request, "workorders/external.html", {"done": True})
    return render(request, "workorders/external.html", _external_context(link))


def _external_context(link) -> dict:
    order = link.work_order
    return {
        "contact": link.contact.name,
        "department": order.department.name,
        "request_type": order.request_type.name,
        "question": order.question,
        "case_id": order.case_id,
        "due_at": order.due_at,
        "expires_at": link.expires_at,
        "responsibilities": _responsibility_choices(),
    }
