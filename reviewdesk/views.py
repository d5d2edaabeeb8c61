from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reviewdesk.access import restrict
from reviewdesk.models import Shop
from reviewdesk.roles import user_roles


@login_required
def home(request):
    """The agent home page; later apps add their panels through the home_panels registry."""
    from reviewdesk.hooks import home_panels

    panels = [panel for panel in (build(request) for build in home_panels.all()) if panel]
    context = {
        "shops": restrict(Shop.objects.all(), request.user).order_by("code"),
        "roles": sorted(user_roles(request.user)),
        "panels": panels,
    }
    return render(request, "reviewdesk/home.html", context)
