"""Reviews that arrive one by one or in small lists: the REST API (intake tokens) and demo data.

``reviews_submit(*, items, allowed_shop_ids, by, source)`` validates each item like an export row
(the generic template's fields), refuses items for shops outside ``allowed_shop_ids``, then stores
the valid ones through ``reviews_ingest`` in one transaction and answers per item. Idempotent on
(shop, external id): the same list twice → every item "unchanged".

Provenance: reviews, ratings and appended reviews are platform data. They are written only by a file
import of a role allowed to upload, an API token with the intake scope (``may_import_reviews`` is the
role rule both share) and, later, a platform connector — never by a person's session or an admin form.
``source`` has no default: the caller says which source writes, the revision and the case events carry
it, and incentives pay only for ``cases.hooks.PLATFORM_DATA_SOURCES``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import RowStatus
from cases.imports.mapping import mappings_for
from cases.imports.storing import reviews_ingest
from cases.imports.validation import DEFAULT_LEVELS, clean_values
from reviewdesk.choices import Role
from reviewdesk.models import Shop
from reviewdesk.roles import user_roles

API_REQUIRED = ("order_no", "rating", "reviewed_at", "buyer_nick")
INPUT_FIELDS = (
    "platform",
    "external_id",
    "order_no",
    "sub_order_no",
    "item_id",
    "item_title",
    "sku",
    "rating",
    "content",
    "reviewed_at",
    "buyer_nick",
    "buyer_ip",
    "buyer_phone",
    "buyer_address",
    "order_amount",
    "shipping_fee",
    "courier",
    "appended_content",
    "appended_at",
    "seller_replied",
    "reply_content",
)


# Who may bring platform data in, by file on the upload page or by an intake token of theirs.
IMPORT_ROLES = frozenset({str(Role.SUPERVISOR), str(Role.MANAGER)})


def may_import_reviews(user) -> bool:
    """Whether ``user`` may write reviews from platform data (an export file, or an intake token of
    theirs): a superuser, a supervisor or manager (who may upload export files), or an integration
    account (it cannot log in; its tokens carry only the intake scope). Agents, legal and HR may not:
    a review they wrote could open a case to work or a conversion to be paid for."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if user.is_superuser or user.is_integration:
        return True
    return bool(user_roles(user) & IMPORT_ROLES)


@dataclass
class SubmitResult:
    index: int
    status: str
    external_id: str | None = None
    review_id: int | None = None
    case_id: int | None = None
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _levels(shop: Shop) -> dict[str, int]:
    levels = dict(DEFAULT_LEVELS)
    for spec in mappings_for(shop.platform):
        for key, value in spec.rating_map.items():
            levels.setdefault(key, value)
    return levels


def reviews_submit(
    *, items: list[dict], allowed_shop_ids: set[int], source: str, by=None, now: dt.datetime | None = None
) -> list[SubmitResult]:
    """``source``: the ``IntakeSource`` writing these items (no default, see the module's docstring)."""
    results = [SubmitResult(index=i, status=RowStatus.ERROR) for i in range(len(items))]
    codes = {str(item.get("shop") or "") for item in items}
    shops = {s.code: s for s in Shop.objects.filter(code__in=codes)}
    levels: dict[int, dict] = {}
    by_shop: dict[int, list[tuple[int, dict]]] = {}
    for index, item in enumerate(items):
        result = results[index]
        shop = shops.get(str(item.get("shop") or ""))
        if shop is None:
            result.errors.append(
                {"field": "shop", "message": _("未知店铺代码“%(c)s”") % {"c": item.get("shop")}}
            )
            continue
        if shop.pk not in allowed_shop_ids:
            result.errors.append(
                {
                    "field": "shop",
                    "message": _("无权写入店铺“%(c)s”(令牌或账号不属于该店铺)") % {"c": shop.code},
                }
            )
            continue
        if not shop.active:
            result.errors.append({"field": "shop", "message": _("店铺“%(c)s”已停用") % {"c": shop.code}})
            continue
        if shop.pk not in levels:
            levels[shop.pk] = _levels(shop)
        raw = {name: item.get(name) for name in INPUT_FIELDS if name in item}
        values, problems = clean_values(
            raw,
            shop=shop,
            levels=levels[shop.pk],
            required=API_REQUIRED,
            id_fields=("sub_order_no", "order_no"),
        )
        if problems:
            result.errors.extend({"field": name, "message": message} for name, message in problems)
            continue
        result.external_id = values["external_id"]
        by_shop.setdefault(shop.pk, []).append((index, values))
    shop_by_id = {s.pk: s for s in shops.values()}
    with transaction.atomic():
        for shop_id, entries in by_shop.items():
            unique: dict[str, dict] = {}
            for index, values in entries:
                first = unique.get(values["external_id"])
                if first is not None and first["fingerprint"] != values["fingerprint"]:
                    results[index].errors.append(
                        {
                            "field": "external_id",
                            "message": _("与第%(i)d条是同一条评价，但内容不同") % {"i": first["_index"]},
                        }
                    )
                    continue
                values["_index"] = index
                unique.setdefault(values["external_id"], values)
            outcome = reviews_ingest(
                shop=shop_by_id[shop_id], rows=list(unique.values()), source=source, by=by, now=now
            )
            for index, values in entries:
                if results[index].errors:
                    continue
                item = outcome.items[values["external_id"]]
                first_index = unique[values["external_id"]]["_index"]
                results[index].status = item.status if first_index == index else RowStatus.UNCHANGED
                results[index].review_id, results[index].case_id = item.review_id, item.case_id
    return results
