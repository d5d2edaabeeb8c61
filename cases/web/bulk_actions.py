"""A supervisor's bulk actions on queue rows: assign, reassign, close with a reason.

Every row goes through the service a single case would (``cases.routing.assign.case_reassign`` for the
assignments, ``cases.workflow.lifecycle.case_close`` for closing: the same guards, the transition table,
the version the page showed, the timeline), one transaction per case; a refused row is reported with the
service's reason and the others go ahead. Cases are looked up through the one access path
(``reviewdesk.access.restrict(…, CHANGE)``): another shop's id in the POST is refused for that row as
"not found", nothing else about it is told or changed. The answer is a page with each row's result."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case
from cases.routing.assign import RoutingError, case_reassign
from cases.routing.eligibility import WORKING_ROLES
from cases.web.forms.queue import QuickSelect
from cases.web.workspace import is_overseer
from cases.web.workspace_supervisor import ID, UNASSIGNED_SHOWN, _safe_next, _user
from cases.workflow.lifecycle import case_close
from reviewdesk.access import CHANGE, restrict
from reviewdesk.models import Shop, User

ASSIGN, REASSIGN, CLOSE = "assign", "reassign", "close"
MAX_ROWS = UNASSIGNED_SHOWN


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("批量操作"),
        widget=QuickSelect,
        choices=[
            (ASSIGN, gettext_lazy("分配(未分配的案件)")),
            (REASSIGN, gettext_lazy("改派(已分配的案件)")),
            (CLOSE, gettext_lazy("关闭(需填写原因)")),
        ],
    )
    user = forms.TypedChoiceField(
        label=gettext_lazy("分配给"), coerce=int, required=False, choices=[], widget=QuickSelect
    )
    override = forms.BooleanField(label=gettext_lazy("越权分配（越过在办上限或认证）"), required=False)
    reason = forms.CharField(label=gettext_lazy("原因"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (ASSIGN, REASSIGN) and not data.get("user"):
            self.add_error("user", _("请选择分配给谁。"))
        if action == CLOSE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("批量关闭必须填写原因。"))
        return data


def people_choices(user) -> list[tuple[int, str]]:
    """Who a bulk assignment may name: the working people of the user's shops (one query)."""
    shops = restrict(Shop.objects.all(), user)
    people = (
        User.objects.filter(memberships__shop__in=shops, is_active=True, groups__name__in=WORKING_ROLES)
        .distinct()
        .order_by("display_name", "username")
        .values_list("pk", "display_name", "first_name", "last_name", "username")
    )
    # The label ``User.__str__`` gives, from the columns it reads (no model instances: the bar sits on
    # every supervisor's queue page, searches included).
    return [
        (pk, display or User(first_name=first, last_name=last).get_full_name() or username)
        for pk, display, first, last, username in people
    ]


@dataclass
class RowResult:
    case_id: str
    done: bool
    message: str
    url: str = ""


def _posted_ids(request) -> tuple[list[int], list[RowResult]]:
    """The posted case ids (at most MAX_ROWS, each once) and a refused row for each that is no id."""
    ids, bad, seen = [], [], set()
    for value in request.POST.getlist("cases")[:MAX_ROWS]:
        if not ID.fullmatch(value):
            bad.append(RowResult(value[:20], False, _("不是有效的案件编号。")))
        elif int(value) not in seen:
            seen.add(int(value))
            ids.append(int(value))
    return ids, bad


def _version(request, case: Case) -> int:
    """The version the page showed (``v-<id>``), or the current one when the page sent none."""
    raw = request.POST.get(f"v-{case.pk}", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else case.version


def _one(request, action: str, case: Case, target: User | None, form) -> RowResult:
    url = reverse("cases:case_detail", args=[case.pk])
    reason = (form.cleaned_data.get("reason") or "").strip()
    version = _version(request, case)
    if action == ASSIGN and case.assignee_id:
        return RowResult(str(case.pk), False, _("已有处理人：请用“改派”。"), url)
    if action == REASSIGN and not case.assignee_id:
        return RowResult(str(case.pk), False, _("还没有处理人：请用“分配”。"), url)
    if action == REASSIGN and case.assignee_id == target.pk:
        return RowResult(str(case.pk), False, _("已经由 %(name)s 处理。") % {"name": target}, url)
    try:
        if action == CLOSE:
            case_close(case_id=case.pk, by=request.user, version=version, note=reason)
            return RowResult(str(case.pk), True, _("已关闭。"), url)
        case.version = version
        case_reassign(
            case=case,
            user=target,
            by=request.user,
            reason=reason,
            override=bool(form.cleaned_data.get("override")),
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if getattr(error, "code", None) == RoutingError.STALE:
            message = _("案件刚被其他人更新，没有改派。请查看最新情况后再操作。")
        return RowResult(str(case.pk), False, message, url)
    return RowResult(str(case.pk), True, _("已分配给 %(name)s。") % {"name": target}, url)


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected rows; answer each row's result (done / refused and why)."""
    if not is_overseer(request.user):
        raise Http404
    back = _safe_next(request, request.POST.get("next") or "") or "/cases/queue/all/"
    form = BulkActionForm(request.POST)
    choices = [(v, v) for v in request.POST.getlist("user")[:1] if ID.fullmatch(v)]
    form.fields["user"].choices = [("", "")] + choices
    ids, results = _posted_ids(request)
    context = {"back": back, "form": form, "results": results, "scope": "bulk", "is_overseer": True}
    if not ids and not results:
        form.add_error(None, _("请勾选要处理的案件。"))
    if not form.is_valid() or not ids:
        return render(request, "cases/workspace/bulk_result.html", context, status=200)
    action = form.cleaned_data["action"]
    target = None
    if action in (ASSIGN, REASSIGN):
        target = _user(form.cleaned_data["user"])
        if target is None:
            form.add_error("user", _("没有这个用户。"))
            return render(request, "cases/workspace/bulk_result.html", context)
    cases = {
        case.pk: case
        for case in restrict(Case.objects.filter(pk__in=ids), request.user, CHANGE).select_related(
            "assignee", "shop"
        )
    }
    for case_id in ids:
        case = cases.get(case_id)
        if case is None:  # another shop's, or none at all: the same answer
            results.append(RowResult(str(case_id), False, _("案件不存在或你无权处理。")))
            continue
        results.append(_one(request, action, case, target, form))
    context["done"] = sum(1 for row in results if row.done)
    context["refused"] = sum(1 for row in results if not row.done)
    context["action_label"] = dict(form.fields["action"].choices)[action]
    return render(request, "cases/workspace/bulk_result.html", context)
