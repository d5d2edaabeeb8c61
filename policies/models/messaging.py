import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import (
    Channel,
    ComplianceAction,
    ComplianceCategory,
    ComplianceMatchMode,
    TemplateAudience,
    TemplateCondition,
    TemplateStage,
)
from policies.compliance.rules import parse_platform_actions, validate_terms
from policies.models.base import PolicyBase, one_layer, split_codes, validate_platform_list
from policies.models.classification import IssueType
from policies.placeholders import PLACEHOLDERS
from reviewdesk.choices import Platform


def template_placeholders(body: str) -> list[str]:
    """The {names} a body uses; raises ValidationError on a malformed brace."""
    try:
        return [
            field for _text, field, _spec, _conv in string.Formatter().parse(body or "") if field is not None
        ]
    except ValueError as exc:
        raise ValidationError(
            _("模板格式错误(花括号不成对？)：%(error)s"), code="bad_template", params={"error": exc}
        )


class ReplyTemplate(PolicyBase):
    name = models.CharField(_("名称"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=24, choices=Channel.choices)
    stage = models.CharField(_("阶段"), max_length=24, choices=TemplateStage.choices)
    platform = models.CharField(
        _("平台"), max_length=16, choices=Platform.choices, blank=True, help_text=_("留空表示所有平台。")
    )
    issue_type = models.ForeignKey(
        IssueType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
        verbose_name=_("问题类型"),
        help_text=_("留空表示所有类型。"),
    )
    language = models.CharField(
        _("语言"), max_length=8, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )
    body = models.TextField(
        _("正文"), help_text=_("可用占位符：") + ", ".join("{%s}" % k for k in PLACEHOLDERS)
    )
    source = models.CharField(_("来源"), max_length=100, blank=True, help_text=_("如：默认话术：私信模板。"))
    audience = models.CharField(
        _("适用案件"),
        max_length=16,
        choices=TemplateAudience.choices,
        default=TemplateAudience.NORMAL,
        help_text=_("恶意差评案件只提供恶意差评模板，普通案件只提供普通模板。"),
    )
    conditions = models.CharField(
        _("使用条件"),
        max_length=200,
        blank=True,
        help_text=_("全部满足才提供此模板；不勾选表示无条件。"),
    )

    class Meta:
        verbose_name = _("回复模板")
        verbose_name_plural = _("回复模板")
        ordering = ["stage", "channel", "name"]
        constraints = [one_layer("reply_template")]

    def __str__(self):
        return self.name

    @property
    def condition_list(self) -> list[str]:
        return split_codes(self.conditions)

    def _clean_audience(self) -> None:
        errors = {}
        unknown_conditions = [c for c in self.condition_list if c not in TemplateCondition.values]
        if unknown_conditions:
            errors["conditions"] = _("未知条件代码：%(codes)s。可用：%(known)s") % {
                "codes": ", ".join(unknown_conditions),
                "known": ", ".join(TemplateCondition.values),
            }
        if self.issue_type_id and self.issue_type.is_malicious != (
            self.audience == TemplateAudience.MALICIOUS
        ):
            errors["audience"] = _("问题类型“%(issue)s”的模板只能用于%(audience)s。") % {
                "issue": self.issue_type.name,
                "audience": TemplateAudience.MALICIOUS.label
                if self.issue_type.is_malicious
                else TemplateAudience.NORMAL.label,
            }
        if errors:
            raise ValidationError(errors)

    def clean(self):
        """What the row says by itself; whether an active template passes the compliance rules needs the
        loaded pack and the engine: ``policies.validation.check_template``, run by every writing path."""
        self._clean_audience()
        unknown = sorted({name for name in template_placeholders(self.body) if name not in PLACEHOLDERS})
        if unknown:
            raise ValidationError(
                {
                    "body": _("未知占位符：%(names)s。可用：%(allowed)s")
                    % {
                        "names": ", ".join("{%s}" % n for n in unknown),
                        "allowed": ", ".join("{%s}" % k for k in PLACEHOLDERS),
                    }
                }
            )


class ComplianceRule(PolicyBase):
    """Wording a platform's rules forbid (block) or that needs a second look (warn), with the reason shown.

    Every kind is matched on the normalised text (``policies.compliance.normalise``: simplified,
    half-width, lower case, no spaces or punctuation, numerals as digits, the usual disguises undone);
    a finding still reports the span of the original text.
    """

    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(
        _("类别"), max_length=24, choices=ComplianceCategory.choices, default=ComplianceCategory.OTHER
    )
    platforms = models.CharField(
        _("适用平台"),
        max_length=100,
        blank=True,
        validators=[validate_platform_list],
        help_text=_("平台代码，逗号分隔(taobao, tmall, douyin, jd, pdd)；留空表示所有平台。"),
    )
    channels = models.CharField(
        _("适用渠道"),
        max_length=200,
        blank=True,
        help_text=_(
            "渠道代码，逗号分隔(private_message, public_reply, sms, phone_script)；留空表示所有渠道。"
        ),
    )
    match_mode = models.CharField(
        _("匹配方式"),
        max_length=16,
        choices=ComplianceMatchMode.choices,
        default=ComplianceMatchMode.KEYWORDS,
    )
    patterns = models.TextField(
        _("用语/正则"),
        blank=True,
        help_text=_(
            "每行一个。在规范化后的文本上匹配：简体、半角、小写，去掉空格和标点，中文数字写成阿拉伯数字(五星→5星)。"
        ),
    )
    terms_a = models.TextField(
        _("甲类词"), blank=True, help_text=_("组合规则用：每行一个词或正则，如评价类词(好评、5星、晒图)。")
    )
    terms_b = models.TextField(
        _("乙类词"), blank=True, help_text=_("组合规则用：每行一个词或正则，如利益类词(返现、红包、免单)。")
    )
    distance = models.PositiveSmallIntegerField(
        _("最大间距(字)"),
        default=12,
        help_text=_("组合规则用：甲类词与乙类词之间最多相隔的字数(规范化后)，先后顺序不限。"),
    )
    action = models.CharField(
        _("处理"), max_length=8, choices=ComplianceAction.choices, default=ComplianceAction.BLOCK
    )
    platform_actions = models.CharField(
        _("各平台处理"),
        max_length=200,
        blank=True,
        help_text=_("按平台覆盖“处理”，如 淘宝:拦截、天猫:拦截、抖店:警告；未列出的平台用“处理”。"),
    )
    cited_rule = models.CharField(
        _("依据的平台规则"), max_length=300, blank=True, help_text=_("如：《淘宝网评价规范》第X条。")
    )
    reason = models.CharField(_("向客服展示的原因"), max_length=300)

    class Meta:
        verbose_name = _("合规规则")
        verbose_name_plural = _("合规规则")
        ordering = ["action", "name"]
        constraints = [one_layer("compliance_rule")]

    def __str__(self):
        return self.name

    @property
    def platform_list(self) -> list[str]:
        return split_codes(self.platforms)

    @property
    def channel_list(self) -> list[str]:
        return split_codes(self.channels)

    def clean(self):
        errors = {}
        unknown = [c for c in self.channel_list if c not in Channel.values]
        if unknown:
            errors["channels"] = _("未知渠道代码：%(codes)s。可用：%(known)s") % {
                "codes": ", ".join(unknown),
                "known": ", ".join(Channel.values),
            }
        try:
            parse_platform_actions(self.platform_actions)
        except ValidationError as exc:
            errors["platform_actions"] = exc.messages
        if self.match_mode == ComplianceMatchMode.COMBINATION:
            for field in ("terms_a", "terms_b"):
                try:
                    validate_terms(
                        getattr(self, field), regex=True, label=self._meta.get_field(field).verbose_name
                    )
                except ValidationError as exc:
                    errors[field] = exc.messages
            if not 1 <= (self.distance or 0) <= 200:
                errors["distance"] = _("最大间距须在1到200字之间。")
        else:
            try:
                validate_terms(
                    self.patterns,
                    regex=self.match_mode == ComplianceMatchMode.REGEX,
                    label=self._meta.get_field("patterns").verbose_name,
                )
            except ValidationError as exc:
                errors["patterns"] = exc.messages
        if errors:
            raise ValidationError(errors)
