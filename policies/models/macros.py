from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import OptionKind
from policies.models.base import PolicyBase, one_layer
from policies.models.messaging import ReplyTemplate
from reviewdesk.money import MONEY


class Macro(PolicyBase):
    """A reply template plus an optional compensation, applied to a case in one step ("致歉 + 5元券").

    The compensation is only named here (type and amount): applying the macro offers the case's matching
    option of the compensation matrix through the offer service, which refuses an option the matrix does
    not give this case and sends one above its cap for approval (``cases.workflow.macros``). So a macro
    can never grant more than the matrix and caps allow.
    """

    name = models.CharField(_("名称"), max_length=64, help_text=_("如：致歉 + 5元券。"))
    reply_template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.PROTECT,
        related_name="macros",
        verbose_name=_("回复模板"),
        help_text=_("应用时为案件生成的草稿(放进回复框，不会自动发出)。"),
    )
    compensation_kind = models.CharField(
        _("补偿类型"),
        max_length=32,
        choices=OptionKind.choices,
        blank=True,
        help_text=_("留空表示只起草回复，不提出补偿。"),
    )
    compensation_amount = models.DecimalField(
        _("补偿金额(元)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"), message=_("金额不能为负数。"))],
        help_text=_("须是补偿矩阵为该案件给出的方案金额；留空表示该类型的任一方案。"),
        **MONEY,
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("快捷宏")
        verbose_name_plural = _("快捷宏")
        ordering = ["sort_order", "name", "pk"]
        constraints = [
            one_layer("macro"),
            models.CheckConstraint(
                condition=models.Q(compensation_amount__isnull=True) | models.Q(compensation_amount__gte=0),
                name="macro_amount_non_negative",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.compensation_amount is not None and not self.compensation_kind:
            raise ValidationError({"compensation_kind": _("填写了补偿金额时请选择补偿类型。")})
        template = self.reply_template if self.reply_template_id else None
        if template is None:
            return
        if not _template_reaches(template, shop=self.shop, client_id=self.client_id):
            raise ValidationError(
                {
                    "reply_template": _(
                        "模板“%(name)s”不属于此快捷宏的层级：全局快捷宏只能用全局模板，"
                        "品牌方的快捷宏用全局或该品牌方的模板，店铺的快捷宏用全局、其品牌方或该店铺的模板。"
                    )
                    % {"name": template.name}
                }
            )


def _template_reaches(template: ReplyTemplate, *, shop, client_id) -> bool:
    """A template applies wherever its own layer covers the macro's layer."""
    if template.shop_id:
        return shop is not None and template.shop_id == shop.pk
    if template.client_id:
        layer_client = shop.client_id if shop is not None else client_id
        return layer_client is not None and template.client_id == layer_client
    return True
