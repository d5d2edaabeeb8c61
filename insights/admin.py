from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from insights.models import InsightSettings, ReportRecipient, WeeklyReport
from policies.admin.base import GlobalPolicyAdminMixin
from reviewdesk.access import ALL_SHOPS, Scope, register_scope, sees_every_shop
from reviewdesk.admin_scope import ShopScopedAdminMixin


@admin.register(InsightSettings)
class InsightSettingsAdmin(GlobalPolicyAdminMixin, admin.ModelAdmin):
    """One row for every shop's dashboard: changed by the policy owner only (F5), read by managers."""

    list_display = ["__str__", "courier_threshold_percent", "courier_months", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not InsightSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# A recipient or stored report without a shop is the all-shops report's: only who sees every shop sees
# it (reviewdesk.access.ALL_SHOPS), as the download itself.
register_scope(ReportRecipient, Scope(shop="shop", null=ALL_SHOPS))
register_scope(WeeklyReport, Scope(shop="shop", null=ALL_SHOPS))


@admin.register(ReportRecipient)
class ReportRecipientAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["purpose", "user", "channel", "shop", "weekly_report", "daily_unresolved", "active"]
    list_filter = ["purpose", "weekly_report", "daily_unresolved", "active"]
    raw_id_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A manager sends their shops' report to their shops' people and channels (the mixin limits the
        choices); only who sees every shop may leave the shop empty (the all-shops report)."""
        if db_field.name == "shop" and not sees_every_shop(request.user):
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["week", "shop", "total_negative", "built_at", "download"]
    list_filter = ["shop"]
    readonly_fields = ["week", "shop", "total_negative", "summary", "built_at", "download"]
    exclude = ["file"]

    @admin.display(description=_("工作簿"))
    def download(self, obj):
        if not obj.pk or not obj.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("insights:report_download", kwargs={"pk": obj.pk}), _("下载")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
