"""Choices of the training app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModuleFormat(models.TextChoices):
    EXAM = "exam", _("考试")
    ROLEPLAY = "roleplay", _("情景模拟/角色扮演")
    GAME = "game", _("博弈演练")
    REPORT = "report", _("报告")
    KPI = "kpi", _("工作指标(由案件计算)")


class Comparison(models.TextChoices):
    GTE = "gte", _("不低于(≥)")
    LTE = "lte", _("不高于(≤)")


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    WEEKLY = "weekly", _("每周")


class ScoreSource(models.TextChoices):
    TRAINER = "trainer", _("培训师录入")
    IMPORT = "import", _("文件导入")
    COMPUTED = "computed", _("案件计算")
    QA = "qa", _("质检")


class ComputedMetric(models.TextChoices):
    """What ``compute_training_scores`` derives from cases for a module (empty: nothing)."""

    FIRST_RESPONSE_SLA = "first_response_sla", _("首次响应达标率(%)")
    FIRST_RESPONSE_MINUTES = "first_response_minutes", _("平均首次响应时长(分钟)")
    CSAT = "csat", _("满意度调查得分(百分制)")
    OFFER_ACCEPTANCE = "offer_acceptance", _("补偿方案接受率(%)")


class QaStatus(models.TextChoices):
    SCORED = "scored", _("已评分")
    DISPUTED = "disputed", _("申诉中")
    SETTLED = "settled", _("申诉已裁定")


class QaAction(models.TextChoices):
    DISPUTE = "dispute", _("申诉")
    SETTLE = "settle", _("裁定")


class CertificationState(models.TextChoices):
    PASSED = "passed", _("已认证")
    BELOW = "below", _("未达标")
    EXPIRED = "expired", _("已过期")
    MISSING = "missing", _("无成绩")
