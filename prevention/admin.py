"""The admin of prevention's policy data: what "late" means (``LateRule``), who is risky (``RiskRule``) and
which words put an after-sale's reason in a category (``ReturnReasonRule``),
layered and scoped like every rule of the pack (``policies.admin.base.PolicyAdmin``: a global row is the
policy owner's, a manager edits his shops' overrides; history, XLSX/CSV import and export), and the order
exports' column mappings (``OrderMapping``): global data that reads every shop's files, changed by the
policy owner only, read by managers (like the review import's ``cases.ImportMapping``)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies.admin.base import GlobalPolicyAdminMixin, PolicyAdmin
from policies.admin.rules import SCOPE_FILTERS
from policies.resources import NamedRuleResource
from prevention.models import LateRule, OrderMapping, ReturnReasonRule, RiskRule
from reviewdesk.choices import Platform


class LateRuleResource(NamedRuleResource):
    class Meta(NamedRuleResource.Meta):
        model = LateRule


class RiskRuleResource(NamedRuleResource):
    class Meta(NamedRuleResource.Meta):
        model = RiskRule


class ReturnReasonRuleResource(NamedRuleResource):
    class Meta(NamedRuleResource.Meta):
        model = ReturnReasonRule


@admin.register(LateRule)
class LateRuleAdmin(PolicyAdmin):
    resource_classes = [LateRuleResource]
    list_display = [
        "name",
        "platform",
        "courier",
        "ship_grace_hours",
        "no_movement_hours",
        "stuck_hours",
        "delivery_days",
        "task_sla_hours",
        "scope",
        "active",
        "version",
    ]
    list_filter = ["platform", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "courier", "offer_text"]
    list_select_related = ["shop", "client"]
    fieldsets = [
        (None, {"fields": ["name", "platform", "courier", "shop", "client", "active", "seen_version"]}),
        (
            _("延迟标准"),
            {
                "fields": [
                    "ship_grace_hours",
                    "no_movement_hours",
                    "stuck_hours",
                    "delivery_days",
                    "business_hours",
                ]
            },
        ),
        (_("主动补偿"), {"fields": ["offer_text", "offer_amount", "task_sla_hours"]}),
    ]


@admin.register(RiskRule)
class RiskRuleAdmin(PolicyAdmin):
    resource_classes = [RiskRuleResource]
    list_display = [
        "name",
        "min_after_sales",
        "min_negative_reviews",
        "min_malicious",
        "extortion",
        "scope",
        "active",
        "version",
    ]
    list_filter = [*SCOPE_FILTERS, "active"]
    search_fields = ["name", "suggestion"]
    list_select_related = ["shop", "client"]
    fieldsets = [
        (None, {"fields": ["name", "shop", "client", "active", "seen_version"]}),
        (
            _("标记条件"),
            {"fields": ["min_after_sales", "min_negative_reviews", "min_malicious", "extortion"]},
        ),
        (_("建议"), {"fields": ["suggestion"]}),
    ]


@admin.register(ReturnReasonRule)
class ReturnReasonRuleAdmin(PolicyAdmin):
    resource_classes = [ReturnReasonRuleResource]
    list_display = ["name", "category", "keyword_list", "priority", "scope", "active", "version"]
    list_filter = ["category", *SCOPE_FILTERS, "active"]
    search_fields = ["name", "keywords"]
    list_select_related = ["shop", "client"]
    fieldsets = [
        (None, {"fields": ["name", "category", "shop", "client", "active", "seen_version"]}),
        (_("匹配"), {"fields": ["keywords", "priority"]}),
    ]

    @admin.display(description=_("关键词"), ordering="keywords")
    def keyword_list(self, obj):
        return "、".join(obj.words) or "—"


@admin.register(OrderMapping)
class OrderMappingAdmin(GlobalPolicyAdminMixin, admin.ModelAdmin):
    """Mappings read every shop's order files: changed by the policy owner only, read by managers."""

    list_display = ["name", "code", "platform_names", "ship_within_hours", "priority", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "platforms"]
    fieldsets = [
        (None, {"fields": ["code", "name", "platforms", "priority", "active", "ship_within_hours"]}),
        (_("列与取值"), {"fields": ["columns", "required_fields", "status_map", "after_sale_map"]}),
    ]

    @admin.display(description=_("适用平台"), ordering="platforms")
    def platform_names(self, obj):
        """The platforms in words (the field holds their codes, comma separated)."""
        labels = dict(Platform.choices)
        codes = [code.strip() for code in obj.platforms.split(",") if code.strip()]
        return "、".join(str(labels.get(code, code)) for code in codes) or "—"
