"""Peak seasons (大促: 双11, 618, 年货节 …) as layered policy data.

A campaign period says, for the cases opened inside it, which SLA commitments replace the normal ones
(per issue type, or for every issue type) and which business calendar (the campaign's staffing) counts
the time; it also carries the promise shown to buyers. ``policies.loader`` puts the active periods in the
snapshot and ``policies.engine.timing`` applies the one in force when a case's clock starts; the late
sweep (``prevention.sweep``) counts a prevention task opened inside one in its staffing calendar.

Two active periods of one layer never overlap, whichever path writes them (the admin, the pack import, a
service, two of them at once): the check and the write run in one transaction after taking the peak
seasons' lock (``lock_campaign_periods``), so a second writer waits for the first to commit and then sees
its row. On PostgreSQL that is an advisory transaction lock; SQLite lets one writer in at a time anyway
(``transaction_mode`` IMMEDIATE in the settings: the write lock is taken at BEGIN).
"""

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from policies.models.base import PolicyBase, one_layer, unique_per_layer
from policies.models.classification import IssueType
from policies.models.sla import BusinessCalendar


class CampaignPeriod(PolicyBase):
    name = models.CharField(_("名称"), max_length=64, help_text=_("如：双11、618、年货节。"))
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True, help_text=_("界面为英文时显示。"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), help_text=_("不含此刻：此刻及之后开启的案件按平时时效。"))
    buyer_promise = models.TextField(
        _("对买家的时效承诺"),
        blank=True,
        help_text=_("大促期间向买家说明的处理时效，如“双11期间退货退款审核延长至24小时，但我们会优先处理”。"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("大促排班日历"),
        help_text=_("大促期间计时使用的营业日历；留空沿用时效等级或店铺的日历。"),
    )

    class Meta:
        verbose_name = _("大促时段")
        verbose_name_plural = _("大促时段")
        ordering = ["starts_at", "pk"]
        constraints = [
            *unique_per_layer(["name"], "uniq_campaign_name_{layer}"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="campaign_ends_after_start"
            ),
            one_layer("campaign_period"),
        ]

    def __str__(self):
        return f"{self.name} · {self.scope_label}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": _("结束时间必须晚于开始时间。")}, code="campaign_end_before_start"
            )
        overlap = self._overlap()
        if overlap is not None:
            raise overlap

    def save(self, *args, **kwargs):
        # Every write path checks the overlap again under the lock, in the transaction that writes: the
        # admin's and the pack's clean() already took the lock in theirs, so this finds what they found;
        # a path that skipped clean() (a service, a script) is refused here.
        with transaction.atomic():
            overlap = self._overlap()
            if overlap is not None:
                raise overlap
            super().save(*args, **kwargs)

    def _overlap(self) -> ValidationError | None:
        """The refusal when an active period of the same layer overlaps this one, else None. Takes the
        peak seasons' lock first: inside a transaction, no other writer checks until this one ends."""
        if not (self.starts_at and self.ends_at and self.active and self.ends_at > self.starts_at):
            return None
        lock_campaign_periods()
        clash = (
            CampaignPeriod.objects.filter(
                shop_id=self.shop_id,
                client_id=self.client_id,
                active=True,
                starts_at__lt=self.ends_at,
                ends_at__gt=self.starts_at,
            )
            .exclude(pk=self.pk)
            .first()
        )
        if clash is None:
            return None
        return ValidationError(
            {
                "starts_at": _("与同一层级的大促时段“%(name)s”(%(start)s – %(end)s)时间重叠。")
                % {"name": clash.name, "start": _local(clash.starts_at), "end": _local(clash.ends_at)}
            },
            code="campaign_overlap",
        )


# pg_advisory_xact_lock(class, key): "the peak-season periods". One lock for every layer: periods are
# written a few times a year, and a pack import that writes several layers cannot deadlock with another.
_LOCK_CLASS = 0xCA3B
_LOCK_KEY = 1


def lock_campaign_periods() -> None:
    """Until the transaction ends, no other writer checks or saves a peak-season period (PostgreSQL; the
    same transaction taking it again does not wait). Outside a transaction it is released at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, _LOCK_KEY])


def _local(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class CampaignCommitment(models.Model):
    """During the campaign, the SLA targets of one issue type's cases (or of every type: no issue type);
    an empty target keeps the tier's own."""

    campaign = models.ForeignKey(
        CampaignPeriod, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("大促时段")
    )
    issue_type = models.ForeignKey(
        IssueType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("问题类型"),
        help_text=_("留空表示其他所有问题类型。"),
    )
    first_response_minutes = models.PositiveIntegerField(
        _("大促首次响应时限(分钟)"), null=True, blank=True, help_text=_("留空沿用时效等级。")
    )
    public_reply_minutes = models.PositiveIntegerField(
        _("大促公开回复时限(分钟)"), null=True, blank=True, help_text=_("留空沿用时效等级。")
    )
    resolution_minutes = models.PositiveIntegerField(
        _("大促解决时限(分钟)"), null=True, blank=True, help_text=_("如退货退款审核 24 小时 = 1440。")
    )

    class Meta:
        verbose_name = _("大促时效承诺")
        verbose_name_plural = _("大促时效承诺")
        ordering = ["campaign", "issue_type", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "issue_type"],
                condition=models.Q(issue_type__isnull=False),
                name="uniq_campaign_commitment_issue",
                violation_error_message=_("这个大促已有该问题类型的时效承诺：请修改已有的那一条。"),
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(issue_type__isnull=True),
                name="uniq_campaign_commitment_fallback",
                violation_error_message=_(
                    "这个大促已有一条适用于其他所有类型的时效承诺：请修改已有的那一条。"
                ),
            ),
        ]

    def __str__(self):
        issue = self.issue_type.name if self.issue_type_id else _("其他所有类型")
        return f"{issue}"

    def clean(self):
        targets = (self.first_response_minutes, self.public_reply_minutes, self.resolution_minutes)
        if all(value is None for value in targets):
            raise ValidationError(_("至少填写一个大促时限。"), code="commitment_empty")
        if any(value is not None and value <= 0 for value in targets):
            raise ValidationError(_("大促时限必须大于0分钟。"), code="commitment_not_positive")
