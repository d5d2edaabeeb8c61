"""Writes of the jobs app: start, cancel, the sweep (conventions rule 1).

``job_start`` creates the job and enqueues ``jobs.runner.run_job`` with django-q2 after commit, or runs it
at once in this process (``inline=True``: a small file, whose preview takes less than the request's
budget; the same runner, so the job is listed and ends the same way). ``jobs_sweep`` (django-q, every
few minutes, migration jobs.0002) fails a running job whose heartbeat stopped — its worker was killed;
an import is one transaction, so nothing of it was written — and deletes expired results with their files.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from jobs import progress as board
from jobs.choices import JobState
from jobs.models import Job
from jobs.signals import job_finished

logger = logging.getLogger(__name__)

STALE_MESSAGE = gettext_noop("处理进程中断，任务未写入任何数据，请重试")


def job_start(*, kind: str, owner, shop=None, params: dict | None = None, inline: bool = False) -> Job:
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        shop=shop,
        params=params or {},
        language=get_language() or "",
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.JOB_RESULT_DAYS),
    )
    from jobs.runner import run_job

    if inline:
        run_job(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task("jobs.runner.run_job", job_id, task_name=f"job-{job_id}", group="jobs")


def job_cancel(*, job: Job, by) -> bool:
    """Cancel a queued job at once; ask a running one to stop (it stops at its next progress report,
    an import rolled back). False when the job had already finished."""
    from jobs.runner import handler_for

    now = timezone.now()
    if Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED,
        cancel_requested=True,
        finished_at=now,
        message=_("已取消，未写入任何数据。"),
    ):
        handler = handler_for(job.kind)
        if hasattr(handler, "cleanup"):
            handler.cleanup(job)
        transaction.on_commit(lambda: job_finished.send_robust(sender=Job, job_id=job.pk))
        return True
    if Job.objects.filter(pk=job.pk, state=JobState.RUNNING).exists():
        board.request_cancel(job.pk)  # not a write to the row: the running import may hold the lock
        return True
    return False


def jobs_sweep(*, now: dt.datetime | None = None) -> dict:
    """Fail running jobs whose heartbeat is older than ``JOB_STALE_MINUTES``; delete expired jobs (their
    files, staged uploads). Returns ``{"failed": n, "expired": n}``."""
    from jobs.runner import handler_for

    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.JOB_STALE_MINUTES)
    failed = 0
    for job in Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff):
        beat = board.heartbeat_at(job.pk)
        if beat is not None and beat >= cutoff.timestamp():
            continue  # still reporting progress (the row is not written while it works)
        if Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.FAILED, finished_at=now, message=_(STALE_MESSAGE)
        ):
            failed += 1
            board.forget(job.pk)
            handler = handler_for(job.kind)
            if hasattr(handler, "cleanup"):
                handler.cleanup(job)
            transaction.on_commit(lambda pk=job.pk: job_finished.send_robust(sender=Job, job_id=pk))
    expired = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(state__in=[JobState.RUNNING]):
        if job.file:
            job.file.delete(save=False)
        handler = handler_for(job.kind)
        if hasattr(handler, "cleanup"):
            handler.cleanup(job)
        board.forget(job.pk)
        job.delete()
        expired += 1
    if failed or expired:
        logger.info("jobs sweep: %d stale job(s) failed, %d expired job(s) deleted", failed, expired)
    return {"failed": failed, "expired": expired}
