"""Supervisor views of the workspace: approvals waiting, team load with assignment.

The breaches view is the queue's ``breached`` scope (cases.web.workspace.queue). Every assignment
(one case, or many from the team page) goes through ``cases.routing.assign.case_reassign`` (same
eligibility rules as routing, the supervisor's override, the version the page showed, the routing
log and the timeline)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.choices import OPEN_STATUSES, OfferStatus
from cases.models import Case, CompensationOffer
from cases.queries import case_or_404, queue_for, visible_cases
from cases.queries.queue import breached_q, queue_page, unassigned_reasons
from cases.queries.rows import ROW_COLUMNS, choice_labels, queue_row
from cases.routing.assign import (
    RoutingError,
    case_reassign,
    cases_assign_bulk,
    may_override,
)
from cases.routing.eligibility import WORKING_ROLES, standings_for_case
from cases.web.forms.actions import OfferDecisionForm
from cases.web.forms.assign import BulkAssignForm, ReassignForm
from cases.web.workspace import is_overseer
from cases.workflow.guards import roles_of
from reviewdesk.access import CHANGE, restrict
from reviewdesk.choices import Role
from reviewdesk.models import Shop, User

UNASSIGNED_SHOWN = 50  # also the most cases one bulk assignment takes
MAX_ID = 2**63 - 1
ID = re.compile(r"[1-9][0-9]{0,17}")  # a posted id that fits the 64-bit columns


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """Offers waiting for a decision of one of the user's roles (a manager sees every one)."""
    user = request.user
    roles = roles_of(user)
    offers = restrict(
        CompensationOffer.objects.filter(status=OfferStatus.PENDING_APPROVAL), user
    ).select_related("case", "case__shop", "case__review", "requested_by")
    if str(Role.MANAGER) not in roles:
        offers = offers.filter(approval_role__in=roles)
    rows = []
    for offer in offers.order_by("requested_at", "pk")[:200]:
        own = offer.requested_by_id == user.pk
        form_initial = {"version": offer.case.version, "offer_id": offer.pk}
        rows.append(
            {
                "id": offer.pk,
                "case_id": offer.case_id,
                "shop": offer.case.shop.name,
                "order_no": offer.case.review.order_no,
                "option": offer.option_name,
                "amount": f"{offer.amount:.2f}",
                "cost": f"{offer.cost:.2f}",
                "role": offer.get_approval_role_display(),
                "requested_by": str(offer.requested_by),
                "requested_at": offer.requested_at,
                "reason": offer.reason,
                "own": own,
                "form": None if own else OfferDecisionForm(initial=form_initial),
            }
        )
    context = {"rows": rows, "scope": "approvals", "is_overseer": is_overseer(user)}
    return render(request, "cases/workspace/approvals.html", context)


@login_required
@require_GET
def team_load(request: HttpRequest) -> HttpResponse:
    """Each member's open, near-breach and breached cases against their cap; the unassigned queue with
    why routing left each case there, a picker per case (loaded on demand: the people's standing
    depends on the case) and bulk assignment."""
    user = request.user
    if not is_overseer(user):
        raise Http404
    now = timezone.now()
    shops = restrict(Shop.objects.all(), user)
    members = list(
        User.objects.filter(memberships__shop__in=shops, is_active=True, groups__name__in=WORKING_ROLES)
        .distinct()
        .order_by("display_name", "username")
    )
    load = {
        row["assignee_id"]: row
        for row in visible_cases(user)
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(open=Count("pk"), breached=Count("pk", filter=breached_q(now)))
    }
    rows = [
        {
            "id": m.pk,
            "name": str(m),
            "open": load.get(m.pk, {}).get("open", 0),
            "breached": load.get(m.pk, {}).get("breached", 0),
            "cap": m.max_open_cases,
        }
        for m in members
    ]
    for row in rows:
        row["full"] = row["open"] >= row["cap"]
    unassigned, labels = [], choice_labels()
    shop_queue = queue_for(user, scope="shop", now=now)
    page = queue_page(shop_queue, 1, per_page=UNASSIGNED_SHOWN, columns=ROW_COLUMNS).object_list
    reasons = unassigned_reasons(case["pk"] for case in page)
    for case in page:
        row = queue_row(case, labels=labels)
        row["unassigned_reason"] = reasons.get(row["id"], "")
        unassigned.append(row)
    bulk = BulkAssignForm()
    bulk.fields["cases"].choices = [(row["id"], row["id"]) for row in unassigned]
    bulk.fields["user"].choices = [("", _("请选择"))] + [
        (
            row["id"],
            f"{row['name']} · {row['open']}/{row['cap']}" + (str(_("（已满）")) if row["full"] else ""),
        )
        for row in sorted(rows, key=lambda r: (r["full"], r["open"], r["name"]))
    ]
    context = {
        "rows": rows,
        "unassigned": unassigned,
        "bulk": bulk,
        "scope": "team",
        "is_overseer": True,
        "now": now,
    }
    return render(request, "cases/workspace/team.html", context)


def _user(pk: int) -> User | None:
    """The user of a posted id; None for an id no user can have (past the 64-bit column, which SQLite
    would answer with an OverflowError)."""
    return User.objects.filter(pk=pk).first() if 0 < pk < MAX_ID else None


def _safe_next(request: HttpRequest, value: str) -> str:
    """Only a path on this site ("/cases/…"): a bare word ("abc") would be taken for a URL name by
    redirect() and answer 500; anything else is ignored."""
    if not value.startswith("/") or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}
    ):
        return ""
    return value


@login_required
@require_GET
def reassign_form(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: a case's assign form (loaded on demand, so the pages themselves stay within budget): the
    shop's people with their load and standing for this case, eligible first."""
    if not is_overseer(request.user):
        raise Http404
    case = case_or_404(request.user, pk)
    form = ReassignForm(initial={"version": case.version}, auto_id=f"id_reassign_{case.pk}_%s")
    standings = [
        s for s in standings_for_case(case=case, shop_ids=[case.shop_id]) if s.user_id != case.assignee_id
    ]
    form.set_people(standings, may_override=may_override(request.user, case.shop_id))
    context = {
        "form": form,
        "case_id": case.pk,
        "next": _safe_next(request, request.GET.get("next") or ""),
        "nobody": not any(s.eligible for s in standings),
    }
    return render(request, "cases/workspace/_reassign.html", context)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request.user, pk, CHANGE)
    back = _safe_next(request, request.POST.get("next") or "")
    prefix = request.POST.get("prefix") or None
    form = ReassignForm(request.POST, prefix=prefix)
    form.fields["user"].choices = [
        (v, v) for v in request.POST.getlist(f"{prefix}-user" if prefix else "user")
    ]
    if not form.is_valid():
        messages.error(request, _("请选择分配给谁。"))
        return redirect(back) if back else redirect("cases:case_detail", pk=case.pk)
    target = _user(form.cleaned_data["user"])
    if target is None:
        messages.error(request, _("没有这个用户。"))
        return redirect(back) if back else redirect("cases:case_detail", pk=case.pk)
    case.version = form.cleaned_data["version"]
    try:
        case_reassign(
            case=case,
            user=target,
            by=request.user,
            reason=form.cleaned_data.get("reason") or "",
            override=bool(form.cleaned_data.get("override")),
        )
    except ValidationError as error:
        message = "".join(error.messages)
        if getattr(error, "code", None) == RoutingError.STALE:
            message = _("案件刚被其他人更新，没有改派。请查看最新情况后再操作。")
        messages.error(request, message)
    else:
        messages.success(request, _("案件 #%(id)s 已分配给 %(name)s。") % {"id": case.pk, "name": target})
    return redirect(back) if back else redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """The team page's selected unassigned cases to one person, each through ``case_reassign``."""
    if not is_overseer(request.user):
        raise Http404
    form = BulkAssignForm(request.POST)
    ids = [v for v in request.POST.getlist("cases")[:UNASSIGNED_SHOWN] if ID.fullmatch(v)]
    form.fields["cases"].choices = [(v, v) for v in ids]
    form.fields["user"].choices = [(v, v) for v in request.POST.getlist("user")[:1] if ID.fullmatch(v)]
    if not form.is_valid():
        messages.error(request, _("请勾选案件并选择分配给谁。"))
        return redirect("cases:team_load")
    target = _user(form.cleaned_data["user"])
    cases = list(
        restrict(Case.objects.filter(pk__in=form.cleaned_data["cases"]), request.user, CHANGE).order_by("pk")
    )
    if target is None or not cases:
        messages.error(request, _("没有这个用户或案件。"))
        return redirect("cases:team_load")
    outcome = cases_assign_bulk(
        cases=cases,
        user=target,
        by=request.user,
        reason=form.cleaned_data.get("reason") or "",
        override=bool(form.cleaned_data.get("override")),
    )
    if outcome.assigned:
        messages.success(
            request,
            _("%(n)s 个案件已分配给 %(name)s。") % {"n": len(outcome.assigned), "name": target},
        )
    for case_id, why in outcome.refused.items():
        messages.error(request, _("案件 #%(id)s 没有分配：%(why)s") % {"id": case_id, "why": why})
    return redirect("cases:team_load")
