"""Intake configuration and records: column mappings (admin data), import batches, API tokens."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import ImportStatus, IntakeSource
from policies.models.base import split_codes, validate_platform_list

# Target fields a mapping may name, with their labels (the generic template's column headers).
TARGET_FIELDS: dict[str, str] = {
    "platform": "平台",
    "shop": "店铺代码",
    "external_id": "评价ID",
    "order_no": "订单编号",
    "sub_order_no": "子订单编号",
    "item_id": "商品ID",
    "item_title": "商品名称",
    "sku": "商品规格",
    "rating": "评分",
    "content": "评价内容",
    "reviewed_at": "评价时间",
    "buyer_nick": "买家昵称",
    "buyer_ip": "买家IP",
    "buyer_phone": "买家电话",
    "buyer_address": "收货地址",
    "order_amount": "实付金额",
    "shipping_fee": "运费",
    "courier": "物流公司",
    "appended_content": "追评内容",
    "appended_at": "追评时间",
    "seller_replied": "商家是否回复",
    "reply_content": "回复内容",
}

MAPPING_HELP = (
    _(
        "列名映射：JSON 对象，键为目标字段，值为可接受的表头别名列表，例如 "
        '{"order_no": ["订单编号", "订单号"]}。可用目标字段：'
    )
    + "、".join(f"{k}({v})" for k, v in TARGET_FIELDS.items())
    + "。"
    + str(
        _(
            "通用模板的表头即括号中的中文名：评价ID(可选，留空则由订单编号/子订单编号+商品ID生成)、订单编号、"
            "子订单编号、商品ID、商品名称、商品规格、评分(1–5 或 好评/中评/差评)、评价内容、评价时间、买家昵称、"
            "买家IP、买家电话、收货地址、实付金额、运费、物流公司、追评内容、追评时间、商家是否回复、回复内容。"
        )
    )
)


class ImportMapping(models.Model):
    """How one export format's columns map to review fields. Data a manager edits, not code."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    platforms = models.CharField(
        _("适用平台"),
        max_length=100,
        blank=True,
        validators=[validate_platform_list],
        help_text=_("平台代码，逗号分隔；留空表示通用模板(任何平台)。"),
    )
    columns = models.JSONField(_("列名映射"), default=dict, help_text=MAPPING_HELP)
    required_fields = models.JSONField(
        _("必填字段"), default=list, help_text=_('目标字段代码列表，如 ["order_no", "rating"]。')
    )
    rating_map = models.JSONField(
        _("评价等级映射"),
        default=dict,
        blank=True,
        help_text=_('文字等级到1–5分，如 {"好评": 5, "中评": 3, "差评": 1}。'),
    )
    id_fields = models.JSONField(
        _("评价标识来源"),
        default=list,
        blank=True,
        help_text=_("没有评价ID列时，用这些字段(按顺序，取第一个非空的订单号，再加商品ID)生成稳定标识。"),
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级"), default=100, help_text=_("多个映射都能识别表头时，数字小的优先。")
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("导入列映射")
        verbose_name_plural = _("导入列映射")
        ordering = ["priority", "code"]

    def __str__(self):
        return self.name

    @property
    def platform_list(self) -> list[str]:
        return split_codes(self.platforms)

    def clean(self):
        errors = {}
        if not isinstance(self.columns, dict) or not all(
            isinstance(v, list) and all(isinstance(a, str) and a.strip() for a in v)
            for v in self.columns.values()
        ):
            errors["columns"] = _("列名映射必须是 {字段: [表头, ...]} 形式的JSON对象。")
        else:
            unknown = sorted(set(self.columns) - set(TARGET_FIELDS))
            if unknown:
                errors["columns"] = _("未知目标字段：%(f)s。") % {"f": "、".join(unknown)}
        if not isinstance(self.required_fields, list) or any(
            f not in (self.columns or {}) for f in self.required_fields
        ):
            errors["required_fields"] = _("必填字段必须是列名映射中已有的字段。")
        if not isinstance(self.rating_map, dict) or any(
            not isinstance(v, int) or not 1 <= v <= 5 for v in (self.rating_map or {}).values()
        ):
            errors["rating_map"] = _("评价等级映射的分值必须是1到5的整数。")
        if errors:
            raise ValidationError(errors)


class ImportBatch(models.Model):
    """One import: a file, an API call or a manual entry. Failed file imports are kept as a record
    of the attempt (with the error report) but wrote nothing else."""

    shop = models.ForeignKey(
        "reviewdesk.Shop", on_delete=models.PROTECT, related_name="import_batches", verbose_name=_("店铺")
    )
    mapping = models.ForeignKey(
        ImportMapping,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("列映射"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=IntakeSource.choices)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    cases_opened = models.PositiveIntegerField(_("新开案件"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误报告"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_source_display()} {self.file_name or self.pk}"


class PendingHandoff(models.Model):
    """The new cases of one intake whose routing and supervisors' alert have not finished: written in
    the intake's transaction, deleted by the alert task in the transaction that writes the alert. One
    left past ``HANDOFF_GRACE`` means the process died after the commit, and the SLA sweep finishes
    it (``cases.imports.storing.handoff_recover``). One row per intake rather than a flag on every
    case: clearing 40,000 flags rewrote every index of the case table, about 1 CPU-s of the
    database per 100,000 rows imported."""

    case_ids = models.JSONField(_("新开案件"), default=list)
    opened_at = models.DateTimeField(_("开案时间"), db_index=True)

    class Meta:
        verbose_name = _("待分配与提醒")
        verbose_name_plural = _("待分配与提醒")

    def __str__(self):
        return f"{len(self.case_ids)} @ {self.opened_at:%Y-%m-%d %H:%M}"


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What a token may be used for. Every API view names the one it needs (``required_scope``, checked
    by cases.api.base.TokenScopePermission); a session is not limited by scopes, only by its roles."""

    INTAKE = "intake", _("提交评价(intake)")
    CASES_READ = "cases:read", _("读取案件(cases:read)")
    CASES_ACT = "cases:act", _("处理案件(cases:act)")


def all_scopes() -> list[str]:
    """Every scope: what a token could do before scopes existed (the migration gives it to old tokens)."""
    return list(TokenScope.values)


# Which of the owner's roles allow a token to reach a shop, per action ("view" reads, "change" writes):
# a person's token works only where its owner works cases (reviewdesk.roles.works_cases: HR does not);
# an integration account has no role, and only its intake scope (its shops bound what it may submit).
TOKEN_ACTIONS = ("view", "change")


class ApiToken(models.Model):
    """A key for a sync job or a person's script. Only its SHA-256 is stored; the key is shown once on
    creation. A token belongs to its owner (a person creates tokens only for themselves or for an
    integration account of their shops), carries scopes, and at every request reaches only its active
    shops that its owner is still a member of, in a role that allows the action (``shop_ids``)."""

    name = models.CharField(_("名称"), max_length=64)
    user = models.ForeignKey(
        "reviewdesk.User", on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("所属用户")
    )
    shops = models.ManyToManyField("reviewdesk.Shop", related_name="api_tokens", verbose_name=_("店铺"))
    scopes = models.JSONField(
        _("权限范围"),
        default=all_scopes,
        help_text=_(
            "intake：提交评价；cases:read：读取案件；cases:act：处理案件。集成账号的令牌只能有 intake。"
        ),
    )
    prefix = models.CharField(_("前缀"), max_length=8, editable=False, help_text=_("密钥的前8位，便于辨认。"))
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("吊销人"),
        editable=False,
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "rd_" + secrets.token_urlsafe(32)

    def clean(self):
        scopes = self.scopes if isinstance(self.scopes, list) else None
        if not scopes or any(scope not in TokenScope.values for scope in scopes):
            raise ValidationError({"scopes": _("请至少选择一个有效的权限范围。")})
        if self.user_id and self.user.is_integration and set(scopes) != {TokenScope.INTAKE}:
            raise ValidationError({"scopes": _("集成账号的令牌只能有“提交评价(intake)”权限范围。")})

    def has_scope(self, name: str) -> bool:
        """Does the token carry this scope? An integration account's token never carries more than
        intake, whatever is stored (a row edited outside the admin)."""
        if name not in (self.scopes or ()):
            return False
        return name == TokenScope.INTAKE or not self.user.is_integration

    def shop_ids(self, action: str = "view") -> set[int]:
        """The shops this token reaches for ``action`` ("view" or "change") now: its active shops ∩ its
        owner's CURRENT memberships, provided the owner is active and in a role that allows the action
        (TOKEN_ACTIONS). Asked at every request, so removing the owner from a shop, deactivating them or
        taking their case role away bounds their tokens at once. Cached on this instance, which lives for
        one request (the authentication reads the token afresh each time)."""
        if action not in TOKEN_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        cache = self.__dict__.setdefault("_shop_ids_cache", {})
        if action not in cache:
            cache[action] = self._reachable_shop_ids()
        return set(cache[action])

    def _reachable_shop_ids(self) -> set[int]:
        from reviewdesk.access import shop_ids_for
        from reviewdesk.roles import works_cases

        owner = self.user
        if self.revoked_at is not None or not owner.is_active:
            return set()
        if not (owner.is_integration or works_cases(owner)):
            return set()
        member_of = shop_ids_for(owner)
        return {pk for pk in self.shops.filter(active=True).values_list("pk", flat=True) if pk in member_of}
