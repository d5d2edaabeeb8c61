from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from insights.models import InsightSettings, ReportRecipient, WeeklyReport
from reviewdesk.access import visible_shop_ids
from reviewdesk.models import Shop


@admin.register(InsightSettings)
class InsightSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "courier_threshold_percent", "courier_months", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not InsightSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportRecipient)
class ReportRecipientAdmin(admin.ModelAdmin):
    list_display = ["purpose", "user", "channel", "shop", "weekly_report", "daily_unresolved", "active"]
    list_filter = ["purpose", "weekly_report", "daily_unresolved", "active"]
    raw_id_fields = ["user"]


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request):
        """A shop's reports to its members; the all-shops report to who sees every shop (as the download)."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        visible = visible_shop_ids(request.user)
        if set(Shop.objects.values_list("pk", flat=True)) <= visible:
            return qs.filter(Q(shop_id__in=visible) | Q(shop__isnull=True))
        return qs.filter(shop_id__in=visible)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
