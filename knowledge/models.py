"""The knowledge base: articles about products (per item, SKU pattern, issue type and platform), their
attachments and uses, the question banks drawn from them and the product exam's attempts.

Articles are layered like the policy pack (``policies.layers``): global (neither shop nor client), a
client's (every shop of that 品牌方) or a shop's; ``reviewdesk.access`` scopes them the same way
(``knowledge.apps`` registers the scopes), so one shop's manager cannot see or edit another's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from knowledge.choices import ArticleKind, ArticleStatus, QuestionKind
from reviewdesk.choices import Platform
from reviewdesk.uploads import random_name


class ProductLine(models.Model):
    """A product line: the articles about it feed one question bank and one timed exam. Global data
    (the policy owner's), with the exam's numbers: its length, its duration and the cooling-off time
    before a retake."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    question_count = models.PositiveSmallIntegerField(_("每次考试题数"), default=10)
    duration_minutes = models.PositiveSmallIntegerField(_("考试时长(分钟)"), default=20)
    cooldown_hours = models.PositiveSmallIntegerField(
        _("重考间隔(小时)"), default=24, help_text=_("交卷(或超时)后须等待这么久才能再考。")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产品线")
        verbose_name_plural = _("产品线")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(question_count__gte=1), name="productline_questions_positive"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="productline_duration_positive"
            ),
        ]

    def __str__(self):
        return self.name


class Article(models.Model):
    """One article: Markdown text about a product (or every product), shown on the matching cases.

    Matching: ``item_id`` (one platform item id, empty = any), ``sku_pattern`` (a glob such as
    ``LY-20*``, empty = any), ``issue_type`` and ``platform`` (empty = any). An ``answer`` article is a
    quick reply: its text is inserted into the composer and passes the compliance rules when saved."""

    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示全局；填写店铺表示只属于该店铺。"),
    )
    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ArticleKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文(Markdown)"))
    product_line = models.ForeignKey(
        ProductLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("产品线"),
    )
    item_id = models.CharField(_("商品ID"), max_length=64, blank=True)
    sku_pattern = models.CharField(
        _("规格匹配"), max_length=100, blank=True, help_text=_("通配符：* 任意字符，? 一个字符，如 LY-20*。")
    )
    issue_type = models.ForeignKey(
        "policies.IssueType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("问题类型"),
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )
    source_reply = models.ForeignKey(
        "cases.Reply",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源回复"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    search_title = models.TextField(_("标题分词"), blank=True, editable=False)
    search_body = models.TextField(_("正文分词"), blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["search_title", "search_body"])

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["-updated_at", "-pk"]
        permissions = [("publish_article", _("可以审核发布知识文章"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=True) | Q(client__isnull=True), name="article_one_layer"
            ),
        ]
        indexes = [models.Index(fields=["status", "item_id"], name="article_status_item")]

    def __str__(self):
        return self.title


def attachment_path(instance, filename: str) -> str:
    """Random names under the article's folder: the uploader's name is kept in the row, not on disk."""
    return random_name("knowledge", instance.article_id, filename)


class ArticleAttachment(models.Model):
    """A file of an article (a size chart, a photo of the defect), checked with the evidence rules."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("知识文章")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("知识附件")
        verbose_name_plural = _("知识附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class ArticleUse(models.Model):
    """An article used on a case (a quick reply inserted into the composer): the weekly report's
    "most used" list."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="uses", verbose_name=_("知识文章")
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("案件"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("使用人")
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("知识使用记录")
        verbose_name_plural = _("知识使用记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"], name="articleuse_at")]

    def __str__(self):
        return f"{self.article_id} @ #{self.case_id}"


class Question(models.Model):
    """A question of a product line's bank, drawn from one article. ``options`` are the answers' texts,
    ``correct`` the indexes of the right ones (one for single choice and true/false)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="questions", verbose_name=_("知识文章")
    )
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    options = models.JSONField(_("选项"), default=list)
    correct = models.JSONField(_("正确选项"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考题")
        verbose_name_plural = _("考题")
        ordering = ["article", "pk"]

    def __str__(self):
        return self.text


class ExamAttempt(models.Model):
    """One sitting of a product line's exam: the paper drawn and shuffled with the attempt's own seed
    (stored, so the page shows the same order every time), a server-side deadline, and the result once
    submitted (or timed out) — recorded in training's 产品知识 module."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("考生")
    )
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("产品线")
    )
    seed = models.BigIntegerField(_("随机种子"))
    paper = models.JSONField(_("试卷"), default=list, help_text=_("每题的题目ID及其选项顺序。"))
    answers = models.JSONField(_("作答"), default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("截止时间"))
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    timed_out = models.BooleanField(_("超时未交卷"), default=False)
    correct_count = models.PositiveSmallIntegerField(_("答对题数"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)

    class Meta:
        verbose_name = _("考试记录")
        verbose_name_plural = _("考试记录")
        ordering = ["-started_at", "-pk"]
        permissions = [("take_exam", _("可以参加产品知识考试"))]
        constraints = [
            # One open sitting per agent and line: two clicks on "start" cannot draw two papers.
            models.UniqueConstraint(
                fields=["agent", "product_line"],
                condition=Q(submitted_at__isnull=True),
                name="examattempt_one_open",
            ),
            models.CheckConstraint(
                condition=Q(deadline_at__gt=models.F("started_at")), name="examattempt_deadline"
            ),
        ]

    def __str__(self):
        return f"{self.product_line_id} #{self.pk}"
