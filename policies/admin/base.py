"""What every policy admin shares: history (who/when/what, revert), XLSX/CSV import-export with the
dry-run preview, the global/shop scope filter, read-only bookkeeping, the link to decided cases, and
the scope of who may change what (``PolicyScopedAdmin``, the rules of ``policies.scope``)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from policies.forms import PolicyAdminForm
from policies.hooks import case_link_for, rule_case_links
from policies.scope import (
    can_change_global_policy,
    changeable_client_ids,
    client_path,
    shop_path,
    write_refusal,
)
from reviewdesk.access import CHANGE, client_ids_for, restrict
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.history_admin import HistoryAdmin


class ChineseCSV(base_formats.CSV):
    """CSV as Chinese Excel and WPS expect it: UTF-8 with BOM out; UTF-8 (BOM or not) or GB18030 in."""

    def get_title(self):
        return "csv"

    def is_binary(self):
        # Read the upload as bytes so that the encoding can be detected here, not assumed.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030")
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(dataset, **kwargs)


class CheckedXLSX(base_formats.XLSX):
    """XLSX that passes the one workbook guard (``reviewdesk.workbooks``: decompression bombs, every
    sheet's declared and real extent) before openpyxl inflates or allocates anything; a refusal is a
    ``PackError`` in the words of the pack's import (``read_failure_message`` shows it)."""

    def create_dataset(self, in_stream):
        from policies.pack import check_workbook_file

        check_workbook_file(in_stream)
        return super().create_dataset(in_stream)


def read_failure_message(exc: Exception) -> str:
    """What the import page says when the file cannot be read: our own checks speak Chinese already;
    anything else (a library's English, an exception's class name) gets one clear sentence."""
    from policies.pack import PackError

    if isinstance(exc, PackError | UnicodeDecodeError):
        return (
            str(exc) if isinstance(exc, PackError) else _("无法识别文件的编码：请另存为UTF-8或GBK编码的CSV。")
        )
    return _("无法读取该文件：请确认所选格式与文件一致(.xlsx 或 .csv)，且文件未损坏。")


class ScopeFilter(admin.SimpleListFilter):
    title = _("范围")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("global", _("全局默认")), ("client", _("品牌方层")), ("shop", _("店铺覆盖"))]

    def queryset(self, request, queryset):
        if self.value() == "global":
            return queryset.filter(shop__isnull=True, client__isnull=True)
        if self.value() == "client":
            return queryset.filter(client__isnull=False)
        if self.value() == "shop":
            return queryset.filter(shop__isnull=False)
        return queryset


class GlobalPolicyAdminMixin:
    """The admin of a global setting that decides for every shop and has no shop of its own (other
    apps' import mappings, insight settings): readable as before, but adding, changing and deleting
    need the policy owner's permission (``policies.change_global_policy``; a superuser holds it)."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and can_change_global_policy(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_change_global_policy(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_change_global_policy(request.user)


class PolicyScopedAdmin(ShopScopedAdminMixin):
    """A manager changes the rules of his shops; global rules and global-only models need the policy
    owner's permission (``policies.scope``), and stay readable to every manager.

    On top of ``ShopScopedAdminMixin`` (rows, choices and object permissions by shop, a global row
    changed only with ``policies.change_global_policy``):

    - a rule's client (its layer, ``policies.layers``) is chosen only among the clients the user is a
      member of (``reviewdesk.access.client_ids_for``): a shop manager and a client viewer have none;
    - the shop of a rule is required for a manager without that permission and without a client of
      his own (he can make the rule neither global nor a client's), and the parent of a child row (the rule of a compensation option) is offered only among
      the parents he may change;
    - a global-only model (issue types) can be added, changed and deleted only with the permission;
    - every form (change page, the history's revert, inline parents) is checked once more when it is
      validated, so no path saves a row outside his reach (``write_refusal``): an error, nothing saved.
    """

    def _global_only(self) -> bool:
        return shop_path(self.model) is None

    def scope_choices(self, request, db_field, queryset):
        path = shop_path(self.model)
        if path and "__" in path and db_field.name == path.split("__")[0]:
            return restrict(queryset, request.user, CHANGE)
        if db_field.name == "client" and client_path(self.model) == "client":
            return queryset.filter(pk__in=client_ids_for(request.user, CHANGE))
        return super().scope_choices(request, db_field, queryset)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if (
            formfield is not None
            and db_field.name == "shop"
            and shop_path(self.model) == "shop"
            and not can_change_global_policy(request.user)
        ):
            if changeable_client_ids(request.user):  # shop empty: the rule of his client's layer
                formfield.help_text = _(
                    "留空并选择品牌方，为你所属品牌方的全部店铺设置规则；或选择你所属的店铺设置覆盖规则。"
                    "全局规则由规则负责人维护。"
                )
            else:
                formfield.required = True
                formfield.help_text = _("你只能为自己所属的店铺设置覆盖规则；全局规则由规则负责人维护。")
        return formfield

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class ScopedForm(form):
            def _post_clean(self):
                super()._post_clean()
                refusal = write_refusal(user, self.instance)
                if refusal is not None:
                    field, message = refusal
                    field = field if field in self.fields else None
                    if field is None or field not in self.errors:  # "required" already says it
                        self.add_error(field, message)

        ScopedForm.__name__ = form.__name__
        return ScopedForm

    def has_add_permission(self, request, *args):
        allowed = super().has_add_permission(request, *args)
        return allowed and (not self._global_only() or can_change_global_policy(request.user))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (not self._global_only() or can_change_global_policy(request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (not self._global_only() or can_change_global_policy(request.user))


class ImportExportRules(ImportExportMixin):
    """XLSX and CSV; importing needs add and change permission (managers), exporting view permission."""

    formats = [CheckedXLSX, ChineseCSV]
    list_per_page = 50

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", read_failure_message(e))

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class ChildAdmin(PolicyScopedAdmin, ImportExportRules, admin.ModelAdmin):
    """A model normally edited inline on its parent, registered for its own import/export."""


class PolicyAdmin(PolicyScopedAdmin, ImportExportRules, HistoryAdmin):
    """Base admin of a rule (PolicyBase or IssueType). Subclasses set ``resource_classes`` and lists."""

    form = PolicyAdminForm
    readonly_fields = ["version", "updated_at"]

    # --- scope ------------------------------------------------------------------------------------
    @admin.display(description=_("范围"), ordering="shop__code")
    def scope(self, obj):
        return obj.scope_label

    # --- cases this rule decided (filled in by the cases app through policies.hooks) ---------------
    @admin.display(description=_("已决定的案件"))
    def decided_cases(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        answer = case_link_for(obj._meta.model_name, obj.pk)
        if not answer:
            return "—"
        url, count = answer
        return format_html('<a href="{}">{}</a>', url, _("%(count)s 个案件") % {"count": count})

    def _has_case_links(self) -> bool:
        # A provider answers None for models it knows nothing about: no column for those models.
        return bool(rule_case_links.all()) and case_link_for(self.model._meta.model_name, 0) is not None

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "decided_cases" not in columns and self._has_case_links():
            columns.append("decided_cases")
        return columns

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and "decided_cases" not in fields and self._has_case_links():
            fields.append("decided_cases")
        return fields

    def save_model(self, request, obj, form, change):
        # Versions only go up: a revert to an old version (simple_history) saves the old content as
        # the next version, never again as the old number a case may have stored.
        if change and obj.pk is not None and hasattr(obj, "version"):
            current = type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()
            if current is not None:
                obj.version = current
        super().save_model(request, obj, form, change)
