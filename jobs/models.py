"""A job: one long operation (an import, its preview, an export) run by django-q2 outside the request.

The row is written only outside the job's own work (when it is created, claimed, finished, swept), never
inside it: an import is one transaction that may hold the database's write lock for a minute, so the
progress a running job reports goes to a small file beside the staged uploads (``jobs.progress``) that
the web reads, and its cancellation request to a marker file the runner checks (see ``jobs.runner``).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobs.choices import FINISHED_STATES, JobKind, JobState
from reviewdesk.uploads import random_name


def result_path(instance, filename: str) -> str:
    """A random name under the job's folder in MEDIA_ROOT (private: served only by jobs.views.download)."""
    return random_name("jobs", instance.pk, filename)


class Job(models.Model):
    kind = models.CharField(_("类型"), max_length=24, choices=JobKind.choices)
    owner = models.ForeignKey(
        "reviewdesk.User", on_delete=models.CASCADE, related_name="jobs", verbose_name=_("发起人")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
    )
    state = models.CharField(_("状态"), max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    # The language of whoever started it: its messages and row errors are written in it.
    language = models.CharField(_("语言"), max_length=16, blank=True)
    progress_done = models.PositiveBigIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveBigIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    counts = models.JSONField(_("计数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    file = models.FileField(_("结果文件"), upload_to=result_path, max_length=255, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("结果过期时间"), db_index=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total"))
                | models.Q(progress_total=0),
                name="job_progress_within_total",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())
