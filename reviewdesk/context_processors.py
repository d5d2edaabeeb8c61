from reviewdesk.roles import user_roles


def navigation(request):
    """Role flags for the navigation bar; nothing else leaks into every template."""
    roles = user_roles(request.user) if hasattr(request, "user") else set()
    return {"nav_roles": roles}
