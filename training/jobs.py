"""Training scores' import and export as jobs (kinds ``score_import`` and ``score_export``, registered in
``training.apps``): a large file is checked and written, or a month of a large team written, outside
the request.

The owner's rights are read again when the job runs: the permission (``training.enter_scores`` /
``training.export_scores``), and the people through ``training.selectors.visible_agents`` (the export)
or ``can_enter_scores_for`` per row (the import's resource), both on ``reviewdesk.access.shop_ids_for``:
someone who lost a shop between start and run exports none of its people and imports none of their
scores. The import stays all-or-nothing (``training.resources.import_scores``: one transaction, rolled
back on any row error); a cancellation is honoured before the writing pass starts. The staged file
(``import-staging``, swept hourly when abandoned) is deleted whatever the end (``cleanup`` on expiry).
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jobs.choices import JobKind
from jobs.runner import Outcome
from reviewdesk.staging import StagingArea
from training.exports import export_scores_xlsx
from training.resources import import_scores, read_dataset, row_messages

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAGED = StagingArea("import-staging")


def may_import(user) -> bool:
    return user.is_active and user.has_perm("training.enter_scores")


def may_export(user) -> bool:
    return user.is_active and user.has_perm("training.export_scores")


def run(job, ctx) -> Outcome:
    if job.kind == JobKind.SCORE_EXPORT:
        return _export(job, ctx)
    key = job.params.get("staged", "")
    try:
        return _import(job, ctx, key)
    finally:
        STAGED.discard(key)


def _export(job, ctx) -> Outcome:
    if not may_export(job.owner):
        return Outcome(_("你没有导出培训成绩的权限。"), ok=False)
    ctx.progress(0, 0, stage="write")
    try:
        name, content = export_scores_xlsx(
            period=job.params.get("period", ""),
            viewer=job.owner,
            progress=lambda done, total: ctx.progress(done, total, stage="write"),
        )
    except ValidationError as exc:
        return Outcome(exc.messages[0], ok=False)
    ctx.check()
    ctx.attach(name, io.BytesIO(content), XLSX_TYPE)
    return Outcome(_("已生成 %(name)s，可下载。") % {"name": name}, counts={"bytes": len(content)})


def _import(job, ctx, key: str) -> Outcome:
    if not may_import(job.owner):
        return Outcome(_("你没有录入培训成绩的权限。"), ok=False)
    data = STAGED.read(key)
    if data is None:
        return Outcome(_("找不到暂存的文件(已使用、已取消或已过期)，请重新上传。"), ok=False)
    dry_run = bool(job.params.get("dry_run", True))
    ctx.progress(0, 0, stage="read")
    try:
        dataset = read_dataset(data, job.params.get("file_name", ""))
        ctx.progress(0, len(dataset), stage="check")
        result = import_scores(dataset, user=job.owner, dry_run=dry_run, before_write=ctx.check)
    except ValueError as exc:
        return Outcome(str(exc), errors=[{"message": str(exc)}], ok=False)
    errors = row_messages(result)
    totals = {
        "rows": len(dataset),
        "new": result.totals.get("new", 0),
        "updated": result.totals.get("update", 0),
    }
    if errors:
        return Outcome(
            _("文件有错误，没有写入任何成绩。"),
            counts={**totals, "error_count": len(errors)},
            errors=[{"message": message} for message in errors],
            ok=False,
        )
    if dry_run:
        message = _("预览通过：新增 %(new)d 行，更新 %(updated)d 行，尚未写入。") % totals
    else:
        message = _("已导入 %(n)d 行成绩。") % {"n": totals["new"] + totals["updated"]}
    return Outcome(message, counts=totals)


def cleanup(job) -> None:
    if job.kind == JobKind.SCORE_IMPORT:
        STAGED.discard(job.params.get("staged", ""))
