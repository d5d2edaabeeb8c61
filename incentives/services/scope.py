"""Which shop a ledger entry belongs to, for per-shop (and per-client) period locks and payout exports.

An entry caused by a case belongs to the case's shop. An entry without a case (a redemption, a KPI or
QA award, a quarter prize) belongs to the agent's *home shop*: the lowest-numbered shop the agent
reaches, through a shop membership or through a client (``reviewdesk.access.visible_shops``: a client's
member reaches every shop of an active client). So every entry belongs to exactly one shop (or to
none, for an agent of no shop, which only who sees every shop locks and exports): an agent shared
between shops A and B — or between clients 甲 and 乙 — is paid A's cases by A's payout and B's by B's,
and their agent-level entries once, never by both. A client's payout is the sum of its shops' payouts.

The home shop follows the current memberships: moving an agent's first membership moves where their
future agent-level entries (and, for an open period, the unlocked ones) are paid. A locked period's
payout is its snapshot, taken at the lock.

Every function here costs a constant number of queries, whatever the number of agents or shops.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet


def reachable_shops(user_ids) -> list[tuple[int, int, str]]:
    """(user id, shop id, shop code) for every shop each user reaches, as ``visible_shops`` says for one
    user (their shop memberships, and every shop of their active clients), read for many users in one
    query. ``user_ids``: ids, or a subquery of user ids (``reviewdesk.access.members_of``)."""
    from reviewdesk.models import Shop, ShopMembership

    ids = user_ids if isinstance(user_ids, QuerySet) else list(user_ids)
    direct = ShopMembership.objects.filter(user_id__in=ids).order_by()
    direct = direct.values_list("user_id", "shop_id", "shop__code")
    through = Shop.objects.filter(client__active=True, client__memberships__user_id__in=ids).order_by()
    through = through.values_list("client__memberships__user_id", "pk", "code")
    return list(direct.union(through))


def home_shop_ids(user_ids) -> dict[int, int]:
    """user id → home shop id, for the users that reach a shop (one query)."""
    homes: dict[int, int] = {}
    for user_id, shop_id, _code in reachable_shops(user_ids):
        homes[user_id] = min(shop_id, homes.get(user_id, shop_id))
    return homes


def users_homed_in(shop_ids: Iterable[int]) -> set[int]:
    """The users whose home shop is one of ``shop_ids`` (their agent-level entries belong there)."""
    from reviewdesk.access import members_of as reaching

    wanted = set(shop_ids)
    return {user_id for user_id, home in home_shop_ids(reaching(wanted)).items() if home in wanted}


def entry_shop_id(*, user, case_ref: int | None) -> int | None:
    """The shop an entry about to be posted belongs to (see the module docstring)."""
    from cases.models import Case

    if case_ref is not None:
        shop_id = Case.objects.filter(pk=case_ref).values_list("shop_id", flat=True).first()
        if shop_id is not None:
            return shop_id
    return home_shop_ids([user.pk]).get(user.pk)


def entries_in_shops_q(shop_ids: Iterable[int]) -> Q:
    """A filter on LedgerEntry: the entries that belong to one of ``shop_ids``."""
    from cases.models import Case

    wanted = list(shop_ids)
    has_case = Exists(Case.objects.filter(pk=OuterRef("case_ref")))
    in_case_shop = Exists(Case.objects.filter(pk=OuterRef("case_ref"), shop_id__in=wanted))
    return in_case_shop | (~has_case & Q(account__user_id__in=users_homed_in(wanted)))


def withheld_in_shops_q(shop_ids: Iterable[int]) -> Q:
    """A filter on WithheldAward: the withheld awards that belong to one of ``shop_ids``, by the same
    rule as entries (the case's shop, else the agent's home shop)."""
    from cases.models import Case

    wanted = list(shop_ids)
    has_case = Exists(Case.objects.filter(pk=OuterRef("case_ref")))
    in_case_shop = Exists(Case.objects.filter(pk=OuterRef("case_ref"), shop_id__in=wanted))
    return in_case_shop | (~has_case & Q(agent_id__in=users_homed_in(wanted)))
