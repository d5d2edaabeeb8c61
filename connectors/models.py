"""A shop's live connection to its platform's open API, the replies queued for it, and its health.

``Connector``: one per shop. The credentials are ``EncryptedTextField`` (reviewdesk/crypto.py): the
database holds Fernet tokens, the admin never shows them again after entry, nothing logs them. ``api`` is
the part a deployer corrects without a release (method names, fixed parameters, field mapping, page size,
the window cap), like the import mappings; it starts as the platform's documented defaults
(``connectors.platforms``). Pull bookkeeping (cursor, lease) and health live on the same row, so the
schedule reads one row per shop.

``OutboxReply``: a public reply an agent posted on a case of a connected shop, waiting for (or done
with) delivery through the platform's reply call. One per ``cases.Reply`` (unique), so queueing twice is
a no-op.

``ReviewCheck``: when a review of an open case was last read back from the platform, so each pull
re-reads the longest-unchecked ones (a rating changed or an appended review is seen within minutes, not
only when it falls inside the overlap window of its creation time).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connectors.choices import ConnectorState, OutboxState, SignMethod
from reviewdesk.access import Scope
from reviewdesk.crypto import EncryptedTextField


class Connector(models.Model):
    shop = models.OneToOneField(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="connector", verbose_name=_("店铺")
    )
    platform = models.CharField(_("平台接口"), max_length=16)
    enabled = models.BooleanField(_("启用"), default=True)
    gateway_url = models.URLField(
        _("网关地址"),
        max_length=300,
        help_text=_("正式环境或沙箱环境的网关，例如 https://eco.taobao.com/router/rest"),
    )
    api = models.JSONField(
        _("接口配置"),
        default=dict,
        blank=True,
        help_text=_("方法名、固定参数、字段对应、分页大小和单窗口上限；平台改版时在这里修改，无需发版。"),
    )
    app_key = EncryptedTextField(_("App Key"), blank=True)
    app_secret = EncryptedTextField(_("App Secret"), blank=True)
    session_key = EncryptedTextField(_("授权令牌(session)"), blank=True)
    sign_method = models.CharField(_("签名方法"), max_length=16, choices=SignMethod.choices, default="md5")
    expires_at = models.DateTimeField(_("授权到期时间"), null=True, blank=True)
    refresh_token = EncryptedTextField(
        _("刷新令牌(refresh token)"),
        blank=True,
        help_text=_("授权到期前用它自动换新令牌；留空则到期后需重新授权。"),
    )
    sign_secret = EncryptedTextField(
        _("签名密钥(signSecret)"), blank=True, help_text=_("快手：应用详情里的 signSecret；淘宝/天猫留空。")
    )
    refreshed_at = models.DateTimeField(_("最近刷新授权时间"), null=True, blank=True)
    # push: the platform's message service names the seller, not our shop
    seller_nick = models.CharField(
        _("平台卖家账号"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("TMC 消息里的卖家昵称(user_nick)。"),
    )
    tmc_group = models.CharField(
        _("TMC 消息分组"),
        max_length=64,
        blank=True,
        help_text=_("订阅了 taobao_trade_TradeRated 的消息分组(通常是 default)；留空则只靠每分钟拉取。"),
    )
    backfill_days = models.PositiveSmallIntegerField(_("首次拉取天数"), default=7)
    overlap_minutes = models.PositiveSmallIntegerField(
        _("重叠窗口(分钟)"), default=10, help_text=_("每次从上次拉到的时间往前多拉这么久，不漏掉迟到的评价。")
    )
    recheck_per_pull = models.PositiveSmallIntegerField(
        _("每次回读的未结案评价数"), default=20, help_text=_("回读评价以发现改评和追评。")
    )
    # pull bookkeeping
    cursor_at = models.DateTimeField(_("已拉取至"), null=True, blank=True)
    lease_token = models.CharField(max_length=36, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # health
    state = models.CharField(
        _("状态"), max_length=16, choices=ConnectorState.choices, default=ConnectorState.OK
    )
    backoff_until = models.DateTimeField(_("退避至"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_success_at = models.DateTimeField(_("最近成功时间"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    recent_errors = models.JSONField(_("近期错误"), default=list, blank=True)
    calls_total = models.PositiveBigIntegerField(_("累计调用次数"), default=0)
    alerted_state = models.CharField(_("已告警的状态"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("平台对接")
        verbose_name_plural = _("平台对接")
        ordering = ["shop__code"]

    def __str__(self):
        return f"{self.shop.code} · {self.platform}"


class OutboxReply(models.Model):
    connector = models.ForeignKey(
        Connector, on_delete=models.CASCADE, related_name="outbox", verbose_name=_("平台对接")
    )
    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="outbox_replies", verbose_name=_("案件")
    )
    reply = models.OneToOneField(
        "cases.Reply", on_delete=models.CASCADE, related_name="outbox", verbose_name=_("回复记录")
    )
    target = models.CharField(_("平台评价标识"), max_length=128, help_text=_("淘宝/天猫：子订单号 oid。"))
    order_no = models.CharField(_("订单编号"), max_length=64, blank=True)
    text = models.TextField(_("回复内容"))
    state = models.CharField(
        _("状态"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    platform_message = models.CharField(_("平台返回"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("入队时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发平台回复")
        verbose_name_plural = _("待发平台回复")
        ordering = ["-created_at"]

    def __str__(self):
        return f"#{self.case_id} · {self.get_state_display()}"


class ReviewCheck(models.Model):
    # two required foreign keys: the shop is said once, through the connector
    access_scope = Scope(shop="connector__shop")

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField("cases.Review", on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评价回读记录")
        verbose_name_plural = _("评价回读记录")

    def __str__(self):
        return f"{self.review_id} @ {self.checked_at:%Y-%m-%d %H:%M}"
