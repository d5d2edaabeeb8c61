"""Reads of the jobs app: which jobs a user may see, and the dict a page or the API renders.

Who sees a job: its owner, and the supervisors and managers of its shop (a superuser, every job);
nobody else. ``restrict`` (reviewdesk.access, the one access path) narrows first: the job's owner is
within the reader's shops, or is the reader.
"""

from __future__ import annotations

import time

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jobs import progress as board
from jobs.choices import JobState
from jobs.models import Job
from reviewdesk.access import VIEW, restrict, shop_ids_for
from reviewdesk.roles import user_roles

OVERSEERS = frozenset({"supervisor", "manager"})


def jobs_visible(user, *, token=None) -> QuerySet[Job]:
    jobs = restrict(Job.objects.all(), user, VIEW, token=token)
    if user is None or not user.is_authenticated:
        return jobs.none()
    if user.is_superuser and token is None:
        return jobs
    mine = Q(owner=user)
    if user_roles(user) & OVERSEERS:
        mine |= Q(shop_id__in=shop_ids_for(user, VIEW, token=token))
    return jobs.filter(mine)


def job_status(job: Job) -> dict:
    """State, progress (done, total, percent, ETA in seconds) and the result's links, for the job page's
    polled fragment, the list and the API. A running job's progress comes from its progress file."""
    done, total, stage = job.progress_done, job.progress_total, ""
    eta = None
    cancelling = False
    if job.state == JobState.RUNNING:
        live = board.read(job.pk) or {}
        done, total, stage = live.get("done", 0), live.get("total", 0), live.get("stage", "")
        started = live.get("started")
        if started and total and 0 < done < total:
            eta = int((time.time() - started) / done * (total - done))
        cancelling = board.cancel_requested(job.pk)
    percent = 100 if job.state == JobState.DONE else (int(done * 100 / total) if total else 0)
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": job.get_kind_display(),
        "state": job.state,
        "state_label": job.get_state_display(),
        "finished": job.finished,
        "shop": job.shop.name if job.shop_id else "",
        "owner": str(job.owner),  # the display name people know each other by
        "done": done,
        "total": total,
        "stage": stage,
        "percent": percent,
        "eta_seconds": eta,
        "cancelling": cancelling,
        "message": job.message,
        "counts": job.counts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "url": reverse("jobs:detail", args=[job.pk]),
        "download_url": reverse("jobs:download", args=[job.pk])
        if job.file and job.state == JobState.DONE and job.expires_at > timezone.now()
        else "",
        "file_name": job.file_name,
    }
