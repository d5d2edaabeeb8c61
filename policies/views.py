"""The managers' policy tools beside the admin: policy pack export/import and the policy sandbox.

They render inside the admin's look (``admin.site.each_context``) and are wrapped in
``admin.site.admin_view``: anyone not logged in as staff is sent to the admin login. Both follow the
policy scope (``policies.scope``): the export holds the global rules and the user's shops' rules, an
import writes nothing beyond the user's reach, and the sandbox tries the global rules or one of the
user's shops. Export and import may name one layer (``?layer=`` / the form's 层级: ``global``,
``client:<code>``, ``shop:<code>``, ``policies.layers``): the export holds only that layer's rows (a
layer the user does not see is refused with a message), the import writes only into it and only when
the user may change it.
"""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs.choices import JobKind, JobState
from jobs.queries import jobs_visible
from jobs.services import job_start
from policies.forms import LayerForm, PackUploadForm, SandboxForm, WordingCheckForm
from policies.layers import Layer, view_refusal
from policies.pack import PackReport, export_pack, import_pack
from policies.permissions import POLICY_MODELS
from reviewdesk.staging import StagingArea


def can_manage_pack(user) -> bool:
    """Managers: staff with add and change permission on every policy model."""
    return (
        user.is_active
        and user.is_staff
        and user.has_perms(
            [f"policies.{verb}_{model}" for model in POLICY_MODELS for verb in ("add", "change")]
        )
    )


def can_use_sandbox(user) -> bool:
    return (
        user.is_active
        and user.is_staff
        and user.has_perms([f"policies.view_{model}" for model in POLICY_MODELS])
    )


def _context(request, title: str, **extra) -> dict:
    context = admin.site.each_context(request)
    context.update({"title": title, "app_label": "policies", **extra})
    return context


# --- policy pack -------------------------------------------------------------------------------------


def _export_layer(request, data) -> tuple[bool, Layer | None]:
    """(ok, the layer asked for or None for the whole pack); a layer the user may not see, or a value
    that names none, is told as a message (ok False)."""
    form = LayerForm(data, user=request.user, action="view")
    if not form.is_valid():
        messages.error(request, _("所选层级无效或你无权查看，未导出。"))
        return False, None
    layer = form.cleaned_data["layer"]
    refusal = view_refusal(request.user, layer) if layer is not None else None
    if refusal is not None:
        messages.error(request, refusal)
        return False, None
    return True, layer


def pack_export(request):
    if not can_manage_pack(request.user):
        raise PermissionDenied
    ok, layer = _export_layer(request, request.GET)
    if not ok:
        return redirect("policies:pack_import")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        export_pack(user=request.user, layer=layer),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    part = f"{layer.slug}-" if layer is not None else ""
    response["Content-Disposition"] = f'attachment; filename="policy-pack-{part}{stamp}.xlsx"'
    return response


@require_POST
def pack_export_job(request):
    """The same export written by a background job (``policies.jobs``); the answer is the job's page."""
    if not can_manage_pack(request.user):
        raise PermissionDenied
    ok, layer = _export_layer(request, request.POST)
    if not ok:
        return redirect("policies:pack_import")
    params = {"layer": _layer_value(layer)} if layer is not None else {}
    job = job_start(kind=JobKind.PACK_EXPORT, owner=request.user, params=params)
    return redirect("jobs:detail", pk=job.pk)


def _layer_value(layer: Layer | None) -> str:
    """The layer as ``parse_layer`` reads it back (a job's params, the confirmation's hidden field)."""
    if layer is None:
        return ""
    return layer.slug.replace("-", ":", 1)


def _start_import_job(request, data: bytes, name: str, layer: Layer | None = None):
    """A dry run of the upload as a job: a file larger than ``JOB_INLINE_MAX_BYTES``, or the manager
    asked for it (试导入(后台)). Its page lists the errors or offers the confirmation."""
    key = _keep_upload(data)
    params = {"staged": key, "file_name": name[:255], "bytes": len(data), "dry_run": True}
    if layer is not None:
        params["layer"] = _layer_value(layer)
    job = job_start(kind=JobKind.PACK_IMPORT, owner=request.user, params=params)
    return redirect("jobs:detail", pk=job.pk)


@require_POST
def pack_import_confirm_job(request, pk: int):
    """Import the file a passed dry-run job checked (its owner only), as a job: one transaction, all or
    nothing, checked again from scratch. Another user's job, or one that did not pass, is a 404."""
    if not can_manage_pack(request.user):
        raise PermissionDenied
    preview = get_object_or_404(
        jobs_visible(request.user).filter(owner=request.user, kind=JobKind.PACK_IMPORT, state=JobState.DONE),
        pk=pk,
    )
    key = preview.params.get("staged", "")
    if not preview.result.get("dry_run") or preview.errors or _read_upload(key) is None:
        raise Http404
    job = job_start(
        kind=JobKind.PACK_IMPORT,
        owner=request.user,
        params={**preview.params, "dry_run": False, "preview_job": preview.pk},
    )
    return redirect("jobs:detail", pk=job.pk)


def pack_import(request):
    """Upload → dry-run preview (every row error, or what would change) → confirm → one transaction.
    A large file (or 试导入(后台)) is checked by a job instead of in the request (``_start_import_job``)."""
    if not can_manage_pack(request.user):
        raise PermissionDenied
    form = PackUploadForm(user=request.user)
    report: PackReport | None = None
    token = layer_value = ""
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        data = _read_upload(token)
        if data is None:
            messages.error(request, _("预览已过期或文件不存在，请重新上传。"))
            return redirect("policies:pack_import")
        chosen = LayerForm(request.POST, user=request.user, action="change")
        if not chosen.is_valid():
            messages.error(request, _("所选层级无效或你无权修改，未导入。"))
            return redirect("policies:pack_import")
        report = import_pack(data, dry_run=False, user=request.user, layer=chosen.cleaned_data["layer"])
        if report.written:
            _forget_upload(token)
            totals = report.totals
            messages.success(
                request, _("规则包已导入：新增%(new)s条，更新%(updated)s条，未变%(unchanged)s条。") % totals
            )
            return redirect("admin:app_list", app_label="policies")
        _forget_upload(token)
        token = ""
    elif request.method == "POST":
        form = PackUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["pack_file"]
            layer = form.cleaned_data["layer"]
            if request.POST.get("background") or upload.size > settings.JOB_INLINE_MAX_BYTES:
                return _start_import_job(request, upload.read(), upload.name, layer)
            data = upload.read()
            report = import_pack(data, dry_run=True, user=request.user, layer=layer)
            if report.ok:
                token = _keep_upload(data)
                layer_value = _layer_value(layer)
    return TemplateResponse(
        request,
        "admin/policies/pack_import.html",
        _context(
            request,
            _("导入规则包"),
            form=form,
            report=report,
            token=token,
            layer_value=layer_value,
            export_form=LayerForm(user=request.user, action="view"),
        ),
    )


# Uploads between the preview and the confirmation: deleted when used, and swept hourly when abandoned.
_STAGED = StagingArea("policy-packs")


def _keep_upload(data: bytes) -> str:
    return _STAGED.put(data)


def _read_upload(token: str) -> bytes | None:
    return _STAGED.read(token)


def _forget_upload(token: str) -> None:
    _STAGED.discard(token)


# --- policy sandbox ----------------------------------------------------------------------------------


def sandbox(request):
    """A manager types a review and sees the engine's whole decision, before and after editing a rule."""
    if not can_use_sandbox(request.user):
        raise PermissionDenied
    decision = explanation = wording = None
    checking = request.method == "POST" and "wording-text" in request.POST
    data = request.POST if request.method == "POST" else None
    form = SandboxForm(None if checking else data, initial={"received_at": _now_minute()}, user=request.user)
    wording_form = WordingCheckForm(data if checking else None, user=request.user)
    if checking and wording_form.is_valid():
        wording = _check_wording(wording_form)
    elif request.method == "POST" and not checking and form.is_valid():
        decision, explanation = _decide(form)
    return TemplateResponse(
        request,
        "admin/policies/sandbox.html",
        _context(
            request,
            _("规则沙盒"),
            form=form,
            decision=decision,
            explanation=explanation,
            wording_form=wording_form,
            wording=wording,
        ),
    )


def _check_wording(form: WordingCheckForm) -> dict:
    """The verdict and findings of the one checker, the flagged words marked in the original text."""
    from policies.choices import ComplianceCategory
    from policies.compliance.highlight import marked_pieces
    from policies.engine import check_compliance
    from policies.loader import load_policy

    data = form.cleaned_data
    text = data["text"]
    report = check_compliance(
        text,
        platform=data["platform"],
        channel=data["channel"],
        policy=load_policy(shop=data.get("shop"), platform=data["platform"]),
    )
    verdict = "block" if report.blocked else ("warn" if report.findings else "ok")
    return {
        "verdict": verdict,
        "verdict_label": {"block": _("拦截"), "warn": _("警告"), "ok": _("通过")}[verdict],
        "pieces": marked_pieces(text, report.findings),
        "findings": [
            {
                "finding": f,
                "category": _label(ComplianceCategory, f.category),
                "action": _("拦截") if f.action == "block" else _("警告"),
            }
            for f in report.findings
        ],
        "too_long": report.too_long,
        "length": report.length,
        "max_length": report.max_length,
    }


def _now_minute() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _decide(form: SandboxForm):
    from policies.decisions import ReviewFacts
    from policies.engine import decide, explain
    from policies.loader import load_policy

    data = form.cleaned_data
    received_at = form.received_at_or_now()
    shop = data.get("shop")
    facts = ReviewFacts(
        platform=data["platform"],
        rating=data["rating"],
        text=data.get("text") or "",
        appended_text=data.get("appended_text") or "",
        received_at=received_at,
        reviewed_at=received_at,
        order_amount=data.get("order_amount"),
        shipping_fee=data.get("shipping_fee"),
        annual_spend=data.get("annual_spend"),
        order_count=data.get("order_count"),
        days_since_last_order=data.get("days_since_last_order"),
        shop_id=shop.pk if shop else None,
    )
    from policies.layers import decided_by

    policy = load_policy(shop=shop, platform=data["platform"])
    decision = decide(facts, policy)
    layers = decided_by(policy, shop)
    return _decision_view(decision, layers), explain(decision, layers=layers).splitlines()


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _decision_view(decision, layers: dict | None = None) -> dict:
    """The decision with labels instead of codes, for the template (which cannot look choices up)."""
    from policies.choices import Channel, TemplateStage
    from reviewdesk.choices import Role

    sla = decision.sla
    return {
        "decision": decision,
        "classification": decision.classification,
        "sla": sla,
        "handling_role": _label(Role, sla.handling_role) if sla else "",
        "escalation_role": _label(Role, sla.escalation_role) if sla else "",
        "offers": [
            {"offer": offer, "approval_role": _label(Role, offer.approval_role)}
            for offer in decision.compensation
        ],
        "templates": [
            {"template": t, "channel": _label(Channel, t.channel), "stage": _label(TemplateStage, t.stage)}
            for t in decision.templates
        ],
        "rules": [_rule_link(ref, (layers or {}).get((ref.model, ref.id))) for ref in decision.rule_refs],
    }


def _rule_link(ref, layer: tuple[str, str] | None = None) -> dict:
    """A rule that contributed, with a link to edit it (and so to see its effect on the next try) and
    the layer it comes from (全局 / 品牌方 X / 店铺 Y)."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    from policies.layers import GLOBAL, layer_label

    try:
        model = apps.get_model("policies", ref.model)
        kind = model._meta.verbose_name
        url = reverse(f"admin:policies_{ref.model}_change", args=[ref.id])
    except (LookupError, NoReverseMatch):
        kind, url = ref.model, ""
    return {
        "kind": kind,
        "name": ref.name,
        "version": ref.version,
        "url": url,
        "layer": layer_label(*(layer or (GLOBAL, ""))),
    }
