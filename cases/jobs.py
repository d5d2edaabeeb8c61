"""The review import as a job (kinds ``import_preview`` and ``import``, registered in ``cases.apps``):
the preview (a dry run) and the confirmed import of a staged upload; and the bell that tells any job's
owner it has finished (``tell_owner``, a receiver of ``jobs.signals.job_finished``: the bell is cases').

The file was staged by the upload page or the API (``cases.imports.uploads.staged_preview_put``); the
job reads it, runs ``reviews_import_file`` (all or nothing, imports of one shop in line behind the shop
row's lock) reporting every stored chunk, and keeps the figures, the first rows and the row errors. The
staged copy is deleted when the preview fails, when the import has run (whatever its outcome), and when
either job is cancelled or expires (``cleanup``).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cases.imports.submit import may_import_reviews
from cases.imports.uploads import (
    IntakeResult,
    reviews_import_file,
    staged_preview_discard,
    staged_preview_read,
)
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import Outcome
from reviewdesk.access import CHANGE, restrict
from reviewdesk.models import Shop

COUNTS = ("rows", "created", "updated", "unchanged", "cases_opened", "error_count")


def run(job, ctx) -> Outcome:
    dry_run = job.kind == JobKind.IMPORT_PREVIEW
    key = job.params.get("staged", "")
    try:
        outcome = _run(job, ctx, dry_run=dry_run)
    except BaseException:
        staged_preview_discard(key=key)
        raise
    if not dry_run or not outcome.ok:
        staged_preview_discard(key=key)  # used once: imported, or its errors shown (fix and upload again)
    return outcome


def _run(job, ctx, *, dry_run: bool) -> Outcome:
    params = job.params
    refusal = _refusal(job)
    if refusal:
        return Outcome(refusal, ok=False)
    data = staged_preview_read(key=params.get("staged", ""))
    if data is None:
        return Outcome(_("找不到暂存的文件(已使用、已取消或已过期)，请重新上传。"), ok=False)
    if params.get("sha256") and hashlib.sha256(data).hexdigest() != params["sha256"]:
        return Outcome(_("暂存文件已变化，请重新上传。"), ok=False)
    ctx.progress(0, 0, stage="read")
    stage = "check" if dry_run else "store"
    result = reviews_import_file(
        shop=job.shop,
        data=data,
        file_name=params.get("file_name", ""),
        by=job.owner,
        dry_run=dry_run,
        progress=lambda done, total: ctx.progress(done, total, stage=stage),
    )
    return outcome_of(result)


def outcome_of(result: IntakeResult) -> Outcome:
    data = result.as_dict()
    errors = data.pop("errors")
    if result.ok and result.dry_run:
        message = _("校验通过，共%(n)d行，尚未写入。") % {"n": result.rows}
    elif result.ok:
        message = _("导入完成：新增%(created)d条，更新%(updated)d条，新开案件%(cases)d个。") % {
            "created": result.created,
            "updated": result.updated,
            "cases": result.cases_opened,
        }
    else:
        message = (result.error or {}).get("message") or _("有错误，整个文件未导入。")
    return Outcome(
        message=message, counts={k: data[k] for k in COUNTS}, result=data, errors=errors, ok=result.ok
    )


def _refusal(job) -> str:
    """The owner's rights are checked again when the job runs: they may have changed since it started."""
    if not may_import_reviews(job.owner):
        return _("只有客服主管和运营经理可以导入评价文件。")
    if (
        job.shop_id is None
        or not restrict(Shop.objects.filter(active=True), job.owner, CHANGE).filter(pk=job.shop_id).exists()
    ):
        return _("无权导入该店铺，或店铺已停用。")
    return ""


def cleanup(job) -> None:
    staged_preview_discard(key=job.params.get("staged", ""))


def page(job, request) -> tuple[str, dict]:
    """A finished job's page: the import's own preview or result (cases.web.imports)."""
    from cases.web.imports import preview_page, result_page

    if IntakeResult.of_job(job) is None:
        return "jobs/detail.html", {}
    return (preview_page if job.kind == JobKind.IMPORT_PREVIEW else result_page)(job, request)


def tell_owner(*, job_id: int, **signal) -> None:
    """The bell: "【后台任务】<kind> #<id> 已完成/失败/已取消", in the owner's language, linking the job."""
    from cases.alerts import notify_job_finished

    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or not job.finished:
        return
    with translation.override(job.owner.language or settings.LANGUAGE_CODE):
        words = {
            JobState.DONE: _("已完成"),
            JobState.FAILED: _("失败"),
            JobState.CANCELLED: _("已取消"),
        }[job.state]
        title = _("【后台任务】%(kind)s #%(id)s %(state)s") % {
            "kind": job.get_kind_display(),
            "id": job.pk,
            "state": words,
        }
    notify_job_finished(
        user_id=job.owner_id,
        shop_id=job.shop_id,
        job_id=job.pk,
        title=title,
        url=reverse("jobs:detail", args=[job.pk]),
    )
