"""Admin for people, clients and shops, and the login lockouts (django-axes) scoped to them.

Every admin here is scoped by ``reviewdesk.admin_scope.ShopScopedAdminMixin``: a manager sees the shops
they belong to (directly or through a client), the clients of those shops, the people of those shops (and
themselves), and the lockouts of those people only. Clients, their memberships and which client a shop
belongs to decide who reaches what: only a superuser creates or changes them (a client's manager reads
his client; moving a shop between clients would hand its cases to the other client's people)."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviewdesk.access import Scope, register_scope
from reviewdesk.admin_scope import ScopedTabularInline, ShopScopedAdminMixin
from reviewdesk.choices import AdminRole, ClientRole, Role
from reviewdesk.models import Client, ClientMembership, Shop, ShopMembership, User

admin.site.site_header = _("中差评工作台 管理后台")
admin.site.site_title = _("中差评工作台")
admin.site.index_title = _("规则与组织")


def _clients_of(shop_ids) -> Q:
    """A client is within reach when one of its shops is (a client member reaches all of them)."""
    return Q(pk__in=Shop.objects.filter(pk__in=shop_ids).order_by().values("client_id"))


def _memberships_of(shop_ids) -> Q:
    return Q(client_id__in=Shop.objects.filter(pk__in=shop_ids).order_by().values("client_id"))


register_scope(Client, Scope(rows=_clients_of, rows_subquery=True))
register_scope(ClientMembership, Scope(rows=_memberships_of, rows_subquery=True))


class ClientMembershipInline(ScopedTabularInline):
    model = ClientMembership
    extra = 0
    autocomplete_fields = ["user"]


class ClientShopInline(ScopedTabularInline):
    """The client's shops, read here; a shop is given a client on the shop's page (by a superuser)."""

    model = Shop
    extra = 0
    fields = ["code", "name", "platform", "active"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Client)
class ClientAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "active", "buyer_data_retention_days"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [ClientShopInline, ClientMembershipInline]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(ClientMembership)
class ClientMembershipAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "client", "created_at"]
    list_filter = ["client"]
    search_fields = ["user__username", "user__display_name", "client__code", "client__name"]
    autocomplete_fields = ["user"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)


class MembershipInline(ScopedTabularInline):
    model = ShopMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Shop)
class ShopAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "client", "platform", "active"]
    list_filter = ["client", "platform", "active"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        """Which client a shop belongs to decides who reaches it: a superuser's decision."""
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "client"]


ROLE_LABELS = {**dict(Role.choices), **dict(AdminRole.choices), **dict(ClientRole.choices)}


def role_label(group_name: str) -> str:
    """A role group by its label ("客服"), not its key ("agent"); another group by its name."""
    return str(ROLE_LABELS.get(group_name, group_name))


class RoleFilter(admin.SimpleListFilter):
    title = _("角色")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [
            (name, role_label(name)) for name in Group.objects.order_by("name").values_list("name", flat=True)
        ]

    def queryset(self, request, queryset):
        return queryset.filter(groups__name=self.value()).distinct() if self.value() else queryset


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj.name)


@admin.register(User)
class UserAdmin(ShopScopedAdminMixin, DjangoUserAdmin):
    """Staff see the people of their own shops (and themselves); a superuser sees everyone. An agency's
    manager of one client's shops does not browse another client's team (``reviewdesk.access``: a user
    belongs to the shops they are a member of)."""

    list_display = ["username", "display_name", "employee_code", "roles", "is_active", "is_staff"]
    list_filter = [RoleFilter, "is_active", "is_staff", "memberships__shop"]
    search_fields = ["username", "display_name", "employee_code", "email"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("中差评工作台"), {"fields": ("employee_code", "display_name", "max_open_cases", "language")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("中差评工作台"), {"fields": ("employee_code", "display_name", "language")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return "、".join(role_label(g.name) for g in obj.groups.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A role group's name is its key (reviewdesk.roles); the list shows the role's label beside it."""

    list_display = ["name", "label"]

    @admin.display(description=_("角色"))
    def label(self, obj):
        return role_label(obj.name)


# --- login lockouts (django-axes) --------------------------------------------------------------------
# A lockout names a username: a manager sees, and unlocks (deletes), those of the people of their shops;
# an attempt on a name that is nobody's, or on someone outside their shops, only a superuser. axes'
# own admins (registered before this module: axes precedes reviewdesk in INSTALLED_APPS) are replaced.


class AccessAttemptAdmin(ShopScopedAdminMixin, axes_admin.AccessAttemptAdmin):
    def get_actions(self, request):
        """axes' clean-up deletes every expired attempt, not only the selected: a superuser's tool."""
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("cleanup_expired_attempts", None)
        return actions


class AccessLogAdmin(ShopScopedAdminMixin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(ShopScopedAdminMixin, axes_admin.AccessFailureLogAdmin):
    pass


for _model, _admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    register_scope(_model, Scope(username="username"))
    if admin.site.is_registered(_model):  # AXES_ENABLE_ADMIN
        admin.site.unregister(_model)
        admin.site.register(_model, _admin)
