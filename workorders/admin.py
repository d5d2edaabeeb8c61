"""The admin of departments (members, external contacts, request types with their SLA). Work orders
themselves are raised and answered on the case page, the API and the answer link, not here.

Departments are policy data: a global row (no shop) is every shop's default and is changed only with
``policies.change_global_policy``; a manager changes his shops' overrides (``PolicyScopedAdmin``:
rows, choices and every saved form go through ``reviewdesk.access``). The robot's webhook URL and secret
are credentials: write-only on the form, checked with the outbound policy, stored encrypted.

The scopes are registered here (every process imports the admin at start-up): a department and its
children reach their shop through ``shop`` (NULL = global); a work order, its attachments and links
through the case's shop.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies.admin.base import PolicyScopedAdmin
from policies.scope import GLOBAL_POLICY_PERM
from reviewdesk.access import GLOBAL, HIDDEN, Scope, register_scope
from reviewdesk.admin_scope import ScopedTabularInline, ShopScopedAdminMixin
from reviewdesk.admin_secrets import WriteOnlySecretsMixin
from workorders.models import (
    AutomationRule,
    Department,
    DepartmentMember,
    ExternalContact,
    ExternalLink,
    RequestType,
    RobotPost,
    WorkOrder,
    WorkOrderAttachment,
)

register_scope(Department, Scope(shop="shop", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM))
register_scope(AutomationRule, Scope(shop="shop", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM))
for _child in (DepartmentMember, ExternalContact, RequestType):
    register_scope(_child, Scope(shop="department__shop", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM))
register_scope(WorkOrder, Scope(shop="case__shop", null=HIDDEN))
register_scope(WorkOrderAttachment, Scope(shop="work_order__case__shop", null=HIDDEN))
register_scope(ExternalLink, Scope(shop="work_order__case__shop", null=HIDDEN))
# A robot post of an order reaches its case's shop; a weekly post (no order) is shown to nobody.
register_scope(RobotPost, Scope(shop="work_order__case__shop", null=HIDDEN))


class DepartmentForm(WriteOnlySecretsMixin, forms.ModelForm):
    """Write-only robot URL and secret (reviewdesk.admin_secrets): empty on the page, kept when left
    empty, replaced when typed."""

    url_field, secret_field = "robot_webhook_url", "robot_secret"
    robot_webhook_url = forms.CharField(label=_("机器人Webhook地址"), max_length=500, required=False)
    robot_secret = forms.CharField(
        label=_("签名密钥"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Department
        fields = [
            "shop",
            "code",
            "name",
            "calendar",
            "robot_kind",
            "robot_webhook_url",
            "robot_secret",
            "active",
        ]


class MemberInline(ScopedTabularInline):
    model = DepartmentMember
    extra = 0
    fields = ["user", "is_lead", "mobile", "robot_user_id"]
    autocomplete_fields = ["user"]


class ContactInline(ScopedTabularInline):
    model = ExternalContact
    extra = 0
    fields = ["name", "mobile", "active"]


class RequestTypeInline(ScopedTabularInline):
    model = RequestType
    extra = 0
    fields = ["code", "name", "sla_minutes", "warn_at_percent", "blocking", "active"]


@admin.register(Department)
class DepartmentAdmin(PolicyScopedAdmin, admin.ModelAdmin):
    form = DepartmentForm
    list_display = ["name", "code", "shop", "calendar", "robot_kind", "active"]
    list_filter = ["active", "robot_kind"]
    search_fields = ["name", "code"]
    inlines = [MemberInline, ContactInline, RequestTypeInline]


@admin.register(AutomationRule)
class AutomationRuleAdmin(PolicyScopedAdmin, admin.ModelAdmin):
    """The automatic rules: the global row of each kind is the policy owner's, a manager adds or edits
    his shops' overrides (the department and request type offered are the global ones and his shops')."""

    list_display = [
        "kind",
        "shop",
        "department",
        "request_type",
        "issue_types",
        "threshold",
        "window_days",
        "active",
    ]
    list_filter = ["kind", "active"]
    list_select_related = ["shop", "department", "request_type__department"]
    fields = [
        "kind",
        "shop",
        "department",
        "request_type",
        "issue_types",
        "threshold",
        "window_days",
        "active",
    ]


@admin.register(RobotPost)
class RobotPostAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    """What was posted to the departments' group robots, with each try's outcome: read-only (the worker
    writes it). A manager sees the posts of his shops' work orders; weekly reports are shown to no one
    but a superuser (they belong to no shop)."""

    list_display = [
        "created_at",
        "department",
        "work_order",
        "title",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "department"]
    list_select_related = ["department", "work_order"]
    search_fields = ["key", "title"]
    date_hierarchy = "created_at"
    fields = [
        "department",
        "work_order",
        "key",
        "title",
        "lines",
        "path",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
