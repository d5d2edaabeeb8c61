"""Prevention's data: orders and their traces (platform data), the rules that say what is late and who is
risky, and the words that put an after-sale's reason in a category (policy data, layered global → client →
shop like every rule of the pack), the prevention tasks a late order opens and the flags a risky buyer's
order gets."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.models.base import PolicyBase, one_layer, split_lines, unique_per_layer
from prevention.choices import (
    WATCHED_STATUSES,
    AfterSale,
    LateReason,
    OrderSource,
    OrderStatus,
    PullKind,
    ReturnReason,
    TaskOutcome,
    TaskStatus,
)
from reviewdesk.choices import Platform
from reviewdesk.money import MONEY


class OrderMapping(models.Model):
    """How one platform's order export names its columns (field → header aliases), and how its status
    words read: data a manager edits, like the review import's mappings (``cases.ImportMapping``)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    platforms = models.CharField(_("适用平台"), max_length=100, blank=True)
    columns = models.JSONField(_("列名映射"), default=dict)
    required_fields = models.JSONField(_("必填字段"), default=list)
    status_map = models.JSONField(_("订单状态映射"), default=dict, blank=True)
    after_sale_map = models.JSONField(_("售后状态映射"), default=dict, blank=True)
    ship_within_hours = models.PositiveIntegerField(
        _("默认承诺发货(小时)"), default=48, help_text=_("文件没有承诺发货时间时，按付款后多少小时计。")
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("订单导入列映射")
        verbose_name_plural = _("订单导入列映射")
        ordering = ["priority", "code"]

    def __str__(self):
        return self.name


class Order(models.Model):
    """One platform order as its export or the platform's API says it. ``last_movement_at``, ``station``
    and ``station_since`` are kept from the trace events (``prevention.orders.order_record_traces``) so
    the sweep reads one row per order and no event."""

    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺")
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    order_no = models.CharField(_("订单编号"), max_length=64)
    buyer_nick = models.CharField(_("买家昵称"), max_length=100, blank=True)
    item_id = models.CharField(_("商品ID"), max_length=64, blank=True)
    item_title = models.CharField(_("商品名称"), max_length=255, blank=True)
    sku = models.CharField(_("商品规格"), max_length=255, blank=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    ship_by = models.DateTimeField(_("承诺发货时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    courier = models.CharField(_("快递公司"), max_length=64, blank=True)
    tracking_no = models.CharField(_("运单号"), max_length=64, blank=True)
    status = models.CharField(_("订单状态"), max_length=20, choices=OrderStatus.choices)
    after_sale = models.CharField(_("售后"), max_length=16, choices=AfterSale.choices, blank=True, default="")
    after_sale_reason = models.CharField(_("售后原因"), max_length=255, blank=True, default="")
    after_sale_reason_kind = models.CharField(
        _("售后原因分类"), max_length=16, choices=ReturnReason.choices, blank=True, default=""
    )
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    last_movement_at = models.DateTimeField(_("最近物流更新"), null=True, blank=True)
    station = models.CharField(_("当前站点"), max_length=128, blank=True)
    station_since = models.DateTimeField(_("到达当前站点时间"), null=True, blank=True)
    traced_at = models.DateTimeField(_("最近拉取物流轨迹"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=OrderSource.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_no"], name="prevention_order_unique_per_shop"),
        ]
        indexes = [
            # The sweep's only read: the orders still on their way. Delivered and closed orders (the
            # millions) are not in it, so the sweep costs the same whatever their number.
            models.Index(
                fields=["status", "shop"],
                name="prevention_order_watched",
                condition=models.Q(status__in=WATCHED_STATUSES),
            ),
            models.Index(fields=["shop", "buyer_nick"], name="prevention_order_buyer"),
        ]

    def __str__(self):
        return self.order_no


class OrderPullCursor(models.Model):
    """How far a connector's incremental order pull has read (``prevention.pull_orders``): the platform's
    modified time up to which every change of that kind is stored. One row per connector and kind; the
    pull locks it for each window, so a second cluster never reads the same window at the same time."""

    connector = models.ForeignKey(
        "connectors.Connector", on_delete=models.CASCADE, related_name="+", verbose_name=_("平台对接")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PullKind.choices)
    cursor_at = models.DateTimeField(_("已拉取至"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("订单拉取进度")
        verbose_name_plural = _("订单拉取进度")
        constraints = [
            models.UniqueConstraint(fields=["connector", "kind"], name="prevention_pull_cursor_unique"),
        ]

    def __str__(self):
        return f"{self.connector_id} · {self.kind}"


class TraceEvent(models.Model):
    """One step of a parcel's logistics trace."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="traces", verbose_name=_("订单"))
    at = models.DateTimeField(_("时间"))
    station = models.CharField(_("站点"), max_length=128, blank=True)
    description = models.CharField(_("描述"), max_length=255)

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "at", "description"], name="prevention_trace_unique"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.station}"


class LateRule(PolicyBase):
    """What "late" means for one platform and courier (blank: every platform or courier). Each threshold
    left empty is not checked. Hours count in the shop's business calendar when ``business_hours`` is on
    (a holiday when the courier does not move is not "no movement"); days are calendar days.

    Which row applies to an order: the most specific layer replaces a row of the same platform and
    courier (shop over client over global), then the best match wins (platform and courier, courier,
    platform, neither)."""

    name = models.CharField(_("名称"), max_length=64)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices, blank=True)
    courier = models.CharField(
        _("快递公司"),
        max_length=64,
        blank=True,
        help_text=_("快递公司名称中包含此文字即适用，留空表示所有快递。"),
    )
    ship_grace_hours = models.PositiveIntegerField(
        _("未发货宽限(小时)"),
        null=True,
        blank=True,
        help_text=_("超过承诺发货时间多少小时仍未发货算延迟；留空不检查。"),
    )
    no_movement_hours = models.PositiveIntegerField(_("物流未更新(小时)"), null=True, blank=True)
    stuck_hours = models.PositiveIntegerField(_("同一站点滞留(小时)"), null=True, blank=True)
    delivery_days = models.PositiveIntegerField(_("预计送达天数"), null=True, blank=True)
    business_hours = models.BooleanField(_("按营业日历计时"), default=True)
    offer_text = models.TextField(
        _("主动补偿话术"), blank=True, help_text=_("发给买家的话术，须通过合规检查，不得与评价挂钩。")
    )
    offer_amount = models.DecimalField(_("补偿金额(元)"), null=True, blank=True, **MONEY)
    task_sla_hours = models.PositiveIntegerField(
        _("任务处理时限(营业小时)"),
        default=4,
        help_text=_(
            "按店铺营业日历计时。大促时段内开启的任务按大促排班日历计时(大促未设排班日历则仍按店铺日历)，"
            "小时数不变；任务页注明是哪个大促。"
        ),
    )

    class Meta:
        verbose_name = _("物流延迟规则")
        verbose_name_plural = _("物流延迟规则")
        constraints = [
            one_layer("prevention_laterule"),
            # one row per platform and courier in a layer: the loader keys them so (prevention.rules)
            *unique_per_layer(["platform", "courier"], "uniq_late_rule_{layer}"),
        ]

    def __str__(self):
        return self.name


class RiskRule(PolicyBase):
    """When a buyer's new order is risky, from the shop's own history. Each threshold left empty is not
    checked; any one reached flags the order with that reason."""

    name = models.CharField(_("名称"), max_length=64)
    min_after_sales = models.PositiveIntegerField(_("退款/退货次数达到"), null=True, blank=True)
    min_negative_reviews = models.PositiveIntegerField(_("中差评次数达到"), null=True, blank=True)
    min_malicious = models.PositiveIntegerField(_("疑似恶意评价次数达到"), null=True, blank=True)
    extortion = models.BooleanField(_("有勒索用语即标记"), default=True)
    suggestion = models.CharField(_("建议"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("高风险订单规则")
        verbose_name_plural = _("高风险订单规则")
        constraints = [
            one_layer("prevention_riskrule"),
            *unique_per_layer(
                ["name"], "uniq_risk_rule_{layer}"
            ),  # a client's or shop's row replaces by name
        ]

    def __str__(self):
        return self.name


def validate_keywords(value: str) -> None:
    """At least one word: a rule that matches nothing is a mistake, not a rule."""
    if not split_lines(value):
        raise ValidationError(
            _("请至少填写一个关键词(每行一个，也可用“、”或逗号分隔)。"), code="empty_keywords"
        )


class ReturnReasonRule(PolicyBase):
    """Which words put an after-sale's reason (the buyer's words) in a category (``prevention.reasons``).
    The rules are tried by ``priority`` (lower first) and the first one a word of which the reason contains
    wins; a reason none matches is 其他. A shop's or a client's row replaces the lower layers' row of the
    same category (its words replace theirs); an inactive one switches that category off for the shop."""

    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(
        _("原因分类"),
        max_length=16,
        choices=[(value, label) for value, label in ReturnReason.choices if value != ReturnReason.OTHER],
    )
    keywords = models.TextField(
        _("关键词"),
        validators=[validate_keywords],
        help_text=_(
            "售后原因包含其中任一词即归入该分类。每行一个，也可用“、”或逗号分隔。品牌方或店铺的同类规则整体取代全局规则的关键词：仍要保留的词请一并写上。"
        ),
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级"),
        default=100,
        help_text=_("数字小的先匹配：原因同时含有两个分类的词时，归入优先级数字小的分类。"),
    )

    class Meta:
        verbose_name = _("售后原因分类规则")
        verbose_name_plural = _("售后原因分类规则")
        ordering = ["priority", "pk"]
        constraints = [
            one_layer("prevention_returnreasonrule"),
            *unique_per_layer(["category"], "uniq_return_reason_{layer}"),  # one row per category in a layer
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        # Each word trimmed, one a line: what the loader reads is what the manager sees.
        self.keywords = "\n".join(split_lines(self.keywords))

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(split_lines(self.keywords))


class RiskFlag(models.Model):
    """A new order of a risky buyer. ``reasons``: ``[{"code": RiskReason, "count": n}]`` (words at display,
    in the reader's language)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="risk", verbose_name=_("订单"))
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺")
    )
    reasons = models.JSONField(_("原因"), default=list)
    suggestion = models.CharField(_("建议"), max_length=255, blank=True)
    rule_id_ref = models.PositiveIntegerField(_("规则ID"), null=True, blank=True)
    created_at = models.DateTimeField(_("标记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("高风险订单")
        verbose_name_plural = _("高风险订单")

    def __str__(self):
        return str(self.order_id)


class PreventionTask(models.Model):
    """A late order for the shop's agents to act on before the buyer writes about it (not a case)."""

    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺")
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("订单"))
    reason = models.CharField(_("原因"), max_length=16, choices=LateReason.choices)
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opened_at = models.DateTimeField(_("创建时间"))
    due_at = models.DateTimeField(_("处理截止"))
    rule_id_ref = models.PositiveIntegerField(_("规则ID"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    offer_text = models.TextField(_("主动补偿话术"), blank=True)
    offer_amount = models.DecimalField(_("补偿金额(元)"), null=True, blank=True, **MONEY)
    offer_refused = models.BooleanField(_("话术未通过合规检查"), default=False)
    # The peak season in force when the task opened (``policies.CampaignPeriod``): its staffing calendar,
    # if it has one, counted the task's time (``LateRule.task_sla_hours``). Names as they were then.
    campaign_id_ref = models.PositiveIntegerField(_("大促时段ID"), null=True, blank=True)
    campaign_name = models.CharField(_("大促时段"), max_length=64, blank=True)
    campaign_calendar = models.CharField(
        _("大促排班日历"), max_length=64, blank=True, help_text=_("留空：大促未设排班日历，按店铺日历计时。")
    )
    outcome = models.CharField(_("处理结果"), max_length=16, choices=TaskOutcome.choices, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("后续案件"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("预防任务")
        verbose_name_plural = _("预防任务")
        constraints = [
            # The sweep's idempotency key: one open task per order and reason, whichever cluster runs it.
            models.UniqueConstraint(
                fields=["order", "reason"],
                condition=models.Q(status=TaskStatus.OPEN),
                name="prevention_task_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "due_at"], name="prevention_task_queue"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} #{self.pk}"
