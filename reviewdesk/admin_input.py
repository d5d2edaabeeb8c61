"""Hostile query strings on the admin's changelists answer the admin's own "invalid filter" page, not 500.

Django's ChangeList turns a filter it cannot build into ``IncorrectLookupParameters`` (the changelist
redirects to ``?e=1``), but two kinds of bad values get past that check and blow up only when the
list's query runs:

- a value that is only wrong for the database or the date arithmetic: ``?created_at__year=0`` (there is
  no year 0: ``ValueError``), ``?id=99999999999999999999`` (``OverflowError``), ``?pk=abc``
  (``ValidationError``);
- a value a ``SimpleListFilter`` passes on to its own query: the compliance rules' platform filter put
  ``?platform=(`` into a regular expression and the database refused it.

``ToleratesHostileInputChangeList`` closes both: a SimpleListFilter's value must be one of the choices
it offers (a value no link of the filter produces is refused before its ``queryset()`` runs), and the
query's value errors are refused the same way. ``guard_admin_input(site)`` applies it to every
ModelAdmin of a site, ours and third-party ones alike (called from ``ReviewDeskConfig.ready`` once the
admin has been autodiscovered), so a changelist added later cannot forget it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError

VALUE_ERRORS = (ValueError, OverflowError, TypeError, ValidationError)


class ToleratesHostileInputChangeList:
    """A ChangeList mixin (see the module docstring)."""

    def get_filters(self, request):
        result = super().get_filters(request)
        for spec in result[0]:
            if isinstance(spec, admin.SimpleListFilter) and spec.value() is not None:
                offered = {str(value) for value, _label in spec.lookup_choices}
                if str(spec.value()) not in offered:
                    raise IncorrectLookupParameters(f"{spec.parameter_name}: not one of the filter's choices")
        return result

    def get_queryset(self, request, exclude_parameters=None):
        try:
            return super().get_queryset(request, exclude_parameters)
        except VALUE_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            return super().get_results(request)
        except VALUE_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc


_TOLERANT: dict[type, type] = {}


def tolerant_changelist(cls: type) -> type:
    """``cls`` (a ChangeList class) with ``ToleratesHostileInputChangeList`` in front, made once."""
    if issubclass(cls, ToleratesHostileInputChangeList):
        return cls
    if cls not in _TOLERANT:
        _TOLERANT[cls] = type(
            cls.__name__, (ToleratesHostileInputChangeList, cls), {"__module__": cls.__module__}
        )
    return _TOLERANT[cls]


class ToleratesHostileInputAdminMixin:
    """A ModelAdmin whose changelist is ``tolerant_changelist(...)`` of the one it would use."""

    def get_changelist(self, request, **kwargs):
        return tolerant_changelist(super().get_changelist(request, **kwargs))


_GUARDED: dict[type, type] = {}


def guard_admin_input(site: admin.AdminSite | None = None) -> None:
    """Apply ``ToleratesHostileInputAdminMixin`` to every ModelAdmin registered on ``site`` (the default)."""
    site = site or admin.site
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if issubclass(cls, ToleratesHostileInputAdminMixin):
            continue
        if cls not in _GUARDED:
            namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
            _GUARDED[cls] = type(cls.__name__, (ToleratesHostileInputAdminMixin, cls), namespace)
        model_admin.__class__ = _GUARDED[cls]
