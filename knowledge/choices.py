"""Choices of the knowledge base, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    SPEC = "spec", _("产品规格")
    DEFECT = "defect", _("已知缺陷与处理")
    CARE = "care", _("保养说明")
    SIZE = "size", _("尺码表")
    ANSWER = "answer", _("标准答复(快捷回复)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿(待审核)")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TRUE_FALSE = "true_false", _("判断")
