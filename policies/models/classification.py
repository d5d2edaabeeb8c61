import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policies.choices import MatchMode, SignalKind
from policies.models.base import PolicyBase, one_layer, split_lines


class IssueType(models.Model):
    """The taxonomy cases are sorted into. Global: shops override the rules that use it, not the type."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    buyer_label = models.CharField(
        _("对买家的称呼"),
        max_length=64,
        blank=True,
        help_text=_("模板占位符{issue}向买家显示的说法，如“物流配送的问题”；留空时显示“您反馈的问题”。"),
    )
    is_malicious = models.BooleanField(
        _("恶意差评类型"), default=False, help_text=_("恶意信号命中时，案件归入此类型(走法务与平台申诉)。")
    )
    is_fallback = models.BooleanField(_("兜底类型"), default=False, help_text=_("没有分类规则命中时使用。"))
    compensable = models.BooleanField(_("可补偿"), default=True, help_text=_("恶意差评不补偿，走申诉。"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题类型")
        verbose_name_plural = _("问题类型")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_fallback"],
                condition=models.Q(is_fallback=True),
                name="one_fallback_issue_type",
                violation_error_message=_("已有一个兜底类型：请先取消那一个的“兜底类型”。"),
            ),
            models.UniqueConstraint(
                fields=["is_malicious"],
                condition=models.Q(is_malicious=True),
                name="one_malicious_issue_type",
                violation_error_message=_("已有一个恶意差评类型：请先取消那一个的“恶意差评类型”。"),
            ),
        ]

    def __str__(self):
        return self.name

    def label(self, language: str = "zh-hans") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


def validate_patterns(mode: str, text: str) -> list[str]:
    """Returns the compiled-ok pattern list or raises a ValidationError naming the bad one."""
    items = (
        split_lines(text)
        if mode == MatchMode.KEYWORDS
        else [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    )
    if mode == MatchMode.REGEX:
        for pattern in items:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValidationError(
                    _("正则表达式“%(pattern)s”无效：%(error)s"),
                    code="bad_regex",
                    params={"pattern": pattern, "error": exc},
                )
    return items


class ClassificationRule(PolicyBase):
    """Keywords or regular expressions (with an optional rating condition) that classify a review.

    The matching rule with the lowest priority number wins. A rule marked "opens a case" opens one
    at any rating (the seeds' 差评 / 投诉 watch words) even when it names no issue type.
    """

    name = models.CharField(_("名称"), max_length=64)
    issue_type = models.ForeignKey(
        IssueType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="classification_rules",
        verbose_name=_("归入问题类型"),
        help_text=_("留空表示只负责开案，不决定类型。"),
    )
    match_mode = models.CharField(
        _("匹配方式"), max_length=16, choices=MatchMode.choices, default=MatchMode.KEYWORDS
    )
    patterns = models.TextField(_("关键词/正则"), help_text=_("每行一个(关键词也可用逗号或顿号分隔)。"))
    rating_max = models.PositiveSmallIntegerField(
        _("评分不高于"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("留空表示任何评分；统一为1–5分。"),
    )
    opens_case = models.BooleanField(_("任何评分都开案"), default=False)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("数字小的先匹配。"))

    class Meta:
        verbose_name = _("分类规则")
        verbose_name_plural = _("分类规则")
        ordering = ["priority", "pk"]
        constraints = [one_layer("classification_rule")]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            items = validate_patterns(self.match_mode, self.patterns)
        except ValidationError as exc:
            raise ValidationError({"patterns": exc})
        if not items:
            raise ValidationError({"patterns": _("至少填写一个关键词或正则。")})
        if not self.issue_type_id and not self.opens_case:
            raise ValidationError(_("规则既不归类也不开案，没有作用：请选择问题类型或勾选“任何评分都开案”。"))


class MaliciousSignal(PolicyBase):
    """A sign that a review is malicious: extortion wording, or counts from one IP / buyer / return rate."""

    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("信号类型"), max_length=16, choices=SignalKind.choices)
    match_mode = models.CharField(
        _("匹配方式"), max_length=16, choices=MatchMode.choices, default=MatchMode.KEYWORDS
    )
    patterns = models.TextField(_("用语"), blank=True, help_text=_("仅“勒索/敲诈用语”使用，每行一个。"))
    threshold = models.DecimalField(
        _("阈值"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("同一IP/同一买家：窗口内差评条数达到此值；退货率：达到此百分比。"),
    )
    window_days = models.PositiveSmallIntegerField(_("统计窗口(天)"), null=True, blank=True)

    class Meta:
        verbose_name = _("恶意信号")
        verbose_name_plural = _("恶意信号")
        ordering = ["kind", "pk"]
        constraints = [one_layer("malicious_signal")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == SignalKind.PHRASE:
            try:
                items = validate_patterns(self.match_mode, self.patterns)
            except ValidationError as exc:
                raise ValidationError({"patterns": exc})
            if not items:
                raise ValidationError({"patterns": _("用语类信号至少填写一个用语。")})
        else:
            if self.threshold is None or self.threshold <= 0:
                raise ValidationError({"threshold": _("计数/比率类信号必须填写大于0的阈值。")})
            if self.kind != SignalKind.RETURN_RATE and not self.window_days:
                raise ValidationError({"window_days": _("计数类信号必须填写统计窗口天数。")})
            if self.kind == SignalKind.RETURN_RATE and self.threshold > 100:
                raise ValidationError({"threshold": _("退货率阈值是百分比，不能超过100。")})
