"""The admin of macros (快捷宏): a reply template plus an optional compensation, per layer (global, a
client's, a shop's) with the same rules of who may change which layer as every policy admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from policies import models as m
from policies.admin.base import PolicyAdmin
from policies.admin.rules import SCOPE_FILTERS
from policies.resources import NamedRuleResource


class MacroResource(NamedRuleResource):
    class Meta(NamedRuleResource.Meta):
        model = m.Macro


@admin.register(m.Macro)
class MacroAdmin(PolicyAdmin):
    resource_classes = [MacroResource]
    list_display = ["name", "reply_template", "compensation", "sort_order", "scope", "active", "version"]
    list_filter = ["compensation_kind", *SCOPE_FILTERS, "active"]
    search_fields = ["name"]
    list_select_related = ["reply_template", "shop", "client"]

    @admin.display(description=_("补偿"), ordering="compensation_kind")
    def compensation(self, obj):
        if not obj.compensation_kind:
            return "—"
        kind = obj.get_compensation_kind_display()
        if obj.compensation_amount is None:
            return kind
        return _("%(kind)s %(amount)s元") % {"kind": kind, "amount": f"{obj.compensation_amount:.2f}"}
