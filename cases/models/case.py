"""A case: one per review that needs handling, with the engine's decision and its deadlines frozen in.

Deadlines are computed once at intake from the policy versions named in ``policy_refs``; editing a
policy later never moves them. The rule-only part of the decision (issue type, reasons, SLA tier,
compensation options, templates, policy versions) is stored once per distinct decision in a
``DecisionRecord`` that every case it opened points to; the case keeps only what is its own (the
platform windows, read from the review's dates). An import of 40,000 cases used to write the same
3 KB of JSON 40,000 times: 839 distinct decisions.

``sla_next_check_at`` is the earliest pending warn/due time among the open clocks, so the SLA sweep
reads only what is due through a partial index.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import OPEN_STATUSES, CaseStatus, Responsibility
from reviewdesk.choices import Platform, Role


class DecisionRecord(models.Model):
    """The rule-only part of an engine decision, content-addressed: ``digest`` is the SHA-256 of its
    canonical JSON, so the same decision made for many reviews, by any import, is one row. Never
    changed once written (a policy edit makes new decisions, hence new records)."""

    digest = models.CharField(_("内容哈希(SHA-256)"), max_length=64, unique=True)
    decision = models.JSONField(_("引擎决定(规则部分)"), default=dict)
    policy_refs = models.JSONField(_("所用规则版本"), default=list)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("引擎决定记录")
        verbose_name_plural = _("引擎决定记录")

    def __str__(self):
        return f"{self.decision.get('issue_type_name') or '-'} · {self.digest[:12]}"


class Case(models.Model):
    review = models.OneToOneField(
        "cases.Review", on_delete=models.PROTECT, related_name="case", verbose_name=_("评价")
    )
    shop = models.ForeignKey(  # indexed by case_queue and case_shop_opened, which lead with it
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("店铺"),
        db_index=False,
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW)
    issue_type = models.ForeignKey(
        "policies.IssueType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("问题类型"),
    )
    is_malicious = models.BooleanField(_("疑似恶意"), default=False)
    malicious_signals = models.JSONField(_("恶意信号"), default=list, blank=True)
    matched_keywords = models.JSONField(_("命中关键词"), default=list, blank=True)

    # --- SLA tier as decided at intake ---------------------------------------------------------
    handling_role = models.CharField(_("处理角色"), max_length=16, choices=Role.choices, blank=True)
    escalation_role = models.CharField(_("超时升级给"), max_length=16, choices=Role.choices, blank=True)
    sla_tier_id_ref = models.PositiveIntegerField(_("时效等级ID"), null=True, blank=True)
    sla_tier_version = models.PositiveIntegerField(_("时效等级版本"), null=True, blank=True)
    sla_tier_name = models.CharField(_("时效等级"), max_length=64, blank=True)
    warn_at_percent = models.PositiveSmallIntegerField(_("预警百分比"), default=80)
    next_response_minutes = models.PositiveIntegerField(
        _("买家回复后再响应时限(分钟)"), null=True, blank=True
    )

    first_response_due_at = models.DateTimeField(_("首次响应截止"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(_("首次响应预警"), null=True, blank=True)
    public_reply_due_at = models.DateTimeField(_("公开回复截止"), null=True, blank=True)
    public_reply_warn_at = models.DateTimeField(_("公开回复预警"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("解决截止"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(_("解决预警"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("再响应截止"), null=True, blank=True)
    next_response_warn_at = models.DateTimeField(_("再响应预警"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    public_replied_at = models.DateTimeField(_("公开回复时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    sla_next_check_at = models.DateTimeField(_("下次时效检查"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("首次超时时间"), null=True, blank=True)

    # --- Platform windows (calendar time from the review) -------------------------------------
    revision_allowed = models.BooleanField(_("买家可修改评价"), default=False)
    revision_until = models.DateTimeField(_("可修改评价至"), null=True, blank=True)
    reply_until = models.DateTimeField(_("可回复/解释至"), null=True, blank=True)
    appeal_until = models.DateTimeField(_("可申诉至"), null=True, blank=True)
    may_request_revision = models.BooleanField(_("允许请买家修改评价"), default=False)

    # --- The decision that opened it ------------------------------------------------------------
    decision_record = models.ForeignKey(
        DecisionRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("引擎决定记录"),
    )
    decision_windows = models.JSONField(_("平台时限"), default=dict, blank=True)
    customer_tier = models.CharField(_("客户分层"), max_length=32, blank=True)

    # --- Workflow facts the guards read without a query (kept by cases.workflow.services*) ------
    contact_attempts = models.PositiveSmallIntegerField(_("联系次数"), default=0)
    last_contact_at = models.DateTimeField(_("最近联系时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实责任时间"), null=True, blank=True)
    responsibility = models.CharField(_("责任方"), max_length=32, choices=Responsibility.choices, blank=True)
    compliance_violations = models.JSONField(
        _("合规问题"),
        default=list,
        blank=True,
        help_text=_("发送时确认过的合规提醒等；记录在案，转化奖励据此扣发。"),
    )

    # --- Assignment and concurrency -------------------------------------------------------------
    assignee = models.ForeignKey(  # indexed by case_assignee_status, which leads with it
        "reviewdesk.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("处理人"),
        db_index=False,
    )
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    opened_at = models.DateTimeField(_("开案时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # --- Rating changes observed by later imports -----------------------------------------------
    conversion_candidate_at = models.DateTimeField(_("疑似转化时间"), null=True, blank=True)
    converted_from_rating = models.PositiveSmallIntegerField(_("转化前评分"), null=True, blank=True)
    converted_to_rating = models.PositiveSmallIntegerField(_("转化后评分"), null=True, blank=True)
    rating_worsened_at = models.DateTimeField(
        _("评分变差时间"),
        null=True,
        blank=True,
        help_text=_("后续导入显示评分更差时记录；案件重新打开并升级。"),
    )
    rating_worsened_from = models.PositiveSmallIntegerField(_("变差前评分"), null=True, blank=True)
    rating_worsened_to = models.PositiveSmallIntegerField(_("变差后评分"), null=True, blank=True)
    needs_escalation = models.BooleanField(
        _("待升级"), default=False, help_text=_("评分变差等情况需要通知升级角色；通知发出后清除。")
    )

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="case_version_positive"),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "first_response_due_at"], name="case_queue"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            # The queues (cases.queries.queue): an agent's open cases, or a shop's unassigned ones, out
            # of the many closed cases each agent accumulates (the planner would intersect bitmaps).
            models.Index(
                fields=["assignee", "shop"],
                name="case_open_assignee",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["sla_next_check_at"],
                name="case_sla_next_check_open",
                condition=models.Q(status__in=OPEN_STATUSES, sla_next_check_at__isnull=False),
            ),
            models.Index(fields=["shop", "opened_at"], name="case_shop_opened"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def decision(self) -> dict:
        """The engine's whole decision at intake: the shared record with this case's windows. Load
        cases with ``select_related("decision_record")`` where this is read (one query, not two)."""
        record = self.decision_record
        if record is None:
            return {"windows": self.decision_windows} if self.decision_windows else {}
        return {**record.decision, "windows": self.decision_windows}

    @property
    def policy_refs(self) -> list:
        record = self.decision_record
        return list(record.policy_refs) if record is not None else []
