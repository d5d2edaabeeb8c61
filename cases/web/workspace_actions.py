"""The agent workspace, write side: one POST per workflow action, the composer's live compliance
check, revealing the buyer's contact data, evidence uploads.

Every action goes through ``cases.workflow.services.case_act`` with the version the page showed.
A refusal re-renders the case page, fresh from the database, with the service's message (HTTP 409
when someone else changed the case first, 400 otherwise); the refused form keeps its input.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.choices import EvidenceKind, WorkflowAction
from cases.errors import WorkflowError
from cases.queries import case_or_404
from cases.web.forms.actions import ACTION_FORMS, COMPOSER_CHANNEL, EvidenceUploadForm
from cases.web.workspace_context import case_page_context, is_rare, report_dict
from cases.workflow.compose import CONTACT_CHANNEL_RULES, appeal_requirements, check_reply
from cases.workflow.macros import case_apply_macro
from cases.workflow.services import case_act, case_reveal_contact
from cases.workflow.specs import VERBS
from cases.workflow.table import explain_refusal
from reviewdesk.access import CHANGE

OFFER_ACTIONS = {
    WorkflowAction.APPROVE,
    WorkflowAction.REJECT,
    WorkflowAction.BUYER_ACCEPTS,
    WorkflowAction.BUYER_DECLINES,
}


def error_text(error: ValidationError) -> str:
    return "".join(error.messages)


def _composer_channel(action: str, post) -> str | None:
    if action == WorkflowAction.RECORD_CONTACT:
        return str(CONTACT_CHANNEL_RULES.get(post.get("channel"), CONTACT_CHANNEL_RULES["private_message"]))
    channel = COMPOSER_CHANNEL.get(action)
    return str(channel) if channel else None


def _case_page(request: HttpRequest, case, context: dict, *, status: int = 200) -> HttpResponse:
    """case.html with the panels higher apps register, as ``workspace.case_detail`` renders it."""
    from reviewdesk.hooks import case_panels

    panels = [panel for panel in (build(request, case) for build in case_panels.all()) if panel]
    context["main_panels"] = [panel for panel in panels if panel.get("place", "main") == "main"]
    context["side_panels"] = [panel for panel in panels if panel.get("place") == "side"]
    return render(request, "cases/workspace/case.html", context, status=status)


def _refused_page(
    request: HttpRequest, pk: int, *, message: str, stale: bool, bound: dict, composer: dict
) -> HttpResponse:
    case = case_or_404(request.user, pk)  # fresh: the page shows the case as it is now
    if stale:
        bound = {}  # the input was for a case that no longer exists in that form
        composer = {}
    context = case_page_context(case, request.user, bound=bound, composer=composer)
    context["refusal"] = {"message": message, "stale": stale}
    context["refused_rare"] = any(is_rare(key.split(":")[0], case.status) for key in bound)
    return _case_page(request, case, context, status=409 if stale else 400)


def _unconfirmed(case, user, action: str, version: int, data: dict) -> str | None:
    """A destructive or rare step posted without its confirmation box ticked: why it is not run yet.
    Only when it would otherwise run: a stale page or a refused step gets the workflow's own answer."""
    if not is_rare(action, case.status) or case.version != version:
        return None
    if explain_refusal(case, user, action, data) is not None:
        return None
    return _("请勾选“我确认要%(verb)s”后再操作；这一步不常用或不可撤回。") % {"verb": VERBS[action]}


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404
    case = case_or_404(request.user, pk, CHANGE)
    form_class = ACTION_FORMS[action]
    form = form_class(request.POST, auto_id=f"id_{action}_%s")
    form.take_choices_from(request.POST)  # the service validates the values against the case
    key = f"{action}:{request.POST.get('offer_id')}" if action in OFFER_ACTIONS else action
    if not form.is_valid():
        message = _("请检查填写的内容：%(errors)s") % {
            "errors": "；".join(
                f"{form.fields[f].label or f}：{' '.join(e)}" if f in form.fields else " ".join(e)
                for f, e in form.errors.items()
            )
        }
        return _refused_page(request, pk, message=message, stale=False, bound={key: form}, composer={})
    data = form.data_for_service()
    composer = {}
    channel = _composer_channel(action, request.POST)
    if channel and "text" in form.cleaned_data:
        report = check_reply(case, form.cleaned_data.get("text") or "", channel=channel)
        ticked = form.ticked()
        data["acknowledge_warnings"] = {str(f.rule.id) for f in report.warnings} <= ticked
        composer[action] = report_dict(report, ticked=ticked)
    if not request.POST.get("confirm"):
        unconfirmed = _unconfirmed(case, request.user, action, form.cleaned_data["version"], data)
        if unconfirmed:
            return _refused_page(
                request, pk, message=unconfirmed, stale=False, bound={key: form}, composer={}
            )
    try:
        case_act(
            case_id=case.pk, action=action, by=request.user, version=form.cleaned_data["version"], data=data
        )
    except ValidationError as error:
        stale = getattr(error, "code", None) == WorkflowError.STALE
        message = error_text(error)
        if stale:
            message = _("案件刚被其他人更新，你的操作没有执行。下面是最新的案件，请确认后再操作。")
        return _refused_page(request, pk, message=message, stale=stale, bound={key: form}, composer=composer)
    messages.success(request, _("已完成：%(action)s") % {"action": WorkflowAction(action).label})
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def apply_macro(request: HttpRequest, pk: int, macro_id: int) -> HttpResponse:
    """Apply a macro (``cases.workflow.macros``): its offer is made, its text waits in the composer as a
    draft (this response shows it; nothing is posted to the buyer until the agent sends it)."""
    case = case_or_404(request.user, pk, CHANGE)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _refused_page(
            request, pk, message=_("页面缺少案件版本，请刷新后重试。"), stale=False, bound={}, composer={}
        )
    try:
        draft = case_apply_macro(case_id=case.pk, macro_id=macro_id, by=request.user, version=version)
    except ValidationError as error:
        stale = getattr(error, "code", None) == WorkflowError.STALE
        message = error_text(error)
        if stale:
            message = _("案件刚被其他人更新，快捷宏没有执行。下面是最新的案件，请确认后再操作。")
        return _refused_page(request, pk, message=message, stale=stale, bound={}, composer={})
    report = check_reply(draft.case, draft.text, channel=draft.channel)
    context = case_page_context(
        draft.case,
        request.user,
        composer={draft.action: report_dict(report)},
        prefill={draft.action: {"text": draft.text, "template_id": draft.template_id}},
    )
    if draft.needs_approval:
        done = _("已按快捷宏“%(name)s”提交补偿审批申请，话术已放进回复框(尚未发送)。")
    elif draft.offered:
        done = _("已按快捷宏“%(name)s”提出补偿，话术已放进回复框(尚未发送)。")
    else:
        done = _("已按快捷宏“%(name)s”把话术放进回复框(尚未发送)。")
    context["macro_applied"] = {"message": done % {"name": draft.macro.name}, "action": draft.action}
    return _case_page(request, draft.case, context)


@login_required
@require_POST
def compose_check(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """htmx: the compliance report of the composer's current text (blocking rules, warnings, length)."""
    case = case_or_404(request.user, pk, CHANGE)
    channel = _composer_channel(action, request.POST)
    if channel is None:
        raise Http404
    report = check_reply(case, request.POST.get("text", ""), channel=channel)
    context = {
        "report": report_dict(report, ticked=request.POST.getlist("acknowledge_warnings")),
        "action": action,
    }
    return render(request, "cases/workspace/_compliance.html", context)


@login_required
@require_POST
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the buyer's phone and address unmasked (permission checked and recorded by the service)."""
    case = case_or_404(request.user, pk, CHANGE)
    try:
        contact = case_reveal_contact(case_id=case.pk, by=request.user)
    except ValidationError as error:
        if request.htmx:
            return render(
                request,
                "cases/workspace/_contact.html",
                {"error": error_text(error), "case_id": case.pk},
                status=403,
            )
        messages.error(request, error_text(error))
        return redirect("cases:case_detail", pk=case.pk)
    context = {"revealed": contact, "case_id": case.pk}
    if request.htmx:
        return render(request, "cases/workspace/_contact.html", context)
    messages.info(request, _("电话：%(phone)s；地址：%(address)s") % contact)
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Store a private evidence file on the case (type and size checked by the service)."""
    from cases.workflow.services import evidence_add

    case = case_or_404(request.user, pk, CHANGE)
    appeal = appeal_requirements(case) if case.is_malicious else None
    form = EvidenceUploadForm(
        request.POST,
        request.FILES,
        kinds=EvidenceKind.choices,
        checklist=appeal.evidence_required if appeal else (),
    )
    if not form.is_valid():
        message = "；".join(" ".join(e) for e in form.errors.values())
        return _refused_page(request, pk, message=message, stale=False, bound={}, composer={})
    try:
        evidence_add(
            case_id=case.pk,
            by=request.user,
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            checklist_item=form.cleaned_data.get("checklist_item") or "",
            description=form.cleaned_data.get("description") or "",
        )
    except ValidationError as error:
        return _refused_page(request, pk, message=error_text(error), stale=False, bound={}, composer={})
    messages.success(request, _("证据已上传：%(name)s") % {"name": form.cleaned_data["file"].name})
    return redirect(case_url(case.pk) + "#evidence")


def case_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("cases:case_detail", kwargs={"pk": pk})


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    """Mark a follow-up task of this case done (the assignee or a supervisor; recorded in the timeline)."""
    from cases.models import FollowUpTask
    from cases.workflow.followups import followup_complete

    case = case_or_404(request.user, pk, CHANGE)
    if not FollowUpTask.objects.filter(pk=task_id, case=case).exists():
        raise Http404
    try:
        task = followup_complete(task_id=task_id, by=request.user, note=request.POST.get("note", "")[:2000])
    except ValidationError as error:
        return _refused_page(request, pk, message=error_text(error), stale=False, bound={}, composer={})
    messages.success(request, _("回访已完成：%(name)s") % {"name": task.name})
    return redirect(case_url(case.pk) + "#follow-ups")
