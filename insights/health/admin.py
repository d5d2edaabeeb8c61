"""The shop health watch in the admin: a manager sets his shops' alert step; the default row (no shop)
is everyone's, changed by the policy owner (like a global rule)."""

from django.contrib import admin

from insights.health.models import HealthWatch
from reviewdesk.access import GLOBAL, Scope, register_scope
from reviewdesk.admin_scope import ShopScopedAdminMixin

register_scope(HealthWatch, Scope(shop="shop", null=GLOBAL, global_perm="policies.change_global_policy"))


@admin.register(HealthWatch)
class HealthWatchAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "alert_below_average", "drop_step", "active"]
    list_filter = ["alert_below_average", "active"]
