from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviewdesk.access import visible_shop_ids
from reviewdesk.models import Shop, ShopMembership, User

admin.site.site_header = _("中差评工作台 管理后台")
admin.site.site_title = _("中差评工作台")
admin.site.index_title = _("规则与组织")


class MembershipInline(admin.TabularInline):
    model = ShopMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "platform", "active"]
    list_filter = ["platform", "active"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        """A manager sees and edits the shops they belong to, like everywhere else."""
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk__in=visible_shop_ids(request.user))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "employee_code", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "memberships__shop"]
    search_fields = ["username", "display_name", "employee_code", "email"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("中差评工作台"), {"fields": ("employee_code", "display_name", "max_open_cases")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("中差评工作台"), {"fields": ("employee_code", "display_name")}),
    )

    def get_queryset(self, request):
        """Staff see the people of their own shops (and themselves); a superuser sees everyone. An
        agency's manager of one client's shops does not browse another client's team."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        mine = Q(memberships__shop_id__in=visible_shop_ids(request.user)) | Q(pk=request.user.pk)
        return qs.filter(pk__in=User.objects.filter(mine).values("pk"))
