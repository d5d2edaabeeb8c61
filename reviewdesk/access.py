"""The one access path: which rows a user (or an API token) may see, and which they may change.

``shop_ids_for(user, action, token=None)`` answers "which shops", ``restrict(queryset, user, action,
token=None)`` narrows any queryset to the rows of those shops. Web views, the API, every admin
(``reviewdesk.admin_scope.ShopScopedAdminMixin``), exports and htmx partials go through them; nothing
else filters by shop by hand. (NetBox's ``RestrictedQuerySet.restrict(user, action)``, Zulip's
``access_message``.)

How a row reaches its shop is said once per model, by a ``Scope``:

- a model with a ``shop`` foreign key to Shop needs nothing (Shop itself neither);
- a model whose only required foreign key leads to a scoped model follows it (a QA review through its
  case: ``case__shop``; a calendar's opening hours through their calendar);
- anything else is declared, with ``register_scope(model, Scope(...))`` from its app, or with an
  ``access_scope = Scope(...)`` class attribute on the model. The apps register beside their admin
  (``<app>/admin.py``), which every process imports at start-up (``django.contrib.admin`` autodiscovers
  in its ``ready()``). A model no rule covers is not about a shop (issue types, training modules) and is
  not narrowed.

A row whose shop is NULL is a *global* row (a rule for every shop): everyone sees it, but changing it
is decided by ``can_change_global`` — the scope's ``global_perm``, or a check another app plugs in with
``register_global_change_check``. Another kind of NULL (``null=ALL_SHOPS``) is a row about every shop,
such as the all-shops weekly report: only who sees every shop sees it.

A token (duck-typed: ``token.shop_ids(action) -> set[int]``, else its active ``shops``) narrows its
user's shops; it never widens them. A superuser without a token sees and changes everything.

A user reaches a shop through a ``ShopMembership`` (that shop) or a ``ClientMembership`` (every shop of
an active client, present and future). Roles stay Django groups: a membership gives shops, the groups
give what one may do there. A user whose every role is read-only (``choices.READ_ONLY_ROLES``: the client
viewer) may change nothing: their ``change`` shops are none, whatever a view forgets to check.

The shops and roles of a user are read once per request, in one query (``load_access``) and cached on
the user object; ``restrict`` costs no query of its own when that cache is cold (it then filters with
a subquery), so a page's query budget does not move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, Exists, IntegerField, Model, Q, QuerySet, Value

from reviewdesk.choices import READ_ONLY_ROLES
from reviewdesk.models import ClientMembership, Shop, ShopMembership, User

VIEW, CHANGE = "view", "change"
ACTIONS = (VIEW, CHANGE)
GLOBAL, ALL_SHOPS, HIDDEN = "global", "all_shops", "hidden"


@dataclass(frozen=True)
class Scope:
    """How a model's rows reach a shop.

    ``shop``: the lookup from a row to its Shop (``"shop"``, ``"case__shop"``; ``"pk"`` for Shop). With
    no ``shop``, ``user`` nor ``username``, every row is a NULL row (a setting for every shop).
    ``user``: or the lookup to a User (``"agent"``, ``"account__user"``; ``"pk"`` for User): the row
    belongs to the shops its user is a member of (a payout line, a ledger entry).
    ``every``: ``shop`` is a many-to-many and every one of its shops must be within reach (a token).
    ``null``: what a row without shop/user means — GLOBAL (a rule for all: seen by everyone, changed per
    ``can_change_global``), ALL_SHOPS (about every shop: only who sees every shop) or HIDDEN.
    ``global_perm``: the permission that allows changing a GLOBAL row (None: only a plugged-in check).
    ``username``: or the lookup to a username (login lockouts): the row belongs to the shops of the user
    of that name.
    ``reader``: who may read this model at all, beyond shops (cases: ``roles.works_cases``).
    ``include_self``: a user-scoped row of the caller themself is always within reach (the user list).
    ``rows``: or a function of the shop ids giving the filter itself, for a row whose shop is computed
    (a ledger entry belongs to its case's shop, else to its agent's home shop: ``incentives``).
    ``rows_subquery``: ``rows`` also accepts a subquery of shop ids (``values("pk")``), so a cold
    ``restrict`` costs no query of its own (a client through its shops: ``reviewdesk.admin``).
    ``client``: the lookup from a row to a Client, for a model layered global → client → shop (the
    policy rules): a row with a client and no shop is that client's layer, seen by who reaches any of
    the client's shops and changed only by a member of the client (``client_ids_for``); the GLOBAL
    row is then the one with neither.
    """

    shop: str | None = None
    user: str | None = None
    username: str | None = None
    every: bool = False
    null: str = HIDDEN
    global_perm: str | None = None
    reader: Callable[[object], bool] | None = None
    include_self: bool = False
    rows: Callable[[set[int]], Q] | None = None
    rows_subquery: bool = False
    client: str | None = None


_scopes: dict[type[Model], Scope | None] = {}
_declared: dict[type[Model], Scope] = {}
_global_change_checks: list[Callable[[object, type[Model]], bool | None]] = []


def register_scope(model: type[Model], scope: Scope) -> None:
    """Say how ``model`` reaches a shop (its app calls this at start-up)."""
    _declared[model] = scope
    _scopes.clear()  # derived scopes may follow this model


def register_global_change_check(check: Callable[[object, type[Model]], bool | None]) -> None:
    """Plug in who may change a global row: ``check(user, model)`` answers True/False, or None to
    leave the decision to the next check and finally to the scope's ``global_perm``."""
    _global_change_checks.append(check)


def scope_for(model: type[Model]) -> Scope | None:
    """The model's Scope, or None when it is not about a shop."""
    model = model._meta.concrete_model
    if model not in _scopes:
        _scopes[model] = _derive(model, seen=())
    return _scopes[model]


def _derive(model: type[Model], seen: tuple) -> Scope | None:
    if model in _declared:
        return _declared[model]
    declared = model.__dict__.get("access_scope")
    if isinstance(declared, Scope):
        return declared
    if model is Shop:
        return Scope(shop="pk")
    if model is User:
        return Scope(user="pk", include_self=True)
    fields = [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
    for field in fields:
        if field.name == "shop" and field.related_model is Shop:
            return Scope(shop="shop", null=GLOBAL if field.null else HIDDEN)
    if model in seen or len(seen) > 3:
        return None
    parents = []
    for field in fields:
        if field.null or field.related_model in (User, model) or field.related_model is None:
            continue
        parent = _derive(field.related_model._meta.concrete_model, (*seen, model))
        if parent is not None and parent.shop is not None and not parent.every:
            parents.append((field.name, parent))
    if len(parents) != 1:
        return None
    name, parent = parents[0]
    return Scope(
        shop=f"{name}__{parent.shop}",
        null=parent.null,
        global_perm=parent.global_perm,
        reader=parent.reader,
        client=f"{name}__{parent.client}" if parent.client else None,
    )


# ---------------------------------------------------------------------------------------------------
# Which shops


def visible_shops(user) -> QuerySet[Shop]:
    """The shops a user is a member of, directly or through an active client; a superuser sees all (a
    queryset, usable as a subquery: two subqueries, no join, so no shop twice)."""
    if not user.is_authenticated:
        return Shop.objects.none()
    if user.is_superuser:
        return Shop.objects.all()
    own = ShopMembership.objects.filter(user=user).values("shop_id")
    clients = ClientMembership.objects.filter(user=user, client__active=True).values("client_id")
    return Shop.objects.filter(Q(pk__in=own) | Q(client_id__in=clients))


def changeable_shops(user) -> QuerySet[Shop]:
    """``visible_shops`` for changing: none for a read-only user (``choices.READ_ONLY_ROLES``), decided
    inside the query (a subquery on the user's groups), so it costs no query of its own either."""
    from django.contrib.auth.models import Group

    if not user.is_authenticated or user.is_superuser:
        return visible_shops(user)
    groups = Group.objects.filter(user=user)
    writer = ~Exists(groups) | Exists(groups.exclude(name__in=READ_ONLY_ROLES))
    return visible_shops(user).filter(writer)


def members_of(shop_ids) -> QuerySet:
    """The ids of the users who reach any of ``shop_ids`` (a set, or a subquery of shop ids): members of
    those shops and members of their active clients. A values("pk") queryset of users, for ``__in``
    (what other apps should use instead of reading ``ShopMembership`` alone)."""
    direct = ShopMembership.objects.filter(shop_id__in=shop_ids).order_by().values("user_id")
    clients = Shop.objects.filter(pk__in=shop_ids, client__active=True).order_by().values("client_id")
    through = ClientMembership.objects.filter(client_id__in=clients).order_by().values("user_id")
    return User.objects.filter(Q(pk__in=direct) | Q(pk__in=through)).order_by().values("pk")


def shop_ids_for(user, action: str = VIEW, *, token=None) -> set[int]:
    """The ids of the shops whose rows ``user`` may see (``action="view"``) or change (``"change"``),
    narrowed to the token's when the request carries one. Changing is allowed in the same shops as
    seeing; what one may change *there* is the role's business (permissions, the workflow table)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_reviewdesk_shop_ids", None)
    if cached is None:
        load_access(user)
        cached = user._reviewdesk_shop_ids
    if action == CHANGE and is_read_only(user):
        return set()
    if token is not None:
        return set(cached) & token_shop_ids(token, action)
    return set(cached)


def client_shop_ids(user, client, action: str = VIEW, *, token=None) -> set[int]:
    """The shops of ``client`` within the user's (and token's) reach: all of them for a member of the
    client, the one shop for a member of one of its shops, none for anyone else (a filter by client)."""
    ids = shop_ids_for(user, action, token=token)
    if not ids or client is None:
        return set()
    return set(Shop.objects.filter(client=client, pk__in=ids).values_list("pk", flat=True))


def client_ids_for(user, action: str = VIEW, *, token=None):
    """The clients whose *layer* (``Scope.client``) ``user`` may see or change, as a subquery of client
    ids (no query of its own). Seeing: the clients of the shops ``user`` (and ``token``) may see.
    Changing: the active clients ``user`` is a member of (``ClientMembership``), none for a read-only
    user; a token narrows them to the clients of its shops. A superuser without a token: every client."""
    from django.contrib.auth.models import Group

    from reviewdesk.models import Client

    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    if user is None or not user.is_authenticated:
        return Client.objects.none().values("pk")
    if user.is_superuser and token is None:
        return Client.objects.order_by().values("pk")
    if action == VIEW:
        shops = Shop.objects.filter(pk__in=_shop_ids_value(user, VIEW, token), client__isnull=False)
        return shops.order_by().values("client_id")
    groups = Group.objects.filter(user=user)
    writer = ~Exists(groups) | Exists(groups.exclude(name__in=READ_ONLY_ROLES))
    members = ClientMembership.objects.filter(writer, user=user, client__active=True)
    if token is not None:
        members = members.filter(client__shops__in=token_shop_ids(token, CHANGE))
    return members.order_by().values("client_id")


def token_shop_ids(token, action: str = VIEW) -> set[int]:
    """The shops a token names for ``action`` (its own answer when it has one, else its active shops)."""
    if hasattr(token, "shop_ids"):
        return set(token.shop_ids(action))
    return set(token.shops.filter(active=True).values_list("pk", flat=True))


def sees_every_shop(user, *, token=None) -> bool:
    """A superuser (without a token), or a member of every shop."""
    if user.is_superuser and token is None:
        return True
    return set(Shop.objects.values_list("pk", flat=True)) <= shop_ids_for(user, token=token)


def visible_shop_ids(user) -> set[int]:
    """The shops a user may see (``shop_ids_for(user)``), kept for the callers that predate it."""
    return shop_ids_for(user)


def load_access(user) -> None:
    """Read the user's shop ids and role names in ONE query (a UNION) and cache both on the user
    (``_reviewdesk_shop_ids``, ``_reviewdesk_roles``). Nearly every request needs both: the shop
    scope of its reads and the roles of its navigation or of case access (roles.works_cases)."""
    from django.contrib.auth.models import Group

    shop_ids, roles = set(), set()
    if user.is_authenticated:
        shops = visible_shops(user).order_by().values_list("pk", Value("", output_field=CharField()))
        groups = Group.objects.filter(user=user).order_by()
        groups = groups.values_list(Value(None, output_field=IntegerField()), "name")
        for pk, name in shops.union(groups, all=True):
            if pk is None:
                roles.add(name)
            else:
                shop_ids.add(pk)
    for name, value in (("_reviewdesk_shop_ids", shop_ids), ("_reviewdesk_roles", roles)):
        if getattr(user, name, None) is None:
            setattr(user, name, value)


def can_see_shop(user, shop_id: int | None, *, token=None) -> bool:
    return shop_id is not None and shop_id in shop_ids_for(user, token=token)


def can_change_global(user, model: type[Model]) -> bool:
    """May ``user`` change a global row (shop NULL) of ``model``? A superuser may; otherwise the first
    plugged-in check that answers decides, else the scope's ``global_perm``; without either, nobody."""
    if user.is_superuser:
        return True
    for check in _global_change_checks:
        answer = check(user, model)
        if answer is not None:
            return bool(answer)
    scope = scope_for(model)
    return bool(scope and scope.global_perm and user.has_perm(scope.global_perm))


# ---------------------------------------------------------------------------------------------------
# Which rows


def restrict(queryset: QuerySet, user, action: str = VIEW, *, token=None) -> QuerySet:
    """``queryset`` narrowed to the rows ``user`` (and ``token``) may see or change. A model that is
    not about a shop is returned as is; an anonymous user gets nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    scope = scope_for(queryset.model)
    if scope is None:
        return queryset
    if user is None or not user.is_authenticated:
        return queryset.none()
    if scope.reader is not None and not scope.reader(user):
        return queryset.none()
    if user.is_superuser and token is None:
        return queryset
    return queryset.filter(_rows_q(scope, queryset.model, user, action, token))


def user_roles(user) -> set[str]:
    """The names of the user's roles (groups), read with the shops in ``load_access``'s one query."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_reviewdesk_roles", None)
    if cached is None:
        load_access(user)
        cached = user._reviewdesk_roles
    return cached


def is_read_only(user) -> bool:
    """Are all of this user's roles read-only (the client viewer)? Such a user changes nothing. A user with
    no role at all is not read-only by this rule (they hold no permission to change anything anyway)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    roles = user_roles(user)
    return bool(roles) and roles <= READ_ONLY_ROLES


def _shop_ids_value(user, action: str, token):
    """The shop ids as a set when known (or with a token), else a subquery: no query of its own."""
    if token is not None or getattr(user, "_reviewdesk_shop_ids", None) is not None:
        return shop_ids_for(user, action, token=token)
    shops = changeable_shops(user) if action == CHANGE else visible_shops(user)
    return shops.order_by().values("pk")


def _rows_q(scope: Scope, model, user, action: str, token) -> Q:
    if scope.rows is not None:
        if scope.rows_subquery:
            return scope.rows(_shop_ids_value(user, action, token))
        return scope.rows(shop_ids_for(user, action, token=token))
    if scope.shop is None and scope.user is None and scope.username is None:
        # Every row is about every shop (a setting, a cap): seen by all, changed per null's rule.
        if scope.null == GLOBAL and (action == VIEW or can_change_global(user, model)):
            return Q()
        if scope.null == ALL_SHOPS and sees_every_shop(user, token=token):
            return Q()
        return Q(pk__in=[])
    ids = _shop_ids_value(user, action, token)
    if scope.username is not None:
        people = restrict(User.objects.all(), user, action, token=token).order_by().values("username")
        return Q(**{f"{scope.username}__in": people})
    if scope.user is not None:
        inside = Q(**{f"{scope.user}__in": members_of(ids)})
        if scope.include_self:
            inside |= Q(**{scope.user: user.pk})
        path = scope.user
    elif scope.every:
        outside = Shop.objects.exclude(pk__in=ids).order_by().values("pk")
        inside = ~Q(**{f"{scope.shop}__in": outside})
        path = None
    else:
        path = "pk" if scope.shop == "pk" else f"{scope.shop}_id" if "__" not in scope.shop else scope.shop
        inside = Q(**{f"{path}__in": ids})
    if path is None or scope.null == HIDDEN:
        return inside
    null = Q(**{f"{path}__isnull": True})
    if scope.client is not None:  # a client's layer: neither global nor a shop's row
        null &= Q(**{f"{scope.client}__isnull": True})
        inside |= Q(**{f"{scope.client}__in": client_ids_for(user, action, token=token)})
    if scope.null == GLOBAL and (action == VIEW or can_change_global(user, model)):
        return inside | null
    if scope.null == ALL_SHOPS and sees_every_shop(user, token=token):
        return inside | null
    return inside


def can_access(obj: Model, user, action: str = VIEW, *, token=None) -> bool:
    """Is this one object within ``restrict(..., action)``? (One query, or none for a superuser.)"""
    if scope_for(type(obj)) is None:
        return True
    if user.is_superuser and token is None:
        return True
    manager = type(obj)._base_manager
    return restrict(manager.filter(pk=obj.pk), user, action, token=token).exists()
