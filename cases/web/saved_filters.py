"""Saved filters: a user names the queue's current filters ("我的VIP超时") and comes back to them in one
click. Each is the user's own (``reviewdesk.models.SavedFilter``): listed, applied and deleted by its owner
only (another user's id answers 404 and changes nothing).

What is kept is the queue's scope and the filter bar's own parameters (``clean_query``: the filters of
``cases.queries.filters.QueueFilterSet``, each value cut to the filter's length; ``page`` and anything
else dropped): applying one is an ordinary GET of the queue, which validates every value as it always
does, so a filter saved before a shop was left simply shows that filter's error."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.queries.filters import QueueFilterSet
from cases.queries.queue import SCOPES
from cases.web.workspace import SUPERVISOR_SCOPES, is_overseer
from reviewdesk.models import SavedFilter
from reviewdesk.roles import hides_buyer_data, reads_cases

SCOPE_URLS = {
    "mine": "cases:queue",
    "shop": "cases:queue_shop",
    "all": "cases:queue_all",
    "breached": "cases:queue_breached",
}
MAX_SAVED = 30  # per user
NAME_MAX = SavedFilter._meta.get_field("name").max_length
QUERY_MAX = SavedFilter._meta.get_field("query").max_length
VALUE_MAX = 100  # the longest filter value (``q``)


def clean_query(raw: str) -> str:
    """Only the filter bar's parameters, one value each (the last, as the queue reads it), non-empty, cut
    to length; in a stable order."""
    data = QueryDict(raw[: QUERY_MAX * 4], mutable=False)
    kept = QueryDict(mutable=True)
    for name in QueueFilterSet.base_filters:
        value = (data.get(name) or "").strip()[:VALUE_MAX]
        if value:
            kept[name] = value
    return kept.urlencode()[:QUERY_MAX]


def clean_name(raw: str) -> str:
    """One line of printable text (control characters dropped), at most the field's length."""
    text = "".join(" " if ch.isspace() else ch for ch in (raw or "") if ch.isspace() or ch.isprintable())
    return " ".join(text.split())[:NAME_MAX]


def _allowed_scope(user, scope: str) -> bool:
    if scope not in SCOPES:
        return False
    return scope not in SUPERVISOR_SCOPES or is_overseer(user) or hides_buyer_data(user)


def _require_reader(user) -> None:
    if not reads_cases(user):
        raise PermissionDenied(_("你的角色不处理案件，没有案件队列。"))


def saved_filter_rows(user, scope: str | None = None) -> list[dict]:
    """The user's saved filters (of one scope, or all), as the template reads them."""
    rows = SavedFilter.objects.filter(user=user).order_by("name", "pk").values("pk", "name", "scope", "query")
    if scope:
        rows = rows.filter(scope=scope)
    return [
        {
            "id": row["pk"],
            "name": row["name"],
            "scope": row["scope"],
            "url": reverse(SCOPE_URLS.get(row["scope"], "cases:queue"))
            + (f"?{row['query']}" if row["query"] else ""),
        }
        for row in rows[:MAX_SAVED]
    ]


@login_required
@require_GET
def saved_filter_list(request: HttpRequest) -> HttpResponse:
    """The user's saved filters: the queue loads the list of its scope (htmx); without script, a page."""
    _require_reader(request.user)
    scope = request.GET.get("scope") or ""
    scope = scope if scope in SCOPES else ""
    context = {
        "saved": saved_filter_rows(request.user, scope or None),
        "scope": scope,
        "is_overseer": is_overseer(request.user),
        "read_only": hides_buyer_data(request.user),
    }
    if request.htmx:
        return render(request, "cases/workspace/_saved_filters.html", context)
    return render(request, "cases/workspace/saved_filters.html", context)


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filters under a name (the same name again replaces its filters)."""
    user = request.user
    _require_reader(user)
    scope = request.POST.get("scope") or ""
    if not _allowed_scope(user, scope):
        raise Http404
    back = reverse(SCOPE_URLS[scope])
    name, query = clean_name(request.POST.get("name", "")), clean_query(request.POST.get("query", ""))
    if not name:
        messages.error(request, _("请给筛选起个名字。"))
        return redirect(back + (f"?{query}" if query else ""))
    existing = SavedFilter.objects.filter(user=user, name=name).first()
    if existing is None and SavedFilter.objects.filter(user=user).count() >= MAX_SAVED:
        messages.error(request, _("最多保存 %(n)s 个筛选，请先删除不用的。") % {"n": MAX_SAVED})
        return redirect(back + (f"?{query}" if query else ""))
    try:
        with transaction.atomic():
            SavedFilter.objects.update_or_create(
                user=user, name=name, defaults={"scope": scope, "query": query}
            )
    except IntegrityError:  # the same name saved twice at once: the other request's row stands
        messages.error(request, _("同名筛选刚被保存，请刷新后再试。"))
    else:
        messages.success(request, _("已保存筛选“%(name)s”。") % {"name": name})
    return redirect(back + (f"?{query}" if query else ""))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved filters; anyone else's (or none) is a 404."""
    _require_reader(request.user)
    deleted, _rows = SavedFilter.objects.filter(pk=pk, user=request.user).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("已删除保存的筛选。"))
    scope = request.POST.get("scope") or ""
    return redirect(SCOPE_URLS[scope] if _allowed_scope(request.user, scope) else "cases:queue")
