from django.utils.functional import SimpleLazyObject

from reviewdesk.hooks import nav_links
from reviewdesk.roles import user_roles


def navigation(request):
    """Role flags and the apps' links (``nav_links`` registry) for the navigation bar; nothing else
    leaks into every template.

    Both are lazy: context processors run for every template rendered with the request, and the
    fragments htmx fetches (the bell polled every minute, a queue's results) never show the
    navigation, so they must not pay for its queries (the user's groups and permissions)."""
    user = getattr(request, "user", None)
    return {
        "nav_roles": SimpleLazyObject(lambda: user_roles(user) if user is not None else set()),
        "nav_links": SimpleLazyObject(lambda: _links(request, user)),
    }


def _links(request, user) -> list[tuple[str, str]]:
    links = []
    if user is not None and user.is_authenticated:
        for provider in nav_links.all():
            links.extend(provider(request) or [])
    return links
