import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import Channel, ComplianceAction, MatchMode, TemplateStage
from policies.models.base import PolicyBase, split_codes, validate_platform_list
from policies.models.classification import IssueType, validate_patterns
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
    source = models.CharField(_("来源"), max_length=100, blank=True, help_text=_("如：种子文档001私信模板。"))

    class Meta:
        verbose_name = _("回复模板")
        verbose_name_plural = _("回复模板")
        ordering = ["stage", "channel", "name"]

    def __str__(self):
        return self.name

    def clean(self):
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
        if self.active:
            from policies.engine import check_compliance
            from policies.loader import load_policy

            platforms = [self.platform] if self.platform else list(Platform.values)
            shop = self.shop if self.shop_id else None
            for platform in platforms:
                report = check_compliance(
                    self.body,
                    platform=platform,
                    channel=self.channel,
                    policy=load_policy(shop=shop, platform=platform),
                )
                if report.blocked:
                    raise ValidationError(
                        {
                            "body": _("启用中的模板违反%(platform)s的合规规则：%(reasons)s")
                            % {
                                "platform": Platform(platform).label,
                                "reasons": "；".join(f.describe() for f in report.blocking),
                            }
                        }
                    )


class ComplianceRule(PolicyBase):
    """Wording a platform's rules forbid (block) or that needs a second look (warn), with the reason shown."""

    name = models.CharField(_("名称"), max_length=64)
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
        _("匹配方式"), max_length=16, choices=MatchMode.choices, default=MatchMode.KEYWORDS
    )
    patterns = models.TextField(_("用语/正则"), help_text=_("每行一个。"))
    action = models.CharField(
        _("处理"), max_length=8, choices=ComplianceAction.choices, default=ComplianceAction.BLOCK
    )
    reason = models.CharField(_("向客服展示的原因"), max_length=300)

    class Meta:
        verbose_name = _("合规规则")
        verbose_name_plural = _("合规规则")
        ordering = ["action", "name"]

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
            if not validate_patterns(self.match_mode, self.patterns):
                errors["patterns"] = _("至少填写一个用语或正则。")
        except ValidationError as exc:
            errors["patterns"] = exc.messages
        if errors:
            raise ValidationError(errors)
