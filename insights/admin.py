from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from insights.models import InsightSettings, ReportRecipient, WeeklyReport
from policies.admin.base import GlobalPolicyAdminMixin
from reviewdesk.access import ALL_SHOPS, Scope, changeable_shops, register_scope, sees_every_shop
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.models import Client, Shop


@admin.register(InsightSettings)
class InsightSettingsAdmin(GlobalPolicyAdminMixin, admin.ModelAdmin):
    """One row for every shop's dashboard: changed by the policy owner only (F5), read by managers."""

    list_display = ["__str__", "courier_threshold_percent", "courier_months", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not InsightSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


def report_rows(shop_ids) -> Q:
    """Which weekly reports (and their recipients) are within reach of ``shop_ids`` (a set or a subquery):
    a shop's, when the shop is; a client's, when every shop of the client is (its report holds them
    all: a member of the client, not a member of one of its shops); the all-shops one (neither shop nor
    client, reviewdesk.access.ALL_SHOPS), when every shop is. Read inside the query, no query of its own."""
    outside = Shop.objects.exclude(pk__in=shop_ids)
    client_outside = outside.filter(client_id=OuterRef("client_id"))
    return (
        Q(shop_id__in=shop_ids)
        | (Q(shop__isnull=True, client__isnull=False) & ~Exists(client_outside))
        | (Q(shop__isnull=True, client__isnull=True) & ~Exists(outside))
    )


register_scope(ReportRecipient, Scope(shop="shop", null=ALL_SHOPS, rows=report_rows, rows_subquery=True))
register_scope(WeeklyReport, Scope(shop="shop", null=ALL_SHOPS, rows=report_rows, rows_subquery=True))


@admin.register(ReportRecipient)
class ReportRecipientAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "purpose",
        "user",
        "channel",
        "shop",
        "client",
        "weekly_report",
        "daily_unresolved",
        "active",
    ]
    list_filter = ["purpose", "weekly_report", "daily_unresolved", "active"]
    raw_id_fields = ["user"]

    def scope_choices(self, request, db_field, queryset):
        """A client's report goes only to who reaches every shop of the client (``report_rows``): the
        client choices are those clients, not every client one of whose shops is within reach."""
        queryset = super().scope_choices(request, db_field, queryset)
        if db_field.name == "client" and not request.user.is_superuser:
            reach = changeable_shops(request.user).order_by().values("pk")
            outside = Shop.objects.exclude(pk__in=reach).filter(client_id=OuterRef("pk"))
            queryset = queryset.filter(~Exists(outside), pk__in=Client.objects.filter(shops__in=reach))
        return queryset

    def get_form(self, request, obj=None, **kwargs):
        """A row with neither shop nor client is the all-shops report's: only who sees every shop may
        leave both empty (the mixin limits both choices to what the user reaches)."""
        form = super().get_form(request, obj, **kwargs)
        if sees_every_shop(request.user):
            return form

        class ScopedForm(form):
            def clean(self):
                data = super().clean()
                if not data.get("shop") and not data.get("client"):
                    raise forms.ValidationError(
                        _("请填写店铺或品牌方(全部店铺的周报只有能查看全部店铺的人可以设置)。")
                    )
                return data

        return ScopedForm


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["week", "shop", "client", "total_negative", "built_at", "download"]
    list_filter = ["shop", "client"]
    readonly_fields = ["week", "shop", "client", "total_negative", "summary", "built_at", "download"]
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


from insights.health import admin as health_admin  # noqa: E402, F401  (the shop health watch)
