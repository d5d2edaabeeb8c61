from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import NotificationChannel
from insights.models import InsightSettings, ReportRecipient, WeeklyReport
from policies.admin.base import GlobalPolicyAdminMixin
from reviewdesk.access import visible_shop_ids
from reviewdesk.models import Shop, ShopMembership, User


@admin.register(InsightSettings)
class InsightSettingsAdmin(GlobalPolicyAdminMixin, admin.ModelAdmin):
    """One row for every shop's dashboard: changed by the policy owner only (F5), read by managers."""

    list_display = ["__str__", "courier_threshold_percent", "courier_months", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not InsightSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


def sees_every_shop(user) -> bool:
    """Who may see (and send) the all-shops report: a superuser or a member of every shop."""
    return user.is_superuser or set(Shop.objects.values_list("pk", flat=True)) <= visible_shop_ids(user)


@admin.register(ReportRecipient)
class ReportRecipientAdmin(admin.ModelAdmin):
    list_display = ["purpose", "user", "channel", "shop", "weekly_report", "daily_unresolved", "active"]
    list_filter = ["purpose", "weekly_report", "daily_unresolved", "active"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        """Recipients of the manager's shops; those of the all-shops report (no shop) only to who sees
        every shop, as for the stored reports themselves."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        scope = Q(shop_id__in=visible_shop_ids(request.user))
        if sees_every_shop(request.user):
            scope |= Q(shop__isnull=True)
        return qs.filter(scope)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A manager sends their shops' report to their shops' people and channels, nothing wider."""
        if not request.user.is_superuser:
            visible = visible_shop_ids(request.user)
            if db_field.name == "shop":
                kwargs["queryset"] = Shop.objects.filter(pk__in=visible)
                kwargs["required"] = not sees_every_shop(request.user)
            elif db_field.name == "channel":
                kwargs["queryset"] = NotificationChannel.objects.filter(shop_id__in=visible)
            elif db_field.name == "user":
                kwargs["queryset"] = User.objects.filter(pk__in=ShopMembership.objects.filter(shop_id__in=visible).values("user_id"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
        if sees_every_shop(request.user):
            return qs.filter(Q(shop_id__in=visible) | Q(shop__isnull=True))
        return qs.filter(shop_id__in=visible)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
