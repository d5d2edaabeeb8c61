"""Personal data in the admin: no filter, search or query-string lookup on it, and free text masked for
readers who may not reveal it.

The admin's changelist lets anyone who can open it filter by any local field from the query string
(``?buyer_phone__startswith=138``): each answer's row count says whether a guessed prefix is right, so a
masked phone number was recovered digit by digit without any reveal being recorded. Related lookups
(``?review__buyer_phone__…``), search fields and list filters are the same oracle.

``PersonalDataAdminMixin`` closes it for one ModelAdmin, and ``guard_admin_site(site)`` applies it to every
ModelAdmin registered on a site (called once the admin has been autodiscovered, from
``ReviewDeskConfig.ready``), so an admin written later cannot forget it:

- ``lookup_allowed``: a lookup whose path reaches a personal field, on the model or through any relation,
  is refused as the admin refuses any invalid filter (``IncorrectLookupParameters``: back to the
  unfiltered list with ``?e=1``; a 400 from a view that is no changelist, such as an export). The answer
  is the same whatever the value, so it tells nothing.
- ``get_search_fields`` / ``get_list_filter``: personal fields are dropped (the autocomplete search uses the
  same search fields).
- ``get_list_display``: a model's free-text fields (where buyers type their phone or address) show masked
  (``reviewdesk.pii.mask_free_text``) in the list, to everyone, as the web lists do; on the view-only
  change page, to a reader without the model's reveal permission.

Which fields are personal is declared by the app that owns the model, by label
(``register_personal_fields("cases.review", hidden=…, free_text=…, reveal_permission=…)``); a few names are
personal on every model (``ALWAYS_HIDDEN``: secrets and contact values).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, SuspiciousOperation
from django.db.models.constants import LOOKUP_SEP

from reviewdesk.pii import mask_free_text

logger = logging.getLogger("reviewdesk.security")

# Field names that are personal data or secrets wherever they occur.
ALWAYS_HIDDEN = frozenset(
    {
        "buyer_phone",
        "buyer_address",
        "buyer_ip",
        "phone",
        "mobile",
        "address",
        "id_number",
        "id_card",
        "password",
        "secret",
        "key_hash",
        "webhook_url",
    }
)


@dataclass
class PersonalFields:
    hidden: set[str] = field(default_factory=set)  # never filtered, searched or looked up
    free_text: set[str] = field(default_factory=set)  # also shown masked to who may not reveal
    reveal_permission: str = ""


_REGISTRY: dict[str, PersonalFields] = {}


class PersonalDataLookup(IncorrectLookupParameters, SuspiciousOperation):
    """A refused lookup: the changelist treats it as any invalid filter (back to the list with ``?e=1``);
    any other view that builds a changelist (an import-export "export" page) answers 400, never 500."""


def register_personal_fields(label: str, *, hidden=(), free_text=(), reveal_permission: str = "") -> None:
    """Declare a model's personal fields (``label``: "app_label.modelname", lower case). Free-text fields are
    hidden from lookups too. django-simple-history's copy of the model (``historical<name>``) follows."""
    entry = _REGISTRY.setdefault(label.lower(), PersonalFields())
    entry.hidden |= set(hidden) | set(free_text)
    entry.free_text |= set(free_text)
    entry.reveal_permission = reveal_permission or entry.reveal_permission


# Third-party models: DRF's token key is a credential.
register_personal_fields("authtoken.token", hidden=["key"])
register_personal_fields("authtoken.tokenproxy", hidden=["key"])


def personal_fields_of(model) -> PersonalFields:
    opts = model._meta
    label = opts.label_lower
    if opts.model_name.startswith("historical") and label not in _REGISTRY:
        label = f"{opts.app_label}.{opts.model_name.removeprefix('historical')}"
    return _REGISTRY.get(label) or PersonalFields()


def is_personal(model, name: str) -> bool:
    return name in ALWAYS_HIDDEN or name in personal_fields_of(model).hidden


def reaches_personal_data(model, lookup: str) -> bool:
    """Whether the lookup path (``review__buyer_phone__startswith``, ``before__buyer_phone``) names a
    personal field on ``model`` or on any model it goes through. Transforms after a plain field, and
    parts that are no field at all, end the walk (Django ignores or refuses those itself)."""
    for part in lookup.split(LOOKUP_SEP):
        if is_personal(model, part):
            return True
        try:
            found = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not found.is_relation or found.related_model is None:
            return False
        model = found.related_model
    return False


def _search_path(entry: str) -> str:
    return entry.lstrip("^=@")


def may_reveal(request, model) -> bool:
    permission = personal_fields_of(model).reveal_permission
    user = getattr(request, "user", None)
    return bool(permission and user is not None and user.has_perm(permission))


def _masked_column(name: str, model):
    try:
        label = model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        label = name

    @admin.display(description=label)
    def column(obj):
        return mask_free_text(getattr(obj, name, "")) or "—"

    column.__name__ = f"masked_{name}"
    return column


class PersonalDataAdminMixin:
    """See the module docstring. Put it first among the bases, or let ``guard_admin_site`` apply it."""

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_personal_data(self.model, lookup):
            logger.warning("admin lookup on personal data refused: %s ?%s=", self.model._meta.label, lookup)
            raise PersonalDataLookup(f"filtering by {lookup} is not allowed")
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return [entry for entry in fields if not reaches_personal_data(self.model, _search_path(entry))]

    def get_list_filter(self, request):
        kept = []
        for entry in super().get_list_filter(request):
            name = entry[0] if isinstance(entry, (list, tuple)) else entry
            if isinstance(name, str) and reaches_personal_data(self.model, name):
                continue
            kept.append(entry)
        return kept

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        free_text = personal_fields_of(self.model).free_text
        if not free_text:  # a list masks for everyone, as the web lists do
            return columns
        return [
            _masked_column(c, self.model) if isinstance(c, str) and c in free_text else c for c in columns
        ]

    def get_object(self, request, object_id, from_field=None):
        """On a view-only change page, free text is masked on the in-memory object the page shows. Only
        when nothing can be saved from the page (a GET, no change permission), so a masked value is never
        written back."""
        obj = super().get_object(request, object_id, from_field)
        free_text = personal_fields_of(self.model).free_text
        if (
            obj is None
            or not free_text
            or request.method not in ("GET", "HEAD")
            or may_reveal(request, self.model)
            or self.has_change_permission(request, obj)
        ):
            return obj
        for name in free_text:
            if isinstance(getattr(obj, name, None), str):
                setattr(obj, name, mask_free_text(getattr(obj, name)))
        return obj


_GUARDED: dict[type, type] = {}


def guarded_class(cls: type) -> type:
    """``cls`` with ``PersonalDataAdminMixin`` in front (the same class once made)."""
    if issubclass(cls, PersonalDataAdminMixin):
        return cls
    if cls not in _GUARDED:
        _GUARDED[cls] = type(
            cls.__name__,
            (PersonalDataAdminMixin, cls),
            {"__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
    return _GUARDED[cls]


def guard_admin_site(site: admin.AdminSite | None = None) -> None:
    """Apply ``PersonalDataAdminMixin`` to every ModelAdmin registered on ``site`` (the default site)."""
    site = site or admin.site
    for model_admin in site._registry.values():
        model_admin.__class__ = guarded_class(type(model_admin))
