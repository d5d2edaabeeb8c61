"""``ShopScopedAdminMixin``: the one access path (``reviewdesk.access``) applied to a ModelAdmin or an
inline.

Put it first among the bases (``class CaseAdmin(ShopScopedAdminMixin, admin.ModelAdmin)``). It

- lists only the rows ``restrict(view)`` allows (``get_queryset``); another shop's object is "not
  found" (the admin's own answer: back to the index with a warning), whatever id is typed;
- offers only reachable rows as the choices of every foreign key and many-to-many to Shop or to a
  shop-scoped model (``get_field_queryset``: select, raw-id and autocomplete fields alike), so a form
  naming another shop fails validation with the field's "select a valid choice" message and saves nothing;
- lists only reachable shops, people, cases … in the changelist's related filters (``get_list_filter``);
- answers ``has_view/change/delete_permission(request, obj)`` from ``restrict(view/change)``: a global
  row (shop NULL) is seen by all and changed per ``reviewdesk.access.can_change_global``.

Hooks: ``scope_choices(request, db_field, queryset)`` narrows one field's choices (override to narrow
further, e.g. only active shops; call super); ``object_in_scope(request, obj, action)`` decides one
object. A model that is not about a shop passes through untouched. The model says how it reaches a shop
(``reviewdesk.access.Scope``): most need nothing.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from reviewdesk.access import CHANGE, VIEW, can_access, restrict, scope_for


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related filter whose choices are the rows the user may see (not every shop's names)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        related = field.remote_field.model._default_manager.all()
        if ordering:
            related = related.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in restrict(related, request.user)]


class ShopScopedAdminMixin:
    """See the module docstring."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        related = db_field.remote_field.model
        if scope_for(related) is None:
            return queryset
        if queryset is None:
            queryset = related._default_manager.using(db).all()
        return self.scope_choices(request, db_field, queryset)

    def scope_choices(self, request, db_field, queryset):
        return restrict(queryset, request.user, VIEW)

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and self._is_scoped_relation(entry):
                entry = (entry, ScopedRelatedFieldListFilter)
            filters.append(entry)
        return filters

    def _is_scoped_relation(self, name: str) -> bool:
        model = self.model
        field = None
        for part in name.split("__"):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:  # a lookup Django resolves itself (it reports bad ones on its own)
                return False
            if not field.is_relation or field.related_model is None:
                return False
            model = field.related_model
        return field is not None and scope_for(model) is not None

    def object_in_scope(self, request, obj, action: str) -> bool:
        # Asked several times per change page (each permission, each inline): once per request.
        cache = request.__dict__.setdefault("_reviewdesk_in_scope", {})
        key = (obj._meta.label, obj.pk, action)
        if key not in cache:
            cache[key] = can_access(obj, request.user, action)
        return cache[key]

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, VIEW))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, CHANGE))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.object_in_scope(request, obj, CHANGE))


class ScopedModelAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    """A plain ModelAdmin with the mixin."""


class ScopedTabularInline(ShopScopedAdminMixin, admin.TabularInline):
    """An inline whose rows and choices are scoped. For an inline, ``obj`` in the permission checks is
    the PARENT object; the inline's own rows are scoped by ``get_queryset``."""


class ScopedStackedInline(ShopScopedAdminMixin, admin.StackedInline):
    """As ScopedTabularInline, stacked."""
