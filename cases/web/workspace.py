"""The agent workspace, read side: the queues, the case page, evidence downloads.

Writes (the workflow actions, the composer's compliance check, revealing contact data, uploads)
are in ``workspace_actions``; the supervisor pages in ``workspace_supervisor``. Every case read
goes through ``cases.queries`` (``case_or_404``, ``visible_cases``): another shop's case is a 404,
whatever its id.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Value
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases.models import Case, Evidence
from cases.queries import case_or_404, due_follow_ups_for, queue_for
from cases.queries.queue import queue_page, unassigned_reasons
from cases.queries.rows import ROW_COLUMNS, choice_labels, follow_up_row, queue_rows
from cases.web.forms.queue import QueueFilterBar
from cases.web.workspace_context import case_page_context
from cases.workflow.files import download_response
from policies.models import IssueType, SlaTier
from reviewdesk.access import restrict
from reviewdesk.choices import Role
from reviewdesk.models import Client, Shop
from reviewdesk.pii import mask_nick
from reviewdesk.roles import hides_buyer_data, reads_cases, user_roles, works_cases

QUEUE_TITLES = {
    "mine": _("我的队列"),
    "shop": _("店铺待分配"),
    "all": _("店铺全部在办案件"),
    "breached": _("已超时案件"),
}
SUPERVISOR_SCOPES = {"all", "breached"}
OVERSEERS = {str(Role.SUPERVISOR), str(Role.MANAGER)}


def is_overseer(user) -> bool:
    return user.is_superuser or bool(user_roles(user) & OVERSEERS)


def _filter_choices(user) -> tuple[list, list, list, list]:
    """The user's shops, the issue types, the SLA tier names and the user's clients in ONE UNION query,
    so the whole queue page stays within its budget of 10 with room to spare (the shop rule costs no
    query of its own: the queue's role check has loaded the user's shops, or it is a subquery)."""
    shop_rows = restrict(Shop.objects.all(), user).order_by().values_list(Value("shop"), "pk", "name", "code")
    client_rows = restrict(Client.objects.all(), user).order_by()
    client_rows = client_rows.values_list(Value("client"), "pk", "name", "code")
    issue_rows = (
        IssueType.objects.filter(active=True).order_by().values_list(Value("issue"), "pk", "name", "code")
    )
    tier_rows = (
        restrict(SlaTier.objects.filter(active=True), user)  # a client's or shop's tier is theirs alone
        .order_by()
        .values_list(Value("tier"), Value(0), "name", "name")
    )
    shops, issue_types, tiers, clients = [], [], set(), []
    for kind, pk, name, code in shop_rows.union(issue_rows, tier_rows, client_rows, all=True):
        if kind == "client":
            clients.append((code, name))
        elif kind == "shop":
            shops.append(Shop(pk=pk, name=name, code=code))
        elif kind == "issue":
            issue_types.append((code, name))  # the filter's value is the code, as in the API
        else:
            tiers.add(name)
    return (
        sorted(shops, key=lambda shop: shop.code),
        sorted(issue_types, key=lambda row: row[1]),
        sorted(tiers),
        sorted(clients),
    )


@login_required
@require_GET
def queue(request: HttpRequest, scope: str = "mine") -> HttpResponse:
    user = request.user
    viewer = hides_buyer_data(user)  # the client viewer reads their shops' lists, masked (read-only)
    if scope in SUPERVISOR_SCOPES and not (is_overseer(user) or viewer):
        raise Http404
    if not reads_cases(user):
        raise PermissionDenied(_("你的角色不处理案件，没有案件队列。"))
    now = timezone.now()
    shops, issue_types, tiers, clients = _filter_choices(user)
    filters = QueueFilterBar(
        request.GET, user=user, shops=shops, issue_types=issue_types, tiers=tiers, clients=clients
    )
    cases = queue_for(user, scope=scope, filters=filters, now=now)
    page = queue_page(cases, request.GET.get("page"), columns=ROW_COLUMNS)
    query = request.GET.copy()
    query.pop("page", None)
    labels = choice_labels()
    rows = queue_rows(page.object_list, labels=labels)
    if viewer:
        for row in rows:
            row["buyer_nick"] = mask_nick(row["buyer_nick"])
    if scope == "shop":  # why each case is still waiting (routing's per-candidate reasons): one query
        reasons = unassigned_reasons(row["id"] for row in rows)
        for row in rows:
            row["unassigned_reason"] = reasons.get(row["id"], "")
    context = {
        "scope": scope,
        "title": QUEUE_TITLES[scope],
        "form": filters.form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "follow_ups": [follow_up_row(task, labels=labels) for task in due_follow_ups_for(user, now=now)]
        if scope == "mine"
        else [],
        "is_overseer": is_overseer(user),
        "read_only": viewer,  # the client viewer's sub-navigation: the lists they read, nothing to work
        "now": now,
    }
    if request.htmx and request.htmx.target == "queue-results":
        return render(request, "cases/workspace/_queue_results.html", context)
    return render(request, "cases/workspace/queue.html", context)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from reviewdesk.hooks import case_panels

    case = case_or_404(request.user, pk)
    context = case_page_context(case, request.user)
    panels = [panel for panel in (build(request, case) for build in case_panels.all()) if panel]
    context["main_panels"] = [panel for panel in panels if panel.get("place", "main") == "main"]
    context["side_panels"] = [panel for panel in panels if panel.get("place") == "side"]
    return render(request, "cases/workspace/case.html", context)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    """A private evidence file, only to users who may see its case (MEDIA_ROOT is never served)."""
    if hides_buyer_data(request.user):  # chat screenshots carry buyers' personal data: not for the client
        raise Http404
    case = case_or_404(request.user, pk, queryset=Case.objects.only("pk"))
    evidence = get_object_or_404(Evidence, pk=evidence_id, case=case)
    return download_response(evidence)


def nav_links_for(request) -> list[tuple[str, str]]:
    """Main-navigation links of the workspace (registered in reviewdesk.hooks.nav_links): from the
    user's roles, which the navigation already reads, so no extra query."""
    from django.urls import reverse

    user = request.user
    if hides_buyer_data(user):  # the client viewer: their shops' case lists, read-only
        return [(_("案件列表"), reverse("cases:queue_all")), (_("超时"), reverse("cases:queue_breached"))]
    if not works_cases(user):
        return []
    roles = user_roles(user)
    links = [(_("我的队列"), reverse("cases:queue")), (_("待分配"), reverse("cases:queue_shop"))]
    if is_overseer(user) or str(Role.LEGAL) in roles:
        links.append((_("待审批"), reverse("cases:approvals")))
    if is_overseer(user):
        links += [(_("超时"), reverse("cases:queue_breached")), (_("团队负载"), reverse("cases:team_load"))]
    from cases.imports.submit import may_import_reviews  # the upload page's own rule

    if may_import_reviews(user):
        links.append((_("导入评价"), reverse("cases:import-upload")))
    return links
