"""The foundation every app reads: users (with their employee code), clients, shops and memberships.

An agency serves several clients (品牌方); a client owns shops; a shop without a client is the agency's
own. People reach shops in two ways: a ``ShopMembership`` (one shop) or a ``ClientMembership`` (every
shop of the client, present and future). ``reviewdesk.access`` reads both in its one query."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviewdesk.choices import Platform


class User(AbstractUser):
    employee_code = models.CharField(
        _("工号"),
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("工号只能包含字母、数字、下划线和连字符。"))],
        help_text=_("员工工号，用于成绩导入和薪酬导出。"),
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    max_open_cases = models.PositiveIntegerField(
        _("在办案件上限"), default=30, help_text=_("路由分配时，此人同时在办的案件数不超过此值。")
    )
    # An integration account holds the API tokens of a shop's sync job: it is no person, so it never logs in
    # (reviewdesk.backends refuses it at the login and on every session request, whatever its password),
    # belongs to shops like a person, and its tokens carry only the intake scope (cases.models.ApiToken).
    is_integration = models.BooleanField(
        _("集成账号"),
        default=False,
        help_text=_("店铺同步任务使用的账号：不能登录，其接口令牌只能提交评价。"),
    )
    # The language the person reads: their pages after login and everything written for them (the bell,
    # mails, robots: reviewdesk.language). The language switch of every page stores it; empty until then
    # (pages follow the browser, notifications the site's language).
    language = models.CharField(
        _("语言"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("此人登录后的界面和收到的通知使用的语言；留空时界面跟随浏览器，通知使用简体中文。"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username


class Client(models.Model):
    """A brand the agency works for (品牌方). Its shops are ``Shop.client``; its people ``ClientMembership``.

    ``active`` off: its members reach none of its shops through the client any longer (offboarding keeps
    the rows; people with a ``ShopMembership`` of one of its shops keep that shop).
    ``buyer_data_retention_days``: how long buyers' personal data of its shops is kept (the erasure that
    reads it is the offboarding's)."""

    code = models.SlugField(
        _("品牌方代码"), max_length=32, unique=True, help_text=_("导入、导出和接口里用来指明品牌方的短代码。")
    )
    name = models.CharField(_("品牌方名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    buyer_data_retention_days = models.PositiveIntegerField(
        _("买家个人信息保留天数"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("超过此天数的买家个人信息（电话、地址等）可被清除；台账和汇总数字保留。"),
    )
    members = models.ManyToManyField(
        User, through="ClientMembership", related_name="clients", verbose_name=_("成员"), blank=True
    )

    class Meta:
        verbose_name = _("品牌方")
        verbose_name_plural = _("品牌方")
        ordering = ["code"]
        # Exporting a client wholesale and erasing its buyers' data (cases.offboarding): no role has it.
        permissions = [("offboard_client", _("可导出品牌方的全部数据并清除其买家个人信息"))]

    def __str__(self):
        return self.name


class Shop(models.Model):
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="shops",
        null=True,
        blank=True,
        verbose_name=_("品牌方"),
        help_text=_("店铺所属的品牌方；留空表示代运营公司自己的店铺。"),
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    code = models.SlugField(
        _("店铺代码"), max_length=32, unique=True, help_text=_("导入和接口里用来指明店铺的短代码。")
    )
    name = models.CharField(_("店铺名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    members = models.ManyToManyField(
        User, through="ShopMembership", related_name="shops", verbose_name=_("成员"), blank=True
    )

    class Meta:
        verbose_name = _("店铺")
        verbose_name_plural = _("店铺")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.get_platform_display()})"


class ShopMembership(models.Model):
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("店铺")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("店铺成员")
        verbose_name_plural = _("店铺成员")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="uniq_shop_membership")]

    def __str__(self):
        return f"{self.user} @ {self.shop.code}"


class ClientMembership(models.Model):
    """``user`` serves ``client``: they reach every shop of the client, present and future. What they may
    do there is their role (a Django group), as for a shop member."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("品牌方")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="client_memberships", verbose_name=_("用户")
    )
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("品牌方成员")
        verbose_name_plural = _("品牌方成员")
        constraints = [models.UniqueConstraint(fields=["client", "user"], name="uniq_client_membership")]

    def __str__(self):
        return f"{self.user} @ {self.client.code}"


class SavedFilter(models.Model):
    """A user's named queue view: the queue's scope and its filter bar's query string (only the filter
    bar's own parameters, ``cases.web.saved_filters.clean_query``). Only its owner sees or deletes it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=60)
    scope = models.CharField(_("队列"), max_length=16)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("保存的筛选")
        verbose_name_plural = _("保存的筛选")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="uniq_saved_filter_name")]

    def __str__(self):
        return self.name
