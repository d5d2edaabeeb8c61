"""Which shop a ledger entry belongs to, for per-shop period locks and per-shop payout exports.

An entry caused by a case belongs to the case's shop. An entry without a case (a redemption, a KPI or
QA award, a quarter prize) belongs to the agent's *home shop*: the lowest-numbered shop of their
memberships. So every entry belongs to exactly one shop (or to none, for an agent of no shop, which
only who sees every shop locks and exports): an agent shared between shops A and B is paid A's cases
by A's payout and B's by B's, and their agent-level entries once, never by both.

The home shop follows the current memberships: moving an agent's first membership moves where their
future agent-level entries (and, for an open period, the unlocked ones) are paid. A locked period's
payout is its snapshot, taken at the lock.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q


def home_shop_ids(user_ids: Iterable[int]) -> dict[int, int]:
    """user id → home shop id, for the users that have a membership."""
    from reviewdesk.models import ShopMembership

    homes: dict[int, int] = {}
    for user_id, shop_id in ShopMembership.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "shop_id"
    ):
        homes[user_id] = min(shop_id, homes.get(user_id, shop_id))
    return homes


def users_homed_in(shop_ids: Iterable[int]) -> set[int]:
    """The users whose home shop is one of ``shop_ids`` (their agent-level entries belong there)."""
    from reviewdesk.models import ShopMembership

    wanted = set(shop_ids)
    members = ShopMembership.objects.filter(shop_id__in=wanted).values_list("user_id", flat=True).distinct()
    return {user_id for user_id, home in home_shop_ids(members).items() if home in wanted}


def members_of(shop_ids: Iterable[int]) -> set[int]:
    """Everyone with a membership in one of ``shop_ids`` (whose entries there may appear in a payout)."""
    from reviewdesk.models import ShopMembership

    return set(ShopMembership.objects.filter(shop_id__in=list(shop_ids)).values_list("user_id", flat=True))


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
