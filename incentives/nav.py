"""Main-navigation links of the incentives app (``reviewdesk.hooks.nav_links``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from reviewdesk.roles import works_cases


def nav_links(request) -> list[tuple[str, str]]:
    user = request.user
    # Who works cases earns (awards, QA, KPIs); a clerk, HR or a client's own staff has no statement.
    links = [(_("我的激励"), reverse("incentives:statement"))] if works_cases(user) else []
    if user.has_perm("incentives.view_period"):
        links.append((_("结算期间"), reverse("incentives:periods")))
    if user.has_perm("incentives.resolve_dispute") or user.has_perm("incentives.decide_redemption"):
        links.append((_("激励审批"), reverse("incentives:manage")))
    return links
