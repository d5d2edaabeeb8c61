"""Which shops a user may see. Every list, export and API of every app filters through here."""

from django.db.models import CharField, IntegerField, QuerySet, Value

from reviewdesk.models import Shop


def visible_shops(user) -> QuerySet[Shop]:
    """A user sees only the shops they are a member of; a superuser sees all."""
    if not user.is_authenticated:
        return Shop.objects.none()
    if user.is_superuser:
        return Shop.objects.all()
    return Shop.objects.filter(memberships__user=user)


def visible_shop_ids(user) -> set[int]:
    cached = getattr(user, "_reviewdesk_shop_ids", None)
    if cached is None:
        load_access(user)
        cached = user._reviewdesk_shop_ids
    return cached


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
        if getattr(user, name, None) is None:  # a cache already primed (the queue's filters) stays
            setattr(user, name, value)


def can_see_shop(user, shop_id: int | None) -> bool:
    return shop_id is not None and shop_id in visible_shop_ids(user)
