"""Which shops a user may see. Every list, export and API of every app filters through here."""

from django.db.models import QuerySet

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
        cached = set(visible_shops(user).values_list("pk", flat=True))
        user._reviewdesk_shop_ids = cached
    return cached


def can_see_shop(user, shop_id: int | None) -> bool:
    return shop_id is not None and shop_id in visible_shop_ids(user)
