from reviewdesk.hooks import nav_links
from reviewdesk.roles import user_roles


def navigation(request):
    """Role flags and the apps' links (``nav_links`` registry) for the navigation bar; nothing else
    leaks into every template."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    links = []
    if user is not None and user.is_authenticated:
        for provider in nav_links.all():
            links.extend(provider(request) or [])
    return {"nav_roles": roles, "nav_links": links}
