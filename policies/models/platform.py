from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.models.base import PolicyBase, one_layer, unique_per_layer
from reviewdesk.choices import Platform


class PlatformRule(PolicyBase):
    """What a platform allows: revision, seller reply, appeals, and asking for a revision at all."""

    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    case_rating_max = models.PositiveSmallIntegerField(
        _("开案评分上限"),
        default=3,
        help_text=_("统一为1–5分：评分不高于此值(中评=3、差评=1)即开案；关键词命中时任何评分都开案。"),
    )
    revision_allowed = models.BooleanField(_("买家可修改评价"), default=False)
    revision_max_count = models.PositiveSmallIntegerField(_("可修改次数"), default=0)
    revision_window_days = models.PositiveSmallIntegerField(_("修改期限(天)"), default=0)
    revision_note = models.CharField(_("修改方式说明"), max_length=200, blank=True)
    reply_allowed = models.BooleanField(_("商家可回复/解释"), default=True)
    reply_window_days = models.PositiveSmallIntegerField(_("回复期限(天)"), null=True, blank=True)
    reply_max_chars = models.PositiveIntegerField(_("回复字数上限"), null=True, blank=True)
    reply_once = models.BooleanField(_("每条评价仅可回复一次"), default=False)
    reply_closed_after_append = models.BooleanField(_("追评后不可解释"), default=False)
    appeal_allowed = models.BooleanField(_("可申诉恶意评价"), default=True)
    appeal_window_days = models.PositiveSmallIntegerField(_("申诉期限(天)"), null=True, blank=True)
    may_request_revision = models.BooleanField(
        _("允许请买家修改/追加评价"),
        default=False,
        help_text=_("不允许时，回访计划中“请修改评价”的步骤会被跳过，且合规检查应拦截此类话术。"),
    )

    class Meta:
        verbose_name = _("平台规则")
        verbose_name_plural = _("平台规则")
        ordering = ["platform", "shop__code"]
        constraints = [
            *unique_per_layer(["platform"], "uniq_platform_rule_{layer}"),
            one_layer("platform_rule"),
            models.CheckConstraint(
                condition=models.Q(case_rating_max__gte=1, case_rating_max__lte=5),
                name="platform_rule_case_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.get_platform_display()} · {self.scope_label}"

    def clean(self):
        errors = {}
        if self.revision_allowed and not self.revision_window_days:
            errors["revision_window_days"] = _("允许修改评价时必须填写修改期限。")
        if self.appeal_allowed and not self.appeal_window_days:
            errors["appeal_window_days"] = _("允许申诉时必须填写申诉期限。")
        if self.shop_id and self.shop.platform != self.platform:
            errors["shop"] = _("店铺所在平台与规则的平台不一致。")
        if errors:
            raise ValidationError(errors)
