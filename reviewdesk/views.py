from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reviewdesk.access import restrict
from reviewdesk.models import Shop
from reviewdesk.roles import user_roles

DEFAULT_ORDER = 50


@login_required
def home(request):
    """The home page of each role: the panels the apps register (``reviewdesk.hooks.home_panels``), each
    deciding from the user's roles whether it has work to show (an agent's own cases, a supervisor's
    team board, a manager's KPIs, HR's period), in their ``order``; the user's shops in the footer."""
    from reviewdesk.hooks import home_panels

    panels = [panel for panel in (build(request) for build in home_panels.all()) if panel]
    panels.sort(key=lambda panel: panel.get("order", DEFAULT_ORDER))
    context = {
        "shops": list(
            restrict(Shop.objects.all(), request.user).order_by("code").values_list("code", "name")
        ),
        "roles": sorted(user_roles(request.user)),
        "panels": panels,
    }
    return render(request, "reviewdesk/home.html", context)
