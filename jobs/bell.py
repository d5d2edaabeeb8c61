"""The bell tells a job's owner that it has finished (a receiver of ``jobs.signals.job_finished``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jobs.choices import JobState
from jobs.models import Job


def tell_owner(*, job_id: int, **signal) -> None:
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
