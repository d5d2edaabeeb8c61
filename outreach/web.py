"""The agent's "发送短信" on the case page: the side panel (``reviewdesk.hooks.case_panels``) and its POST.

The panel is shown when the case's shop (or its client) has an active SMS account, to who works cases and
is not read-only (not a client viewer, not HR): the shop's templates of purpose "contact" and "care" of
that account's provider, read in one query. The POST goes through ``sms_send_to_buyer`` (limits, quiet
hours, compliance, opt-outs, the timeline); the buyer's phone is never shown here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.errors import WorkflowError
from cases.queries import case_or_404
from outreach.choices import SmsPurpose
from outreach.models import SmsAccount, SmsTemplate
from outreach.services.buyer import sms_send_to_buyer
from policies.layers import rank_of
from reviewdesk.access import CHANGE, is_read_only
from reviewdesk.roles import works_cases

PANEL_PURPOSES = (SmsPurpose.CONTACT, SmsPurpose.CARE)


def _templates_for(shop) -> list[SmsTemplate]:
    """The templates the agent may pick for ``shop``, in one query: those of the provider of the shop's
    account (its own, else its client's), the most specific layer per code; none without an account."""
    own = Q(shop_id=shop.pk)
    if shop.client_id:
        own |= Q(client_id=shop.client_id, shop__isnull=True)
    provider = Subquery(
        SmsAccount.objects.filter(own, active=True)
        .order_by(F("shop_id").asc(nulls_last=True), "pk")
        .values("provider")[:1]
    )
    layer = Q(shop__isnull=True, client__isnull=True) | Q(shop_id=shop.pk)
    if shop.client_id:
        layer |= Q(client_id=shop.client_id)
    rows = SmsTemplate.objects.filter(layer, active=True, purpose__in=PANEL_PURPOSES).filter(
        provider=provider
    )
    chosen: dict[str, SmsTemplate] = {}
    for row in sorted(rows.only("pk", "code", "name", "purpose", "text", "shop_id", "client_id"), key=_order):
        chosen.setdefault(row.code, row)
    return sorted(chosen.values(), key=lambda row: (row.purpose != SmsPurpose.CONTACT, row.code))


def _order(row) -> tuple:
    return (row.code, -rank_of(row), row.pk)


def sms_panel(request: HttpRequest, case) -> dict | None:
    """The registered builder: a loader, no query (the roles were read with the shops), so the case page's
    budget does not move; htmx replaces it with ``case_sms_panel`` (the panel, or nothing)."""
    user = request.user
    if not case.is_open or not works_cases(user) or is_read_only(user):
        return None
    return {
        "title": "",
        "template": "outreach/_case_sms_loader.html",
        "context": {"case_id": case.pk},
        "place": "side",
    }


def panel_context(case) -> dict | None:
    """What the panel offers on ``case`` (one query), or None when its shop has no active SMS account."""
    templates = _templates_for(case.shop)
    if not templates:
        return None
    return {
        "case_id": case.pk,
        "version": case.version,
        "templates": [
            {"code": t.code, "name": t.name, "purpose": t.get_purpose_display(), "text": t.text}
            for t in templates
        ],
    }


@login_required
@require_GET
def case_sms_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The panel's fragment: who may act on the case (else 404), the panel or an empty answer."""
    case = case_or_404(request.user, case_id, CHANGE)
    context = panel_context(case) if case.is_open and not is_read_only(request.user) else None
    if context is None:
        return HttpResponse("")
    return render(request, "outreach/_case_sms.html", {"panel": context})


@login_required
@require_POST
def case_sms(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request.user, case_id, CHANGE)
    back = redirect("cases:case_detail", pk=case.pk)
    code = (request.POST.get("template") or "").strip()
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("页面缺少案件版本，请刷新后重试。"))
        return back
    if not code:
        messages.error(request, _("请选择短信模板。"))
        return back
    try:
        sms_send_to_buyer(case_id=case.pk, by=request.user, version=version, template_code=code)
    except ValidationError as error:
        if getattr(error, "code", None) == WorkflowError.STALE:
            messages.error(
                request, _("案件刚被其他人更新，你的操作没有执行。下面是最新的案件，请确认后再操作。")
            )
        else:
            messages.error(request, "".join(error.messages))
        return back
    messages.success(request, _("短信已提交发送"))
    return back
