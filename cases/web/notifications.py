"""The bell: unread count in the top bar, a paginated list, mark-as-read with htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cases.alerts import notifications_mark_read, unread_count
from cases.models import Notification

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    notifications = Notification.objects.filter(user=request.user).select_related("shop")
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "only_unread": only_unread, "unread": unread_count(user=request.user)}
    return render(request, "cases/notifications/list.html", context)


@login_required
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/notifications/_bell.html", {"unread": unread_count(user=request.user)})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    notification.refresh_from_db()
    if request.htmx:
        context = {"n": notification, "unread": unread_count(user=request.user), "oob": True}
        return render(request, "cases/notifications/_item.html", context)
    return redirect("cases:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("cases:notifications")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and follow the notification's link (only to this site)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        from urllib.parse import urlsplit

        path = urlsplit(target).path
        target = path if path.startswith("/") and not path.startswith("//") else ""
    return redirect(target or "cases:notifications")
