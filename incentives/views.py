"""Incentives pages: the agent's own statement, disputes and redemptions; HR's periods (lock, payout
download); the manager's queue (disputes, redemption approvals, withheld awards). Thin: services write,
selectors read."""

import io
from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incentives import selectors
from incentives.choices import DisputeStatus, ExportFormat
from incentives.errors import IncentiveError
from incentives.forms import DecisionForm, DisputeForm, LockForm, RedemptionForm, ResolveForm
from incentives.models import LedgerEntry, Period, Redemption, RewardItem
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.payouts import export_csv, export_filename, export_xlsx
from incentives.services.period_review import negative_balances, period_review
from incentives.services.periods import (
    lock_message,
    parse_span,
    period_has_ended,
    period_lock,
    period_lock_client,
)
from incentives.services.redemptions import (
    redemption_approve,
    redemption_cancel,
    redemption_reject,
    redemption_request,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(condition: bool):
    if not condition:
        raise PermissionDenied(_("你没有访问此页面的权限。"))


def _span_or_default(request):
    code = request.GET.get("period")
    if not code:
        return selectors.default_span(), None
    try:
        return parse_span(code), None
    except ValidationError as exc:
        return selectors.default_span(), exc.messages[0]


@login_required
def my_statement(request):
    span, error = _span_or_default(request)
    if error:
        messages.error(request, error)
    context = selectors.agent_statement(request.user, span)
    context.update({"spans": selectors.span_choices(), "redeem_form": RedemptionForm()})
    return render(request, "incentives/statement.html", context)


@login_required
def entry_dispute(request, entry_id: int):
    # Only the owner's entries exist for this page: someone else's entry is a 404, not a 403 that leaks it.
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("account", "period"), pk=entry_id, account__user=request.user
    )
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute_open(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("已提交对分录 #%(id)s 的申诉，主管处理后会记入下一个开放期间。") % {"id": entry.pk}
            )
            return redirect(f"{_statement_url()}?period={entry.period.code}")
    context = {
        "form": form,
        "entry": {
            "id": entry.pk,
            "period": entry.period.code,
            "kind": entry.get_kind_display(),
            "unit": entry.account.get_unit_display(),
            "amount": entry.amount,
            "note": entry.note,
            "case_ref": entry.case_ref,
            "created_at": entry.created_at,
        },
    }
    return render(request, "incentives/dispute.html", context)


def _statement_url():
    return reverse("incentives:statement")


@login_required
@require_POST
def redeem(request):
    form = RedemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("兑换申请无效，请重试。"))
        return redirect("incentives:statement")
    item = RewardItem.objects.filter(pk=form.cleaned_data["item"]).first()
    if item is None:
        raise Http404
    try:
        redemption_request(agent=request.user, item=item, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已申请兑换“%(item)s”，等待主管审批。") % {"item": item.name})
    return redirect("incentives:statement")


@login_required
@require_POST
def redemption_cancel_view(request, redemption_id: int):
    redemption = get_object_or_404(Redemption, pk=redemption_id, agent=request.user)
    try:
        redemption_cancel(redemption=redemption, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已取消兑换申请。"))
    return redirect("incentives:statement")


# --- HR -------------------------------------------------------------------------------------------


def _client(request, data) -> tuple[object, str | None]:
    """The client (品牌方) a money page is narrowed to (``?client=CODE``), or None; a client out of the
    user's reach is refused with a message (and the page falls back to the user's whole scope)."""
    try:
        return selectors.payout_client(request.user, data.get("client")), None
    except ValidationError as exc:
        return None, exc.messages[0]


@login_required
def periods(request):
    _require(request.user.has_perm("incentives.view_period"))
    client, error = _client(request, request.GET)
    if error:
        messages.error(request, error)
    rows = selectors.periods_overview(request.user, client)
    by_id = {p.pk: p for p in Period.objects.filter(pk__in=[row["id"] for row in rows])}
    negatives = negative_balances(list(by_id.values()), shop_ids=selectors.payout_scope(request.user, client))
    for row in rows:
        row["ended"] = period_has_ended(by_id[row["id"]])
        row["negatives"] = [asdict(balance) for balance in negatives.get(row["id"], [])]
    context = {
        "periods": rows,
        "can_lock": request.user.has_perm("incentives.lock_period"),
        "can_export": request.user.has_perm("incentives.export_payouts"),
        "clients": selectors.payout_clients(request.user),
        "client": client,
    }
    return render(request, "incentives/periods.html", context)


@login_required
def period_detail(request, period_id: int):
    """One period's payout for the user's shops: totals, each agent, negative totals with their causes,
    open disputes; with the lock form, it is the confirmation page of an early lock."""
    _require(request.user.has_perm("incentives.view_period"))
    period = get_object_or_404(Period, pk=period_id)
    client, error = _client(request, request.GET)
    if error:
        messages.error(request, error)
        return redirect("incentives:periods")
    can_lock = request.user.has_perm("incentives.lock_period")
    review = period_review(period=period, by=request.user, client=client)
    lock_form = LockForm(period=period, user=request.user, client=client)
    context = {
        "review": asdict(review),
        "client": client,
        "can_lock": can_lock and not review.locked,
        "can_export": request.user.has_perm("incentives.export_payouts"),
        "lock_form": lock_form if can_lock and not review.locked else None,
    }
    return render(request, "incentives/period.html", context)


@login_required
@require_POST
def lock(request, period_id: int):
    """Lock a period. A month that has not ended is locked only from its confirmation page (the tick
    box and the page's token); without them the service refuses and HR is sent to that page."""
    _require(request.user.has_perm("incentives.lock_period"))
    period = get_object_or_404(Period, pk=period_id)
    client, error = _client(request, request.POST)
    if error:
        messages.error(request, error)
        return redirect("incentives:periods")
    query = f"?client={client.code}" if client is not None else ""
    form = LockForm(request.POST, period=period, user=request.user, client=client)
    if not form.is_valid():
        messages.error(request, "；".join(form.non_field_errors()) or _("锁定请求无效，请重试。"))
        return redirect(reverse("incentives:period", args=[period.pk]) + query)
    early = form.cleaned_data["early_confirmed"]
    try:
        if client is None:
            result = period_lock(period=period, by=request.user, early_confirmed=early)
        else:
            result = period_lock_client(period=period, client=client, by=request.user, early_confirmed=early)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        if exc.code == IncentiveError.PERIOD_RUNNING:
            return redirect(reverse("incentives:period", args=[period.pk]) + query)
    else:
        messages.success(request, lock_message(period, result, client))
    return redirect(reverse("incentives:periods") + query)


def _payout_request(request, span: str, fmt: str, data):
    """What a payout export asks for, read the same way whether it is downloaded now or by a job:
    (span code, sheet, client) — or the redirect that tells the exporter what was wrong."""
    _require(request.user.has_perm("incentives.export_payouts"))
    if fmt not in ExportFormat.values:
        raise Http404
    try:
        span_code = parse_span(span).code
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("incentives:periods")
    client, error = _client(request, data)
    if error:
        messages.error(request, error)
        return redirect("incentives:periods")
    return span_code, "summary" if data.get("sheet") == "summary" else "detail", client


@login_required
def payout_download(request, span: str, fmt: str):
    asked = _payout_request(request, span, fmt, request.GET)
    if not isinstance(asked, tuple):
        return asked
    span_code, sheet, client = asked
    shop_ids = selectors.payout_scope(request.user, client)  # only the exporter's (client's) shops' entries
    buffer = io.BytesIO()
    if fmt == ExportFormat.CSV:
        export_csv(span_code, buffer, sheet=sheet, shop_ids=shop_ids)
        content_type = "text/csv; charset=utf-8"
    else:
        export_xlsx(span_code, buffer, shop_ids=shop_ids)
        content_type = XLSX_TYPE
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(span_code, fmt, sheet, client)}"'
    )
    return response


@login_required
@require_POST
def payout_export_job(request, span: str, fmt: str):
    """The same export as ``payout_download``, written by a background job (a quarter of a large team
    takes longer than a request may): the answer is the job's page, which offers the file when done."""
    from jobs.choices import JobKind
    from jobs.services import job_start

    asked = _payout_request(request, span, fmt, request.POST)
    if not isinstance(asked, tuple):
        return asked
    span_code, sheet, client = asked
    params = {"span": span_code, "fmt": fmt, "sheet": sheet}
    if client is not None:
        params["client"] = client.code  # read again, with the owner's rights, when the job runs
    job = job_start(kind=JobKind.PAYOUT_EXPORT, owner=request.user, params=params)
    return redirect("jobs:detail", pk=job.pk)


# --- managers --------------------------------------------------------------------------------------


def _can_manage(user) -> bool:
    return user.has_perm("incentives.resolve_dispute") or user.has_perm("incentives.decide_redemption")


@login_required
def manage(request):
    _require(_can_manage(request.user))
    context = selectors.manager_queue(request.user)
    context.update({"resolve_form": ResolveForm(), "decision_form": DecisionForm()})
    return render(request, "incentives/manage.html", context)


@login_required
@require_POST
def resolve(request, dispute_id: int):
    _require(request.user.has_perm("incentives.resolve_dispute"))
    dispute = get_object_or_404(
        selectors.disputes_in_scope(request.user).select_related("entry__account"), pk=dispute_id
    )
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("incentives:manage")
    try:
        resolved = dispute_resolve(
            dispute=dispute,
            by=request.user,
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if resolved.status == DisputeStatus.AWAITING_SECOND:
            messages.success(
                request,
                _("申诉 #%(id)s：调整 %(amount)s 超过复核线，已提交，须由另一位审批人确认后才记账。")
                % {"id": resolved.pk, "amount": resolved.proposed_amount},
            )
        elif resolved.adjustment_id:
            messages.success(
                request,
                _("申诉 #%(id)s 已处理：调整 %(amount)s 记入期间 %(period)s。")
                % {
                    "id": resolved.pk,
                    "amount": resolved.adjustment.amount,
                    "period": resolved.adjustment.period.code,
                },
            )
        else:
            messages.success(request, _("申诉 #%(id)s 已驳回，未记账。") % {"id": resolved.pk})
    return redirect("incentives:manage")


@login_required
@require_POST
def decide(request, redemption_id: int):
    _require(request.user.has_perm("incentives.decide_redemption"))
    redemption = get_object_or_404(selectors.redemptions_in_scope(request.user), pk=redemption_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或拒绝。"))
        return redirect("incentives:manage")
    try:
        if form.cleaned_data["decision"] == "approve":
            redemption_approve(redemption=redemption, by=request.user)
            messages.success(request, _("已批准兑换，积分已扣减。"))
        else:
            redemption_reject(redemption=redemption, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("已拒绝兑换申请。"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("incentives:manage")
