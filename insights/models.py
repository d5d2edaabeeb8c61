"""What the insights app stores: the daily rollup it reads, its settings, report recipients and reports.

The rollup holds, per shop, Asia/Shanghai day and *one dimension value* (an issue type, a SKU or a
courier), the number of reviews and of neutral (3) and negative (≤ 2) ones. One row per dimension
value — not one per (issue type × SKU × courier) combination — so the table grows with the number
of distinct values a shop sees in a day, not with its reviews. The rollup is derived data: it is
rebuilt per (shop, day) by ``insights.services.rollup`` and may be rebuilt at any time.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from insights.choices import Dimension, RecipientPurpose
from reviewdesk.choices import Platform


class ReviewRollup(models.Model):
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺")
    )
    day = models.DateField(_("日期(北京时间)"))
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    dimension = models.CharField(_("维度"), max_length=12, choices=Dimension.choices)
    key = models.CharField(
        _("取值"), max_length=340, help_text=_("问题类型ID、“商品ID|规格”或物流公司；空表示未填写。")
    )
    label = models.CharField(_("名称"), max_length=340, blank=True)
    reviews = models.PositiveIntegerField(_("评价数"), default=0)
    neutral = models.PositiveIntegerField(_("中评数(3分)"), default=0)
    negative = models.PositiveIntegerField(_("差评数(≤2分)"), default=0)

    class Meta:
        verbose_name = _("评价日汇总")
        verbose_name_plural = _("评价日汇总")
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "dimension", "key"], name="uniq_insights_rollup"),
        ]
        indexes = [
            models.Index(
                fields=["dimension", "day", "shop"], name="insights_rollup_dim_day"
            ),  # all shops (weekly)
            models.Index(
                fields=["shop", "dimension", "day"], name="insights_rollup_shop_dim_day"
            ),  # one shop's range
        ]
        permissions = [("view_insights", _("可查看数据看板、周报和超时未解决清单"))]

    def __str__(self):
        return f"{self.shop_id} {self.day} {self.dimension}:{self.key}"


class OfferRollup(models.Model):
    """Compensation offers per shop, Asia/Shanghai day *the case was opened* (the dashboard's range
    selects offers by their case's opening), option, issue type and buyer answer: how many and what
    they cost. The dashboard's cost and acceptance tables read it instead of every offer. Derived
    data, kept current by ``insights.services.offer_rollup`` when an offer is made or answered."""

    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺")
    )
    day = models.DateField(_("开案日期(北京时间)"))
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    option_id = models.PositiveIntegerField(_("方案ID"))
    option_name = models.CharField(_("方案"), max_length=100)
    issue_type = models.ForeignKey(
        "policies.IssueType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("问题类型"),
    )
    answer = models.CharField(_("买家答复"), max_length=16, blank=True, help_text=_("空表示尚未答复。"))
    offers = models.PositiveIntegerField(_("方案数"), default=0)
    cost = models.DecimalField(_("成本(元)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("补偿方案日汇总")
        verbose_name_plural = _("补偿方案日汇总")
        constraints = [
            # Coalesce: one row per key even without an issue type (NULLs are distinct in a unique index).
            models.UniqueConstraint(
                "shop",
                "day",
                "option_id",
                "option_name",
                Coalesce("issue_type", Value(0)),
                "answer",
                name="uniq_insights_offer_rollup",
            ),
        ]

    def __str__(self):
        return f"{self.shop_id} {self.day} {self.option_name} {self.answer or '-'}: {self.offers}"


class RollupState(models.Model):
    """The refresh task's watermark: the newest import batch whose reviews are in the rollup."""

    name = models.CharField(max_length=32, unique=True, default="default")
    last_batch_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总刷新状态")
        verbose_name_plural = _("汇总刷新状态")

    def __str__(self):
        return f"{self.name}: batch {self.last_batch_id}"


class InsightSettings(models.Model):
    """One row (pk 1): the numbers of the courier watch a manager may edit."""

    courier_threshold_percent = models.DecimalField(
        _("物流中差评率阈值(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("某物流公司在某店铺的中差评率高于此值(不含等于)即为超标。"),
    )
    courier_months = models.PositiveSmallIntegerField(
        _("连续超标月数"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("连续这么多个完整自然月超标即标记为建议更换。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("看板设置")
        verbose_name_plural = _("看板设置")

    def __str__(self):
        return str(_("看板设置"))

    @classmethod
    def current(cls) -> "InsightSettings":
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


class ReportRecipient(models.Model):
    """Who receives the weekly Top-3 report and/or the daily unresolved list: a user (in-app bell and,
    for an email channel, their address) and/or one of the shops' notification channels."""

    purpose = models.CharField(_("部门"), max_length=16, choices=RecipientPurpose.choices)
    user = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    channel = models.ForeignKey(
        "cases.NotificationChannel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("通知渠道"),
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示接收全部店铺的周报；填写则接收该店铺的周报。"),
    )
    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
        help_text=_("填写则接收该品牌方的周报(只含其店铺)；与店铺二选一。"),
    )
    weekly_report = models.BooleanField(_("接收周报"), default=True)
    daily_unresolved = models.BooleanField(_("接收每日超时未解决清单"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("报告接收人")
        verbose_name_plural = _("报告接收人")
        ordering = ["purpose", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(channel__isnull=False),
                name="insights_recipient_target",
            ),
            models.CheckConstraint(
                condition=models.Q(shop__isnull=True) | models.Q(client__isnull=True),
                name="insights_recipient_one_scope",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.user or ''} {self.channel or ''}".strip()

    def clean(self):
        from cases.notifications.choices import ChannelKind

        if not self.user_id and not self.channel_id:
            raise ValidationError(_("请至少填写用户或通知渠道之一。"))
        if self.shop_id and self.client_id:
            raise ValidationError({"client": _("店铺和品牌方只能填写其一。")})
        if (
            self.channel_id
            and self.channel.kind == ChannelKind.EMAIL
            and not (self.user_id and self.user.email)
        ):
            raise ValidationError({"user": _("邮件渠道需要同时填写有邮箱的用户。")})


def report_path(instance, filename: str) -> str:
    return f"insights/reports/{instance.week}/top3-{instance.week}-{instance.scope_code}.xlsx"


class WeeklyReport(models.Model):
    """A stored weekly Top-3 workbook, of one of three scopes: a shop (one per (week, shop)), a client
    (one per (week, client): the client's shops only) or, with neither, all shops (one per week).
    Rebuilding replaces it. Who may read it: ``insights.admin`` (``report_rows``)."""

    week = models.CharField(_("ISO周"), max_length=8, help_text=_("如 2026-W47"))
    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
    )
    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
    )
    file = models.FileField(_("工作簿"), upload_to=report_path, max_length=255)
    total_negative = models.PositiveIntegerField(_("中差评总数"), default=0)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    built_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("差评TOP3周报")
        verbose_name_plural = _("差评TOP3周报")
        ordering = ["-week", "shop_id"]
        constraints = [
            models.UniqueConstraint(fields=["week", "shop"], name="uniq_weekly_report_shop"),
            models.UniqueConstraint(fields=["week", "client"], name="uniq_weekly_report_client"),
            models.UniqueConstraint(
                fields=["week"],
                condition=models.Q(shop__isnull=True, client__isnull=True),
                name="uniq_weekly_report_every_shop",
            ),
            models.CheckConstraint(
                condition=models.Q(shop__isnull=True) | models.Q(client__isnull=True),
                name="insights_weekly_report_one_scope",
            ),
        ]

    def __str__(self):
        return f"{self.week} {self.scope_code}"

    @property
    def scope_code(self) -> str:
        """The shop's code, ``client-<code>`` for a client's report, ``all`` for every shop's."""
        if self.shop_id:
            return self.shop.code
        if self.client_id:
            return f"client-{self.client.code}"
        return "all"


# Shop health (DSR scores and their watch) lives in its own folder; its models register with this app.
from insights.health.models import DsrScore, HealthWatch  # noqa: E402, F401
