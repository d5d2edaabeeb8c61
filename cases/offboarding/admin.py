"""The admin's way to start a client's export: an action on the client list (reviewdesk's ``ClientAdmin``),
added from here so that reviewdesk imports nothing of cases. Offered only to who may offboard
(``access.may_offboard``); the job checks again when it runs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.offboarding.access import may_offboard, offboard_refusal
from reviewdesk.models import Client


@admin.action(description=gettext_lazy("导出所选品牌方的全部数据(后台任务)"), permissions=["offboard"])
def export_client(modeladmin, request, queryset):
    from jobs.choices import JobKind
    from jobs.services import job_start

    clients = list(queryset[:2])
    if len(clients) != 1:
        modeladmin.message_user(request, _("请只选择一个品牌方。"), messages.ERROR)
        return None
    refusal = offboard_refusal(request.user, clients[0])
    if refusal:
        modeladmin.message_user(request, refusal, messages.ERROR)
        return None
    job = job_start(kind=JobKind.CLIENT_EXPORT, owner=request.user, params={"client": clients[0].code})
    return redirect("jobs:detail", pk=job.pk)


def add_to_client_admin(site=admin.site) -> None:
    """Give the registered ClientAdmin the action and its permission check (idempotent)."""
    client_admin = site._registry.get(Client)
    if client_admin is None:
        return
    client_admin.has_offboard_permission = lambda request: may_offboard(request.user)
    if export_client not in (client_admin.actions or ()):
        client_admin.actions = [*(client_admin.actions or ()), export_client]


add_to_client_admin()
