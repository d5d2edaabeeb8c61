"""Who may change which policy rows: the one answer for the admin, its imports, the pack and the sandbox.

Rules come in three layers. A rule with a shop is that shop's override: whoever may change rows of
that shop (a manager who is a member of it or of its client, ``reviewdesk.access``) may change it. A
rule with a client is that client's layer: only a member of the client (``ClientMembership``) who is
not read-only may change it; everyone who reaches one of the client's shops sees it. A rule with
neither is the *global* default of every shop, and a global-only model (issue types; other apps' global settings such as import mappings) has
nothing but global rows: changing those needs ``policies.change_global_policy``, held by the policy
owner role (``reviewdesk.roles``); a superuser holds it implicitly. Everyone who may view rules sees
the global ones (read-only without the permission). A child row (a compensation option, an opening
hour, a follow-up step) belongs to its parent's shop.

The access rules themselves live in ``reviewdesk.access``: ``register_policy_scopes`` (called from
``PoliciesConfig.ready``) tells it that every policy rule's NULL shop is a global row changed under
this permission, so ``restrict(..., "change")`` and the admin mixin answer the same thing everywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from reviewdesk.access import CHANGE, GLOBAL, Scope, client_ids_for, register_scope, scope_for, shop_ids_for

GLOBAL_POLICY_PERM = "policies.change_global_policy"


def register_policy_scopes() -> None:
    from policies.models import PolicyBase

    for model in _subclasses(PolicyBase):
        register_scope(
            model, Scope(shop="shop", client="client", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM)
        )


def _subclasses(cls):
    for sub in cls.__subclasses__():
        if not sub._meta.abstract and not sub._meta.proxy and sub._meta.app_label == "policies":
            yield sub
        yield from _subclasses(sub)


def can_change_global_policy(user) -> bool:
    """Global rules and global-only settings: a superuser, or a holder of the permission."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(GLOBAL_POLICY_PERM)


def shop_path(model) -> str | None:
    """The lookup from a row of ``model`` to its shop ("shop", "rule__shop"), None for a global-only model."""
    scope = scope_for(model)
    return scope.shop if scope is not None and scope.shop not in (None, "pk") else None


def client_path(model) -> str | None:
    """The lookup from a row of ``model`` to its client layer ("client", "rule__client"), or None."""
    scope = scope_for(model)
    return scope.client if scope is not None else None


def changeable_client_ids(user) -> set[int]:
    """The clients whose layer ``user`` may change (one query; every client for a superuser)."""
    from reviewdesk.models import Client

    return set(Client.objects.filter(pk__in=client_ids_for(user, CHANGE)).values_list("pk", flat=True))


def row_shop_id(obj, path: str) -> int | None:
    """The shop id of an (unsaved or saved) object along ``path``, from its attributes."""
    *parents, last = path.split("__")
    for name in parents:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def stored_shop_id(obj, path: str) -> tuple[bool, int | None]:
    """(exists, shop id) of the row as it is in the database now (before an edit is saved)."""
    if obj.pk is None:
        return False, None
    rows = type(obj)._base_manager.filter(pk=obj.pk).values_list(path, flat=True)[:1]
    found = list(rows)
    return (True, found[0]) if found else (False, None)


def write_refusal(user, obj) -> tuple[str | None, str] | None:
    """Why ``user`` may not save ``obj`` (as it is now AND as it was), or None when they may.

    Answers (field name or None, message in the user's language). ``user`` None is an operator's
    command (``policy_pack import``, ``seed_policies``), which may write anything."""
    if user is None or user.is_superuser:
        return None
    path = shop_path(type(obj))
    if path is None:
        if can_change_global_policy(user):
            return None
        return None, _("“%(model)s”是全局设置，只有规则负责人可以修改。") % {
            "model": type(obj)._meta.verbose_name
        }
    field = path.split("__")[0]
    cpath = client_path(type(obj))
    layers = [(row_shop_id(obj, path), row_shop_id(obj, cpath) if cpath else None)]
    existed, before = stored_shop_id(obj, path)
    if existed:
        layers.append((before, stored_shop_id(obj, cpath)[1] if cpath else None))
    allowed = shop_ids_for(user, CHANGE)
    clients = None
    for shop_id, client_id in layers:
        if shop_id is not None:
            if shop_id not in allowed:
                return field, _("只能修改你所属店铺的规则。")
        elif client_id is not None:
            if clients is None:
                clients = changeable_client_ids(user)
            if client_id not in clients:
                return cpath.split("__")[0], _("只能修改你所属品牌方的规则层。")
        elif not can_change_global_policy(user):
            return field, _("全局规则只有规则负责人可以修改；请选择你所属的店铺，为它设置覆盖规则。")
    return None
