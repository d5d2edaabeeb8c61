"""Choices of the jobs app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    IMPORT_PREVIEW = "import_preview", _("评价导入预演")
    IMPORT = "import", _("评价导入")
    PAYOUT_EXPORT = "payout_export", _("结算明细导出")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
