"""Reviews as the platforms export them, the buyers who wrote them, and every later change."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import IntakeSource
from reviewdesk.choices import Platform
from reviewdesk.money import MONEY


class Buyer(models.Model):
    """One buyer nick in one shop. Counters make the engine's per-buyer signals cheap to read;
    windowed counts (negative reviews in the last N days) are computed in bulk by the intake."""

    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    shop = models.ForeignKey(  # indexed by uniq_buyer_shop_nick, which leads with it
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        related_name="buyers",
        verbose_name=_("店铺"),
        db_index=False,
    )
    nick = models.CharField(_("买家昵称"), max_length=100)
    review_count = models.PositiveIntegerField(_("评价数"), default=0)
    negative_review_count = models.PositiveIntegerField(_("中差评数"), default=0)
    first_review_at = models.DateTimeField(_("首次评价时间"), null=True, blank=True)
    last_review_at = models.DateTimeField(_("最近评价时间"), null=True, blank=True)
    last_negative_at = models.DateTimeField(_("最近中差评时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("买家")
        verbose_name_plural = _("买家")
        constraints = [models.UniqueConstraint(fields=["shop", "nick"], name="uniq_buyer_shop_nick")]

    def __str__(self):
        return self.nick


class Review(models.Model):
    """A buyer's review. ``external_id`` is its identity within the shop: the platform's review id
    where there is one, else derived from the (sub-)order and item (see cases.imports.cells)."""

    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    shop = models.ForeignKey(  # indexed by uniq_review_shop_external_id, which leads with it
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("店铺"),
        db_index=False,
    )
    external_id = models.CharField(_("评价标识"), max_length=128)
    order_no = models.CharField(_("订单编号"), max_length=64, blank=True)
    sub_order_no = models.CharField(_("子订单编号"), max_length=64, blank=True)
    item_id = models.CharField(_("商品ID"), max_length=64, blank=True)
    item_title = models.CharField(_("商品名称"), max_length=255, blank=True)
    sku = models.CharField(_("商品规格"), max_length=255, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("评分(1–5)"), help_text=_("好评=5，中评=3，差评=1；抖店评分原样1–5。")
    )
    rating_text = models.CharField(_("原始评价等级"), max_length=32, blank=True)
    content = models.TextField(_("评价内容"), blank=True)
    appended_content = models.TextField(_("追评内容"), blank=True)
    appended_at = models.DateTimeField(_("追评时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("评价时间"))
    received_at = models.DateTimeField(_("收到时间"), help_text=_("评价进入系统的时间，SLA从此开始计时。"))
    buyer = models.ForeignKey(  # indexed by review_buyer_time, which leads with it
        Buyer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("买家"),
        db_index=False,
    )
    buyer_nick = models.CharField(_("买家昵称"), max_length=100, blank=True)
    buyer_ip = models.GenericIPAddressField(_("买家IP"), null=True, blank=True)
    # Personal data: stored for the case work, masked by role later, never logged or exported by default.
    buyer_phone = models.CharField(_("买家电话"), max_length=32, null=True, blank=True)
    buyer_address = models.CharField(_("收货地址"), max_length=255, null=True, blank=True)
    order_amount = models.DecimalField(_("实付金额(元)"), null=True, blank=True, **MONEY)
    shipping_fee = models.DecimalField(_("运费(元)"), null=True, blank=True, **MONEY)
    courier = models.CharField(_("物流公司"), max_length=64, blank=True)
    seller_replied = models.BooleanField(_("商家已回复"), null=True, blank=True)
    reply_content = models.TextField(_("回复内容"), blank=True)
    fingerprint = models.CharField(
        _("内容指纹"), max_length=64, help_text=_("用于判断重复导入时评价是否有变化。")
    )
    source = models.CharField(_("来源"), max_length=16, choices=IntakeSource.choices)
    last_batch = models.ForeignKey(
        "cases.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最近导入批次"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-reviewed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="uniq_review_shop_external_id"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "reviewed_at"], name="review_shop_time"),
            models.Index(fields=["buyer", "reviewed_at"], name="review_buyer_time"),
            # Most exports carry no buyer IP: only rows with one are indexed (the same-IP count asks for
            # given addresses, which implies an address).
            models.Index(
                fields=["shop", "buyer_ip", "reviewed_at"],
                name="review_ip_time",
                condition=models.Q(buyer_ip__isnull=False),
            ),
            # The queue's search (cases.queries.filters: order number, sub-order number or nick): each arm of
            # the OR has its own index, so the planner combines three lookups (BitmapOr) instead of reading
            # every open case of the user's shops. Order numbers are nearly unique: no shop column needed.
            models.Index(fields=["order_no"], name="review_order_no"),
            models.Index(fields=["sub_order_no"], name="review_sub_order_no"),
            models.Index(fields=["buyer_nick"], name="review_buyer_nick"),
        ]

    def __str__(self):
        return f"{self.shop_id}:{self.external_id}"


class ReviewRevision(models.Model):
    """One observed change of a review (rating changed, appended review added, content edited).
    Append-only: ``before`` and ``after`` hold only the fields that changed."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("评价")
    )
    before = models.JSONField(_("修改前"))
    after = models.JSONField(_("修改后"))
    changed_fields = models.JSONField(_("变化字段"), default=list)
    rating_before = models.PositiveSmallIntegerField(_("原评分"), null=True, blank=True)
    rating_after = models.PositiveSmallIntegerField(_("新评分"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=IntakeSource.choices)
    batch = models.ForeignKey(
        "cases.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("导入批次"),
    )
    by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("评价修改记录")
        verbose_name_plural = _("评价修改记录")
        ordering = ["review", "at", "pk"]

    def __str__(self):
        return f"{self.review_id} @ {self.at:%Y-%m-%d %H:%M}"
