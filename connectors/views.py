"""The case page's platform-delivery panel (an htmx fragment, so the case page spends no query on it):
each public reply of the case queued for the platform, delivered / pending / failed, with the platform's
message. Who may see the case may see it (``cases.queries.access.case_or_404``: 404 otherwise); the rows
are narrowed by ``reviewdesk.access.restrict`` and rendered from a whitelisted dict (conventions rule 7)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.queries.access import case_or_404
from connectors.choices import OutboxState
from connectors.models import OutboxReply
from reviewdesk.access import restrict

CSS = {OutboxState.DELIVERED: "ok", OutboxState.FAILED: "bad"}


def delivery_rows(user, case_id: int) -> list[dict]:
    items = restrict(OutboxReply.objects.filter(case_id=case_id), user).order_by("created_at", "pk")
    return [
        {
            "state": item.state,
            "label": str(item.get_state_display()),
            "css": CSS.get(item.state, "warn"),
            "queued_at": item.created_at,
            "delivered_at": item.delivered_at,
            "message": item.platform_message,
            "attempts": item.attempts,
        }
        for item in items.only("state", "created_at", "delivered_at", "platform_message", "attempts")
    ]


@login_required
@require_GET
def case_delivery(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request.user, case_id)
    return render(
        request, "connectors/_case_delivery_rows.html", {"rows": delivery_rows(request.user, case.pk)}
    )
