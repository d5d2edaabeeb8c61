"""Choices of the jobs app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    IMPORT_PREVIEW = "import_preview", _("评价导入预演")
    IMPORT = "import", _("评价导入")
    PAYOUT_EXPORT = "payout_export", _("结算明细导出")
    SCORE_IMPORT = "score_import", _("培训成绩导入")
    SCORE_EXPORT = "score_export", _("培训成绩导出")
    PACK_EXPORT = "pack_export", _("规则包导出")
    PACK_IMPORT = "pack_import", _("规则包导入")
    INSIGHTS_EXPORT = "insights_export", _("数据看板导出")
    WEEKLY_EXPORT = "weekly_export", _("周报导出")
    ADMIN_EXPORT = "admin_export", _("后台数据导出")
    CLIENT_EXPORT = "client_export", _("品牌方数据导出")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
