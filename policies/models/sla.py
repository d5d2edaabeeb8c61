import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.choices import ExceptionKind, Weekday
from policies.models.base import PolicyBase, one_layer, unique_per_layer
from policies.models.classification import IssueType
from reviewdesk.choices import Role

MIDNIGHT = dt.time(0, 0)


class BusinessCalendar(PolicyBase):
    """Opening hours per weekday plus holidays and make-up workdays (调休). SLA time counts only inside."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    timezone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("营业日历")
        verbose_name_plural = _("营业日历")
        constraints = [
            # One active calendar globally, per client and per shop (the loader would take the newer).
            *unique_per_layer([], "one_active_{layer}_calendar", active=True),
            one_layer("business_calendar"),
        ]

    def __str__(self):
        return f"{self.name} · {self.scope_label}"

    def clean(self):
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": _("未知时区“%(tz)s”。") % {"tz": self.timezone}})


def _validate_hours(opens: dt.time | None, closes: dt.time | None) -> None:
    if opens is None or closes is None:
        raise ValidationError(_("开始和结束时间都必须填写。"), code="hours_missing")
    if closes != MIDNIGHT and closes <= opens:
        raise ValidationError(
            _("营业时间结束(%(closes)s)不能早于或等于开始(%(opens)s)；营业到午夜请填 00:00。"),
            code="hours_end_before_start",
            params={"opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")},
        )


class OpeningHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="hours", verbose_name=_("日历")
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开始"), default=dt.time(8, 0))
    closes = models.TimeField(_("结束"), default=MIDNIGHT, help_text=_("00:00 表示营业到午夜(24:00)。"))

    class Meta:
        verbose_name = _("营业时间")
        verbose_name_plural = _("营业时间")
        ordering = ["weekday", "opens"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{'24:00' if self.closes == MIDNIGHT else f'{self.closes:%H:%M}'}"

    def clean(self):
        _validate_hours(self.opens, self.closes)


class CalendarException(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("日历")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=ExceptionKind.choices)
    name = models.CharField(_("说明"), max_length=64, blank=True, help_text=_("如：国庆节、国庆调休。"))
    opens = models.TimeField(
        _("开始"), null=True, blank=True, help_text=_("调休工作日的营业时间；留空按08:00。")
    )
    closes = models.TimeField(_("结束"), null=True, blank=True, help_text=_("留空按营业到午夜。"))

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_exception_date")
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    def clean(self):
        if self.kind == ExceptionKind.WORKDAY:
            _validate_hours(self.opens or dt.time(8, 0), self.closes if self.closes is not None else MIDNIGHT)


class SlaTier(PolicyBase):
    """Per issue type: who handles it, by when (business minutes), and who hears of a breach."""

    issue_type = models.ForeignKey(
        IssueType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_tiers",
        verbose_name=_("问题类型"),
        help_text=_("留空表示“其他所有类型”的兜底时效。"),
    )
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True, help_text=_("界面为英文时显示。"))
    first_response_minutes = models.PositiveIntegerField(_("首次响应时限(分钟)"))
    next_response_minutes = models.PositiveIntegerField(_("买家回复后再响应时限(分钟)"), default=180)
    public_reply_minutes = models.PositiveIntegerField(_("私下沟通未果时公开回复时限(分钟)"), default=1440)
    resolution_minutes = models.PositiveIntegerField(_("解决时限(分钟)"), default=2880)
    handling_role = models.CharField(_("处理角色"), max_length=16, choices=Role.choices, blank=True)
    escalation_role = models.CharField(_("超时升级给"), max_length=16, choices=Role.choices, blank=True)
    warn_at_percent = models.PositiveSmallIntegerField(
        _("预警百分比"), default=80, help_text=_("时限用掉此百分比时预警(1–99)。")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_tiers",
        verbose_name=_("营业日历"),
        help_text=_("留空使用启用中的全局日历。"),
    )

    class Meta:
        verbose_name = _("SLA时效等级")
        verbose_name_plural = _("SLA时效等级")
        ordering = ["first_response_minutes", "pk"]
        constraints = [
            *unique_per_layer(["issue_type"], "uniq_sla_issue_{layer}", issue_type__isnull=False),
            *unique_per_layer([], "uniq_sla_fallback_{layer}", issue_type__isnull=True),  # the fallback tier
            models.CheckConstraint(
                condition=models.Q(warn_at_percent__gte=1, warn_at_percent__lte=99), name="sla_warn_at_1_99"
            ),
            one_layer("sla_tier"),
        ]

    def __str__(self):
        return f"{self.name} · {self.scope_label}"

    def clean(self):
        errors = {}
        if self.warn_at_percent is not None and not 1 <= self.warn_at_percent <= 99:
            errors["warn_at_percent"] = _("预警百分比必须在1到99之间。")
        if not self.handling_role:
            errors["handling_role"] = _("每个时效等级都必须指定处理角色。")
        if self.first_response_minutes is not None and self.first_response_minutes <= 0:
            errors["first_response_minutes"] = _("首次响应时限必须大于0。")
        clash = SlaTier.objects.filter(
            issue_type_id=self.issue_type_id, shop_id=self.shop_id, client_id=self.client_id
        ).exclude(pk=self.pk)
        if clash.exists():
            errors["issue_type"] = _("该问题类型在此范围(全局/店铺)已有时效等级：%(name)s。") % {
                "name": clash.first().name
            }
        if errors:
            raise ValidationError(errors)
