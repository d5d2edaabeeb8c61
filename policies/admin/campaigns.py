"""The admin of peak seasons (大促时段): the period, its promise and staffing calendar, and its SLA
commitments per issue type as an inline (scoped like every policy admin)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies import models as m
from policies.admin.base import ChildAdmin, PolicyAdmin
from policies.admin.checked_forms import EngineChecks
from policies.admin.rules import SCOPE_FILTERS, ChildCounts, child_count
from policies.forms import PolicyAdminForm
from policies.resources_campaigns import CampaignCommitmentResource, CampaignPeriodResource
from reviewdesk.admin_scope import ScopedTabularInline


class CampaignPeriodAdminForm(EngineChecks, PolicyAdminForm):
    """The promise shown to buyers passes the compliance rules (``policies.validation``)."""


class CampaignCommitmentInline(ScopedTabularInline):
    model = m.CampaignCommitment
    extra = 1
    autocomplete_fields = ["issue_type"]


@admin.register(m.CampaignPeriod)
class CampaignPeriodAdmin(ChildCounts, PolicyAdmin):
    form = CampaignPeriodAdminForm
    resource_classes = [CampaignPeriodResource]
    list_display = [
        "name",
        "starts_at",
        "ends_at",
        "calendar",
        "commitments_count",
        "scope",
        "active",
        "version",
    ]
    list_filter = [*SCOPE_FILTERS, "active"]
    search_fields = ["name", "name_en", "buyer_promise"]
    list_select_related = ["calendar", "shop", "client"]
    inlines = [CampaignCommitmentInline]
    counted = ("commitments",)
    commitments_count = child_count("commitments", _("时效承诺数"))
    fieldsets = [
        (None, {"fields": ["name", "name_en", "shop", "client", "active", "seen_version"]}),
        (_("时段"), {"fields": ["starts_at", "ends_at", "calendar"]}),
        (_("对买家的时效承诺"), {"fields": ["buyer_promise"]}),
    ]


# Edited inline above, registered on its own for XLSX/CSV import and export (like the other child rows).
@admin.register(m.CampaignCommitment)
class CampaignCommitmentAdmin(ChildAdmin):
    resource_classes = [CampaignCommitmentResource]
    list_display = [
        "campaign",
        "issue_type",
        "first_response_minutes",
        "public_reply_minutes",
        "resolution_minutes",
    ]
    list_filter = ["campaign", "issue_type"]
    list_select_related = ["campaign", "issue_type"]
