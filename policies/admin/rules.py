"""The managers' admin of every policy model (scoped: ``policies.admin.base.PolicyScopedAdmin``; the
inlines of a rule follow its parent: read-only on a rule the user may not change)."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from policies import models as m
from policies import resources as r
from policies.admin.base import ChildAdmin, PolicyAdmin, ScopeFilter
from policies.admin.checked_forms import FollowUpStepForm, ReplyTemplateAdminForm
from policies.admin.compensation_grid import CompensationGridMixin
from policies.admin.template_preview import TemplatePreviewMixin
from policies.forms import CompensationOptionFormSet, ComplianceRuleAdminForm, OpeningHoursFormSet
from reviewdesk.admin_scope import ScopedStackedInline, ScopedTabularInline
from reviewdesk.choices import Platform

SCOPE_FILTERS = [
    ScopeFilter,
    ("shop", admin.RelatedOnlyFieldListFilter),
    ("client", admin.RelatedOnlyFieldListFilter),
]


def _minutes(value: int) -> str:
    if value % 60:
        return _("%(m)s 分钟") % {"m": value}
    return _("%(h)s 小时") % {"h": value // 60}


def _labels(choices, codes, everything) -> str:
    """The labels of the ``codes`` that ``choices`` knows, joined with 、 (``everything`` for none: a rule
    that names no platform or channel applies to all)."""
    return "、".join(str(choices(c).label) for c in codes if c in choices.values) or everything


class ChildCounts:
    """Admin mixin: each listed rule carries ``<relation>_total``, the number of its rows in each of
    ``counted`` (its child relations), counted in the list's one query so that a ``child_count``
    column shows it and sorts by it."""

    counted: tuple[str, ...] = ()

    def get_queryset(self, request):
        # distinct: two counted relations join side by side and would multiply each other's rows.
        totals = {f"{relation}_total": Count(relation, distinct=True) for relation in self.counted}
        return super().get_queryset(request).annotate(**totals)


def child_count(relation: str, description):
    """A list column of ``ChildCounts``: the number of the rule's ``relation`` rows, sortable."""

    @admin.display(description=description, ordering=f"{relation}_total")
    def column(self, obj):
        return getattr(obj, f"{relation}_total")

    return column


@admin.register(m.PlatformRule)
class PlatformRuleAdmin(PolicyAdmin):
    resource_classes = [r.PlatformRuleResource]
    list_display = [
        "platform",
        "scope",
        "case_rating_max",
        "revision_allowed",
        "revision_window_days",
        "reply_window_days",
        "reply_max_chars",
        "appeal_window_days",
        "may_request_revision",
        "active",
        "version",
    ]
    list_filter = ["platform", *SCOPE_FILTERS, "active", "revision_allowed", "may_request_revision"]
    search_fields = ["revision_note", "shop__code", "shop__name"]
    fieldsets = [
        (None, {"fields": ["platform", "shop", "client", "active", "case_rating_max", "seen_version"]}),
        (
            _("修改评价"),
            {
                "fields": [
                    "revision_allowed",
                    "revision_max_count",
                    "revision_window_days",
                    "revision_note",
                    "may_request_revision",
                ]
            },
        ),
        (
            _("商家回复/解释"),
            {
                "fields": [
                    "reply_allowed",
                    "reply_window_days",
                    "reply_max_chars",
                    "reply_once",
                    "reply_closed_after_append",
                ]
            },
        ),
        (_("申诉"), {"fields": ["appeal_allowed", "appeal_window_days"]}),
        (_("记录"), {"fields": ["version", "updated_at"]}),
    ]


@admin.register(m.IssueType)
class IssueTypeAdmin(PolicyAdmin):
    resource_classes = [r.IssueTypeResource]
    readonly_fields: list[str] = []
    list_display = [
        "code",
        "name",
        "name_en",
        "is_malicious",
        "is_fallback",
        "compensable",
        "sort_order",
        "active",
    ]
    list_filter = ["active", "is_malicious", "is_fallback", "compensable"]
    search_fields = ["code", "name", "name_en"]


@admin.register(m.ClassificationRule)
class ClassificationRuleAdmin(PolicyAdmin):
    resource_classes = [r.ClassificationRuleResource]
    list_display = [
        "name",
        "issue_type",
        "match_mode",
        "rating_max",
        "opens_case",
        "priority",
        "scope",
        "active",
        "version",
    ]
    list_filter = ["issue_type", "match_mode", "opens_case", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "patterns"]
    list_select_related = ["issue_type", "shop", "client"]
    autocomplete_fields = ["issue_type"]


@admin.register(m.MaliciousSignal)
class MaliciousSignalAdmin(PolicyAdmin):
    resource_classes = [r.MaliciousSignalResource]
    list_display = ["name", "kind", "match_mode", "threshold", "window_days", "scope", "active", "version"]
    list_filter = ["kind", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "patterns"]
    list_select_related = ["shop", "client"]


@admin.register(m.SlaTier)
class SlaTierAdmin(PolicyAdmin):
    resource_classes = [r.SlaTierResource]
    list_display = [
        "name",
        "issue_type",
        "first_response",
        "handling_role",
        "escalation_role",
        "warn_at_percent",
        "calendar",
        "scope",
        "active",
        "version",
    ]
    list_filter = ["issue_type", "handling_role", "escalation_role", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "issue_type__name", "issue_type__code"]
    list_select_related = ["issue_type", "calendar", "shop", "client"]
    autocomplete_fields = ["issue_type"]

    @admin.display(description=_("首次响应"), ordering="first_response_minutes")
    def first_response(self, obj):
        return _minutes(obj.first_response_minutes)


class OpeningHoursInline(ScopedTabularInline):
    model = m.OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class CalendarExceptionInline(ScopedTabularInline):
    model = m.CalendarException
    extra = 0


@admin.register(m.BusinessCalendar)
class BusinessCalendarAdmin(ChildCounts, PolicyAdmin):
    resource_classes = [r.BusinessCalendarResource]
    list_display = ["name", "timezone", "hours_count", "exceptions_count", "scope", "active", "version"]
    list_filter = [*SCOPE_FILTERS, "active"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, CalendarExceptionInline]
    counted = ("hours", "exceptions")
    hours_count = child_count("hours", _("营业时段数"))
    exceptions_count = child_count("exceptions", _("节假日/调休数"))


@admin.register(m.CustomerTier)
class CustomerTierAdmin(PolicyAdmin):
    resource_classes = [r.CustomerTierResource]
    list_display = [
        "code",
        "name",
        "min_annual_spend",
        "max_order_count",
        "min_days_since_last_order",
        "priority",
        "scope",
        "active",
        "version",
    ]
    list_filter = [*SCOPE_FILTERS, "active"]
    search_fields = ["code", "name"]


class CompensationOptionInline(ScopedStackedInline):
    model = m.CompensationOption
    formset = CompensationOptionFormSet
    extra = 0
    fields = [
        ("name", "kind", "sort_order"),
        ("formula", "value", "extra_coupon"),
        ("cost_cap", "clamp_to_cap"),
        ("approval_role", "always_requires_approval"),
        "expected_acceptance",
    ]


@admin.register(m.CompensationRule)
class CompensationRuleAdmin(CompensationGridMixin, ChildCounts, PolicyAdmin):
    resource_classes = [r.CompensationRuleResource]
    change_list_template = "admin/policies/compensationrule/change_list.html"  # + the grid's link
    list_display = [
        "name",
        "issue_type",
        "customer_tier",
        "band",
        "options_count",
        "priority",
        "scope",
        "active",
        "version",
    ]
    list_filter = ["issue_type", "customer_tier", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "note", "options__name"]
    list_select_related = ["issue_type", "customer_tier", "shop", "client"]
    autocomplete_fields = ["issue_type"]
    inlines = [CompensationOptionInline]
    counted = ("options",)
    options_count = child_count("options", _("方案数"))

    @admin.display(description=_("订单金额区间"), ordering="amount_above")
    def band(self, obj):
        return obj.band_label


@admin.register(m.ReplyTemplate)
class ReplyTemplateAdmin(TemplatePreviewMixin, PolicyAdmin):
    resource_classes = [r.ReplyTemplateResource]
    form = ReplyTemplateAdminForm
    list_display = [
        "name",
        "channel",
        "stage",
        "platform",
        "issue_type",
        "audience",
        "language",
        "scope",
        "active",
        "version",
    ]
    list_filter = [
        "channel",
        "stage",
        "platform",
        "issue_type",
        "audience",
        "language",
        *SCOPE_FILTERS,
        "active",
    ]
    search_fields = ["name", "body", "source"]
    list_select_related = ["issue_type", "shop", "client"]
    autocomplete_fields = ["issue_type"]


class PlatformCodeFilter(admin.SimpleListFilter):
    """A rule applies to a platform when it names it or names none."""

    title = _("平台")
    parameter_name = "platform"

    def lookups(self, request, model_admin):
        return Platform.choices

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        return queryset.filter(Q(platforms="") | Q(platforms__regex=rf"(^|,)\s*{code}\s*(,|$)"))


@admin.register(m.ComplianceRule)
class ComplianceRuleAdmin(PolicyAdmin):
    form = ComplianceRuleAdminForm
    resource_classes = [r.ComplianceRuleResource]
    list_display = [
        "name",
        "category",
        "platform_labels",
        "channel_labels",
        "match_mode",
        "action",
        "platform_action_labels",
        "reason",
        "scope",
        "active",
        "version",
    ]
    list_filter = [PlatformCodeFilter, "category", "action", "match_mode", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "patterns", "terms_a", "terms_b", "reason", "cited_rule"]

    @admin.display(description=_("适用平台"), ordering="platforms")
    def platform_labels(self, obj):
        return _labels(Platform, obj.platform_list, _("所有平台"))

    @admin.display(description=_("各平台处理"), ordering="platform_actions")
    def platform_action_labels(self, obj):
        from policies.compliance.rules import platform_actions_in_words

        return platform_actions_in_words(obj.platform_actions) or _("同“处理”")

    @admin.display(description=_("适用渠道"), ordering="channels")
    def channel_labels(self, obj):
        from policies.choices import Channel

        return _labels(Channel, obj.channel_list, _("所有渠道"))


class FollowUpStepInline(ScopedTabularInline):
    model = m.FollowUpStep
    form = FollowUpStepForm
    extra = 0
    autocomplete_fields = ["template"]


@admin.register(m.FollowUpPlan)
class FollowUpPlanAdmin(ChildCounts, PolicyAdmin):
    resource_classes = [r.FollowUpPlanResource]
    list_display = ["name", "event", "steps_count", "scope", "active", "version"]
    list_filter = ["event", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "steps__name"]
    inlines = [FollowUpStepInline]
    counted = ("steps",)
    steps_count = child_count("steps", _("步骤数"))


@admin.register(m.AppealChecklist)
class AppealChecklistAdmin(PolicyAdmin):
    resource_classes = [r.AppealChecklistResource]
    list_display = [
        "platform",
        "reason",
        "reason_label",
        "scope",
        "max_images",
        "description_max_chars",
        "once_per_review",
        "active",
        "version",
    ]
    list_filter = ["platform", "reason", *SCOPE_FILTERS, "active"]
    search_fields = ["reason_label", "evidence_required", "note"]


@admin.register(m.ContactLimit)
class ContactLimitAdmin(PolicyAdmin):
    resource_classes = [r.ContactLimitResource]
    list_display = [
        "platform",
        "scope",
        "max_attempts_per_case",
        "min_minutes_between",
        "quiet_start",
        "quiet_end",
        "active",
        "version",
    ]
    list_filter = ["platform", *SCOPE_FILTERS, "active"]


# Children edited inline above, registered on their own for XLSX/CSV import and export.
@admin.register(m.OpeningHours)
class OpeningHoursAdmin(ChildAdmin):
    resource_classes = [r.OpeningHoursResource]
    list_display = ["calendar", "weekday", "opens", "closes"]
    list_filter = ["calendar", "weekday"]


@admin.register(m.CalendarException)
class CalendarExceptionAdmin(ChildAdmin):
    resource_classes = [r.CalendarExceptionResource]
    list_display = ["calendar", "date", "kind", "name", "opens", "closes"]
    list_filter = ["calendar", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(m.CompensationOption)
class CompensationOptionAdmin(ChildAdmin):
    resource_classes = [r.CompensationOptionResource]
    list_display = ["name", "rule", "kind", "formula", "value", "extra_coupon", "cost_cap", "approval_role"]
    list_filter = ["kind", "formula", "approval_role", "rule__issue_type"]
    search_fields = ["name", "rule__name"]
    list_select_related = ["rule"]


@admin.register(m.FollowUpStep)
class FollowUpStepAdmin(ChildAdmin):
    resource_classes = [r.FollowUpStepResource]
    form = FollowUpStepForm
    list_display = ["name", "plan", "offset_minutes", "channel", "template", "asks_for_revision"]
    list_filter = ["plan", "channel", "asks_for_revision"]
    search_fields = ["name", "instructions"]
    list_select_related = ["plan", "template"]
