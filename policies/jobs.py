"""The policy pack's export and import as jobs (kinds ``pack_export`` and ``pack_import``, registered in
``policies.apps``), for a pack too large, or a manager too busy, to wait on the page.

The owner's rights are read again when the job runs (``can_manage_pack``; the rows through
``reviewdesk.access.restrict`` in ``policies.pack``): a manager who lost a shop between start and run
exports none of its rules and may import none; a job that names one layer (``params["layer"]``,
``policies.layers``) is checked for it again the same way (``view_refusal`` for an export; the import's
``change_refusal`` inside ``import_pack``). The import keeps its all-or-nothing promise: one
transaction, and the job's progress is reported inside it, so a cancelled import rolls back. A dry run
(``params["dry_run"]``) keeps the staged file when it passed, for its confirmation
(``policies.views.pack_import_confirm_job``); any other end deletes it, and so does expiry (``cleanup``).
"""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.choices import JobKind, JobState
from jobs.runner import Outcome
from policies.layers import parse_layer, view_refusal
from policies.pack import PackReport, export_pack, import_pack
from reviewdesk.staging import StagingArea

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAGED = StagingArea("policy-packs")  # the pack page's own area: the hourly sweep reaches it


def may_start(user) -> bool:
    from policies.views import can_manage_pack

    return can_manage_pack(user)


def run(job, ctx) -> Outcome:
    if not job.owner.is_active or not may_start(job.owner):
        return Outcome(_("你没有管理规则包的权限。"), ok=False)
    try:
        layer = parse_layer(job.params["layer"]) if job.params.get("layer") else None
    except ValueError as exc:
        if job.kind == JobKind.PACK_IMPORT:
            STAGED.discard(job.params.get("staged", ""))
        return Outcome(str(exc), ok=False)
    if job.kind == JobKind.PACK_EXPORT:
        return _export(job, ctx, layer)
    return _import(job, ctx, layer)


def _export(job, ctx, layer=None) -> Outcome:
    if layer is not None and (refusal := view_refusal(job.owner, layer)) is not None:
        return Outcome(refusal, ok=False)
    ctx.progress(0, 0, stage="write")
    data = export_pack(
        user=job.owner, layer=layer, progress=lambda done, total: ctx.progress(done, total, stage="write")
    )
    ctx.check()
    part = f"{layer.slug}-" if layer is not None else ""
    name = f"policy-pack-{part}{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"
    ctx.attach(name, io.BytesIO(data), XLSX_TYPE)
    return Outcome(_("已生成 %(name)s，可下载。") % {"name": name}, counts={"bytes": len(data)})


def _import(job, ctx, layer=None) -> Outcome:
    key = job.params.get("staged", "")
    dry_run = bool(job.params.get("dry_run", True))
    try:
        data = STAGED.read(key)
        if data is None:
            return Outcome(_("预览已过期或文件不存在，请重新上传。"), ok=False)
        stage = "check" if dry_run else "store"
        ctx.progress(0, 0, stage="read")
        report = import_pack(
            data,
            dry_run=dry_run,
            user=job.owner,
            layer=layer,
            progress=lambda done, total: ctx.progress(done, total, stage=stage),
        )
    except BaseException:
        STAGED.discard(key)
        raise
    if not (dry_run and report.ok):
        STAGED.discard(key)  # imported, or refused (fix the file and upload again)
    return outcome_of(report)


def outcome_of(report: PackReport) -> Outcome:
    totals = report.totals
    if report.errors:
        message = _("规则包有 %(n)d 处错误，未写入任何内容。") % {"n": len(report.errors)}
    elif report.dry_run:
        message = _("试导入通过：新增%(new)s条，更新%(updated)s条，未变%(unchanged)s条，尚未写入。") % totals
    else:
        message = _("规则包已导入：新增%(new)s条，更新%(updated)s条，未变%(unchanged)s条。") % totals
    return Outcome(
        message=message,
        counts={**totals, "error_count": len(report.errors)},
        result={
            "dry_run": report.dry_run,
            "written": report.written,
            "sheets": [vars(s) for s in report.sheets],
        },
        errors=[
            {"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message} for e in report.errors
        ],
        ok=report.ok,
    )


def cleanup(job) -> None:
    if job.kind == JobKind.PACK_IMPORT:
        STAGED.discard(job.params.get("staged", ""))


def page(job, request) -> tuple[str, dict]:
    """A finished import's page: every error (sheet, row, column, reason), each sheet's figures, and for a
    dry run that passed, the button that imports the same staged file (its owner only)."""
    if job.kind != JobKind.PACK_IMPORT or not job.result:
        return "jobs/detail.html", {}
    confirm = (
        job.state == JobState.DONE
        and job.result.get("dry_run")
        and not job.errors
        and job.owner_id == request.user.pk
        and STAGED.read(job.params.get("staged", "")) is not None
    )
    return "jobs/pack_import.html", {
        "errors": [],  # shown as the table below
        "pack": {
            "errors": job.errors,
            "sheets": job.result.get("sheets", []),
            "confirm_url": reverse("policies:pack_import_confirm_job", args=[job.pk]) if confirm else "",
        },
    }
