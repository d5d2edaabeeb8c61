"""The layers of the policy pack: global → client (品牌方) → shop, the most specific winning.

A rule (``policies.models.PolicyBase``) names a shop (that shop's override), a client (the layer of every
shop of that client) or neither (the agency's global default). ``policies.loader`` resolves them for one
shop; this module names a layer, narrows a queryset to one layer (the pack's export and import per
layer) and says which layer decided each rule of a decision (the sandbox and ``policy_explain``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

GLOBAL, CLIENT, SHOP = "global", "client", "shop"
RANK = {GLOBAL: 0, CLIENT: 1, SHOP: 2}


def layer_of(row) -> tuple[str, int | None]:
    """(kind, the client's or shop's id) of a rule row; (GLOBAL, None) for a global rule."""
    if getattr(row, "shop_id", None):
        return SHOP, row.shop_id
    if getattr(row, "client_id", None):
        return CLIENT, row.client_id
    return GLOBAL, None


def rank_of(row) -> int:
    return RANK[layer_of(row)[0]]


def layer_label(kind: str, name: str = "") -> str:
    """全局 / 品牌方 X / 店铺 Y, in the active language."""
    if kind == CLIENT:
        return _("品牌方 %(name)s") % {"name": name}
    if kind == SHOP:
        return _("店铺 %(name)s") % {"name": name}
    return _("全局")


@dataclass(frozen=True)
class Layer:
    """One layer chosen for an export or an import: the global one, a client's or a shop's."""

    kind: str
    client: object | None = None  # reviewdesk.models.Client
    shop: object | None = None  # reviewdesk.models.Shop

    @property
    def label(self) -> str:
        if self.kind == CLIENT:
            return layer_label(CLIENT, self.client.code)
        if self.kind == SHOP:
            return layer_label(SHOP, self.shop.code)
        return layer_label(GLOBAL)

    @property
    def slug(self) -> str:
        """What a file name or a command line says: ``global``, ``client-<code>``, ``shop-<code>``."""
        if self.kind == CLIENT:
            return f"client-{self.client.code}"
        if self.kind == SHOP:
            return f"shop-{self.shop.code}"
        return GLOBAL

    def rows(self, model) -> Q | None:
        """The filter of ``model``'s rows in this layer; None when the model has no layer of this kind
        (a global-only model such as issue types belongs to the global layer whole)."""
        from policies.scope import client_path, shop_path

        path, cpath = shop_path(model), client_path(model)
        if path is None:
            return Q() if self.kind == GLOBAL else None
        if self.kind == SHOP:
            return Q(**{f"{path}_id" if "__" not in path else path: self.shop.pk})
        if cpath is None:
            return None if self.kind == CLIENT else Q(**{f"{path}__isnull": True})
        if self.kind == CLIENT:
            return Q(**{f"{cpath}_id" if "__" not in cpath else cpath: self.client.pk})
        return Q(**{f"{path}__isnull": True, f"{cpath}__isnull": True})

    def contains(self, kind: str, owner_id: int | None) -> bool:
        if self.kind == SHOP:
            return kind == SHOP and owner_id == self.shop.pk
        if self.kind == CLIENT:
            return kind == CLIENT and owner_id == self.client.pk
        return kind == GLOBAL


def parse_layer(text: str) -> Layer:
    """``global``, ``client:<code>`` or ``shop:<code>`` (also ``client-<code>``); ValueError in words."""
    from reviewdesk.models import Client, Shop

    value = (text or "").strip()
    if value in ("", GLOBAL):
        return Layer(GLOBAL)
    kind, sep, code = value.partition(":") if ":" in value else value.partition("-")
    code = code.strip()
    if sep and kind == CLIENT and code:
        client = Client.objects.filter(code=code).first()
        if client is None:
            raise ValueError(_("品牌方代码“%(code)s”不存在。") % {"code": code})
        return Layer(CLIENT, client=client)
    if sep and kind == SHOP and code:
        shop = Shop.objects.filter(code=code).select_related("client").first()
        if shop is None:
            raise ValueError(_("店铺代码“%(code)s”不存在。") % {"code": code})
        return Layer(SHOP, shop=shop)
    raise ValueError(
        _("层级“%(value)s”无效：请填 global、client:<品牌方代码> 或 shop:<店铺代码>。") % {"value": value}
    )


def decided_by(policy, shop, client=None) -> dict[tuple[str, int], tuple[str, str]]:
    """(model name, id) → (kind, the client's or shop's code) for every rule of ``policy``, the policy
    of ``shop`` (or without a shop of ``client``'s layer; neither: the global rules); what ``explain``
    and ``decision_to_dict`` name each rule's layer with. Reads the shop's client once when one of its
    rules decided (the caller's shop usually carries it already)."""
    names = {}
    for key, (kind, _owner) in policy.rule_layers.items():
        if kind == SHOP and shop is not None:
            names[key] = (SHOP, shop.code)
        elif kind == CLIENT and shop is not None and shop.client_id:
            names[key] = (CLIENT, shop.client.code)
        elif kind == CLIENT and shop is None and client is not None:
            names[key] = (CLIENT, client.code)
        else:
            names[key] = (GLOBAL, "")
    return names


def layer_refusal(layer, instance) -> str | None:
    """Why ``instance`` cannot be imported into ``layer`` (a row of another layer), or None."""
    if layer is None:
        return None
    from policies.scope import client_path, row_shop_id, shop_path
    from reviewdesk.models import Client, Shop

    path, cpath = shop_path(type(instance)), client_path(type(instance))
    if path is None:
        if layer.kind == GLOBAL:
            return None
        return _("“%(model)s”只属于全局层，不能导入到%(layer)s。") % {
            "model": type(instance)._meta.verbose_name,
            "layer": layer.label,
        }
    shop_id = row_shop_id(instance, path)
    client_id = row_shop_id(instance, cpath) if cpath else None
    kind, owner = (SHOP, shop_id) if shop_id else (CLIENT, client_id) if client_id else (GLOBAL, None)
    if layer.contains(kind, owner):
        return None
    code = ""
    if kind == SHOP:
        code = Shop.objects.filter(pk=shop_id).values_list("code", flat=True).first() or ""
    elif kind == CLIENT:
        code = Client.objects.filter(pk=client_id).values_list("code", flat=True).first() or ""
    return _("这一行属于%(row)s，不属于所选的%(layer)s：清空店铺和品牌方两列即导入到所选层级。") % {
        "row": layer_label(kind, code),
        "layer": layer.label,
    }


def view_refusal(user, layer: Layer) -> str | None:
    """Why ``user`` may not export ``layer`` (a client or a shop beyond their reach), or None. No user
    is an operator's command."""
    from reviewdesk.access import VIEW, client_ids_for, shop_ids_for
    from reviewdesk.models import Client

    if user is None or user.is_superuser or layer.kind == GLOBAL:
        return None
    if layer.kind == CLIENT:
        if Client.objects.filter(pk=layer.client.pk, pk__in=client_ids_for(user, VIEW)).exists():
            return None
        return _("你不能查看品牌方“%(code)s”的规则层。") % {"code": layer.client.code}
    if layer.shop.pk in shop_ids_for(user, VIEW):
        return None
    return _("你不能查看店铺“%(code)s”的规则。") % {"code": layer.shop.code}


def change_refusal(user, layer: Layer) -> str | None:
    """Why ``user`` may not import into ``layer``, or None: the global layer is the policy owner's, a
    client's layer its (non read-only) members', a shop's its managers' (``policies.scope``)."""
    from policies.scope import can_change_global_policy, changeable_client_ids
    from reviewdesk.access import CHANGE, shop_ids_for

    if user is None or user.is_superuser:
        return None
    if layer.kind == GLOBAL:
        return None if can_change_global_policy(user) else _("全局层只有规则负责人可以导入。")
    if layer.kind == CLIENT:
        if layer.client.pk in changeable_client_ids(user):
            return None
        return _("只能导入到你所属品牌方的规则层。")
    if layer.shop.pk in shop_ids_for(user, CHANGE):
        return None
    return _("只能修改你所属店铺的规则。")
