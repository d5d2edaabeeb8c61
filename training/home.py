"""Training's panel of the home page (``reviewdesk.hooks.home_panels``): shown only when it blocks the
user's work. Who answers buyers and lacks a certification that some cases require (``ModuleRequirement``)
is told so once, with the link to their scorecard: routing gives them none of those cases. Nothing to
anyone else, nor to a certified agent (their scores are on the scorecard, not a nag on the home)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from reviewdesk.choices import Role
from reviewdesk.roles import user_roles, works_cases
from training.certification import counting_scores, module_status, today
from training.models import ModuleRequirement

ANSWERING_ROLES = {str(Role.AGENT), str(Role.LEGAL)}


def missing_certifications(user) -> list:
    """The statuses (not passed) of the modules some active requirement asks of the user's roles in the
    user's shops (or every shop): two queries."""
    from reviewdesk.access import shop_ids_for

    roles = sorted(user_roles(user) & ANSWERING_ROLES)  # a legal-level requirement is not an agent's
    requirements = (
        ModuleRequirement.objects.filter(active=True, module__active=True)
        .filter(Q(handling_role="") | Q(handling_role__in=roles))
        .filter(Q(shop__isnull=True) | Q(shop_id__in=shop_ids_for(user)))
        .select_related("module")
    )
    modules = sorted(
        {r.module_id: r.module for r in requirements}.values(), key=lambda m: (m.sort_order, m.code)
    )
    if not modules:
        return []
    on = today()
    scores = counting_scores([user.pk], [m.pk for m in modules], on)
    statuses = [module_status(m, scores.get((user.pk, m.pk)), on) for m in modules]
    return [s for s in statuses if not s.passed]


def home_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not works_cases(user) or not (user_roles(user) & ANSWERING_ROLES):
        return None  # training gates who answers buyers: nothing for HR, a clerk, a client's staff
    below = missing_certifications(user)
    if not below:
        return None
    return {
        "title": _("培训与认证"),
        "template": "training/_home_panel.html",
        "order": 1,
        "wide": True,
        "tone": "bad",
        "context": {
            "modules": [s.module.name for s in below],
            "reasons": [str(s.reason) for s in below],
            "url": reverse("training:my_scorecard"),
        },
    }


def nav_link(request) -> list[tuple[str, str]]:
    """The training pages in the main navigation (``reviewdesk.hooks.nav_links``) for who takes training
    or reads the team's scores: the home shows training only when it blocks the agent's work."""
    user = request.user
    if not user.is_authenticated:
        return []
    if works_cases(user) and user_roles(user) & ANSWERING_ROLES:
        return [(_("我的培训成绩"), reverse("training:my_scorecard"))]
    if user.has_perm("training.view_score"):
        return [(_("团队认证"), reverse("training:team"))]
    return []
