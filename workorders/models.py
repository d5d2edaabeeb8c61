"""Departments (the warehouse, logistics, finance, suppliers, QC) and the work orders a case raises to them.

A department is policy data: a row without a shop is the global default, a shop's row with the same
``code`` replaces it for that shop (like the policy pack's overrides). Its members are accounts, its
external contacts are people without one (a supplier, a courier's station) who answer through a signed,
expiring, single-use link (``ExternalLink``). Each request type carries its SLA in business minutes,
counted on the department's own calendar (else the case's), and whether an open order of that type keeps
the case from being resolved.

A work order's clock is three instants fixed when it is raised (``warn_at``, ``due_at``,
``supervisor_at``) plus ``next_check_at``, the one the sweep looks at next: a partial index over the open
orders' ``next_check_at`` lets the sweep find "nothing due" among any number of open orders in one index
probe (``bench/bench_workorders.py``).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.choices import Responsibility
from reviewdesk.crypto import EncryptedTextField
from reviewdesk.uploads import random_name
from workorders.choices import (
    AutomationKind,
    Escalation,
    RobotKind,
    RobotPostStatus,
    WorkOrderSource,
    WorkOrderStatus,
)


def unique_per_shop(field: str, prefix: str) -> list[models.UniqueConstraint]:
    """One global row (no shop) per ``field`` and one per (``field``, shop): a shop's row stands in
    for the global one of the same ``field`` in that shop. Named ``<prefix>_global`` and ``<prefix>_shop``."""
    return [
        models.UniqueConstraint(fields=[field], condition=Q(shop__isnull=True), name=f"{prefix}_global"),
        models.UniqueConstraint(
            fields=[field, "shop"], condition=Q(shop__isnull=False), name=f"{prefix}_shop"
        ),
    ]


class Department(models.Model):
    """An internal team or an outside party a case can ask. ``shop`` empty = global default."""

    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示全局默认；填写店铺表示仅对该店铺生效并覆盖同代码的全局部门。"),
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    calendar = models.ForeignKey(
        "policies.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("营业日历"),
        help_text=_("部门自己的上班时间；留空按案件店铺的营业日历计时。"),
    )
    robot_kind = models.CharField(_("群机器人"), max_length=16, choices=RobotKind.choices, blank=True)
    robot_webhook_url = EncryptedTextField(
        _("机器人Webhook地址"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    robot_secret = EncryptedTextField(_("签名密钥"), max_length=128, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("协作部门")
        verbose_name_plural = _("协作部门")
        ordering = ["code", "shop_id"]
        constraints = unique_per_shop("code", "uniq_department_code")

    def __str__(self):
        return self.name if self.shop_id is None else f"{self.name} · {self.shop}"

    def clean(self):
        if self.robot_kind and not self.robot_webhook_url:
            raise ValidationError({"robot_webhook_url": _("选择了群机器人就必须填写Webhook地址。")})


class DepartmentMember(models.Model):
    """An account that answers the department's work orders in the app; a lead hears of overdue ones."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="members", verbose_name=_("部门")
    )
    user = models.ForeignKey(
        "reviewdesk.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("账号")
    )
    is_lead = models.BooleanField(_("部门负责人"), default=False, help_text=_("工单超时先升级给负责人。"))
    mobile = models.CharField(_("手机号"), max_length=20, blank=True, help_text=_("群机器人按手机号@此人。"))
    robot_user_id = models.CharField(
        _("群内用户ID"), max_length=64, blank=True, help_text=_("飞书open_id/钉钉userId；填写后优先按ID@。")
    )

    class Meta:
        verbose_name = _("部门成员")
        verbose_name_plural = _("部门成员")
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="uniq_department_member")]

    def __str__(self):
        return str(self.user)


class ExternalContact(models.Model):
    """Someone outside ReviewDesk (a supplier, a courier's station) who answers through a link."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("部门")
    )
    name = models.CharField(_("姓名"), max_length=64)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("外部联系人")
        verbose_name_plural = _("外部联系人")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class RequestType(models.Model):
    """What a department is asked (verify stock, trace a parcel …) and by when, in business minutes."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="request_types", verbose_name=_("部门")
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    sla_minutes = models.PositiveIntegerField(_("答复时限(工作分钟)"))
    warn_at_percent = models.PositiveSmallIntegerField(_("预警百分比"), default=80)
    blocking = models.BooleanField(
        _("未答复时不能结案"), default=False, help_text=_("此类工单未答复前，案件不能标记为已解决。")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("请求类型")
        verbose_name_plural = _("请求类型")
        ordering = ["department", "sla_minutes", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="uniq_request_type_code"),
            models.CheckConstraint(
                condition=Q(warn_at_percent__gte=1, warn_at_percent__lte=99), name="request_type_warn_1_99"
            ),
            models.CheckConstraint(condition=Q(sla_minutes__gt=0), name="request_type_sla_positive"),
        ]

    def __str__(self):
        return f"{self.department.name} · {self.name}"

    def clean(self):
        errors = {}
        if self.sla_minutes is not None and self.sla_minutes <= 0:
            errors["sla_minutes"] = _("答复时限必须大于0。")
        if self.warn_at_percent is not None and not 1 <= self.warn_at_percent <= 99:
            errors["warn_at_percent"] = _("预警百分比必须在1到99之间。")
        if errors:
            raise ValidationError(errors)


class WorkOrder(models.Model):
    """One question of a case to a department, with its clock and its one answer."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="work_orders", verbose_name=_("案件")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("部门")
    )
    request_type = models.ForeignKey(
        RequestType, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("请求类型")
    )
    contact = models.ForeignKey(
        ExternalContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("外部联系人"),
    )
    question = models.TextField(_("问题"), max_length=2000)
    status = models.CharField(
        _("状态"), max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.OPEN
    )
    source = models.CharField(
        _("来源"), max_length=24, choices=WorkOrderSource.choices, default=WorkOrderSource.MANUAL
    )
    blocking = models.BooleanField(_("未答复时不能结案"), default=False)
    raised_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    raised_at = models.DateTimeField(_("发起时间"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("答复截止"))
    supervisor_at = models.DateTimeField(_("升级主管时间"))
    next_check_at = models.DateTimeField(_("下次检查"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(
        _("升级进度"), choices=Escalation.choices, default=Escalation.NONE
    )
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    responsibility = models.CharField(_("责任方"), max_length=32, choices=Responsibility.choices, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_by_contact = models.ForeignKey(
        ExternalContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复的外部联系人"),
    )
    # Automation opens one order per (rule, subject): a repeated alert adds nothing.
    dedupe_key = models.CharField(_("去重键"), max_length=120, null=True, blank=True)

    class Meta:
        verbose_name = _("内部工单")
        verbose_name_plural = _("内部工单")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="uniq_workorder_dedupe_key"),
            models.CheckConstraint(
                condition=Q(status=WorkOrderStatus.OPEN) | Q(next_check_at__isnull=True),
                name="workorder_only_open_checked",
            ),
        ]
        indexes = [
            # The sweep: open orders by their next check (closed ones carry NULL and are not indexed).
            models.Index(
                fields=["next_check_at"],
                name="workorder_sweep_due",
                condition=Q(next_check_at__isnull=False),
            ),
            # The resolve guard and the case page: a case's open blocking orders.
            models.Index(
                fields=["case"],
                name="workorder_case_open_blocking",
                condition=Q(status="open", blocking=True),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.department.name} · {self.request_type.name}"


def attachment_path(instance, filename: str) -> str:
    """Random names under the order's folder: the uploader's name is kept in the row, not on disk."""
    return random_name("workorders", instance.work_order_id, filename)


class WorkOrderAttachment(models.Model):
    """A file of the question or of the answer, checked with the evidence rules (cases.workflow.files)."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("工单")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    of_answer = models.BooleanField(_("属于答复"), default=False)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class ExternalLink(models.Model):
    """The one answer link of an external contact: the signed token names this row's ``nonce``; the row
    says until when it works and whether it was used (a second use is refused in the database)."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="links", verbose_name=_("工单")
    )
    contact = models.ForeignKey(
        ExternalContact, on_delete=models.CASCADE, related_name="+", verbose_name=_("外部联系人")
    )
    nonce = models.UUIDField(_("随机码"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外部答复链接")
        verbose_name_plural = _("外部答复链接")

    def __str__(self):
        return f"{self.work_order_id} · {self.contact}"


class AutomationRule(models.Model):
    """A rule that opens work orders by itself, as policy data: a row without a shop is the global rule of
    its kind, a shop's row of the same kind replaces it for that shop (an inactive shop row switches the
    rule off there). The department and request type name what is asked; an order goes to the shop's
    department of that code (its override when it has one).

    - courier watch: a case opened or reopened on a review whose courier the courier watch flags on that
      shop (``insights.selectors.couriers``: its own threshold and months), of one of ``issue_types``;
    - quality threshold: ``threshold`` or more open cases of ``issue_types`` on one SKU, received within
      ``window_days``.
    """

    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示全局规则；填写店铺表示仅对该店铺生效并替换同类全局规则。"),
    )
    kind = models.CharField(_("规则"), max_length=24, choices=AutomationKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    request_type = models.ForeignKey(
        RequestType, on_delete=models.PROTECT, related_name="+", verbose_name=_("请求类型")
    )
    issue_types = models.CharField(
        _("问题类型代码"),
        max_length=200,
        help_text=_("以逗号或空格分隔。物流预警：哪些问题类型算物流问题；质量阈值：统计哪些问题类型。"),
    )
    threshold = models.PositiveIntegerField(
        _("阈值(案件数)"),
        default=3,
        help_text=_(
            "质量阈值：同一SKU在统计天数内达到此数的未结案件即发起。物流预警按洞察的物流预警设置，不用此项。"
        ),
    )
    window_days = models.PositiveSmallIntegerField(_("统计天数"), default=7)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("自动工单规则")
        verbose_name_plural = _("自动工单规则")
        ordering = ["kind", "shop_id"]
        constraints = [
            *unique_per_shop("kind", "uniq_automation_rule"),
            models.CheckConstraint(condition=Q(threshold__gt=0), name="automation_rule_threshold_positive"),
            models.CheckConstraint(condition=Q(window_days__gt=0), name="automation_rule_window_positive"),
        ]

    def __str__(self):
        label = self.get_kind_display()
        return label if self.shop_id is None else f"{label} · {self.shop}"

    def issue_type_codes(self) -> list[str]:
        return [code for code in self.issue_types.replace(",", " ").replace("，", " ").split() if code]

    def clean(self):
        errors = {}
        if (
            self.department_id
            and self.request_type_id
            and self.request_type.department_id != self.department_id
        ):
            errors["request_type"] = _("请求类型必须属于所选部门。")
        if self.department_id and self.department.shop_id not in (None, self.shop_id):
            errors["department"] = _("只能选择全局部门或本店铺的部门。")
        if not self.issue_type_codes():
            errors["issue_types"] = _("请至少填写一个问题类型代码。")
        else:
            from policies.models import IssueType

            known = set(
                IssueType.objects.filter(code__in=self.issue_type_codes()).values_list("code", flat=True)
            )
            unknown = [code for code in self.issue_type_codes() if code not in known]
            if unknown:
                errors["issue_types"] = _("没有这些问题类型：%(codes)s") % {"codes": "、".join(unknown)}
        if self.threshold is not None and self.threshold <= 0:
            errors["threshold"] = _("阈值必须大于0。")
        if self.window_days is not None and self.window_days <= 0:
            errors["window_days"] = _("统计天数必须大于0。")
        if errors:
            raise ValidationError(errors)


class RobotPost(models.Model):
    """One message to a department's group robot, posted once: a new work order (``work_order``) or the
    weekly Top-3 report (``title`` and ``lines`` kept as sent). ``key`` names what it is about, so a second
    run finds the row instead of posting again; a failed post is retried with backoff up to
    ``NOTIFY_MAX_ATTEMPTS`` tries (``workorders.robot``), each try and the last error recorded here."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="robot_posts", verbose_name=_("部门")
    )
    work_order = models.ForeignKey(
        WorkOrder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robot_posts",
        verbose_name=_("工单"),
    )
    key = models.CharField(_("去重键"), max_length=120, unique=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    lines = models.JSONField(_("内容"), default=list, blank=True)
    path = models.CharField(_("链接"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RobotPostStatus.choices, default=RobotPostStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.key
