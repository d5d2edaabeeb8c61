"""Which cases a user (or an API token) may reach: the one access path (``reviewdesk.access.restrict``)
applied to cases, for the web pages, the API and the workflow services alike.

``visible_cases(user, action, token=None)`` is the queryset every case read starts from;
``case_for(user, pk, action, token=None)`` finds one case (None when out of reach or not an id);
``case_or_404`` is the web and API answer for "not yours": 404, exactly as for an id that does not exist,
so ids cannot be probed. A user whose roles work no cases (HR) reaches none (``roles.works_cases``,
declared with the Case's scope in ``cases.admin``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.models import Case
from reviewdesk.access import VIEW, restrict

# What the case page, the actions and the API detail join: one query for the case and all of them.
CASE_RELATED = ("review", "shop", "issue_type", "assignee", "decision_record")


def visible_cases(user, action: str = VIEW, *, token=None) -> QuerySet[Case]:
    """Every case of the user's shops (within the token's); none for a role that works no cases."""
    return restrict(Case.objects.all(), user, action, token=token)


def case_for(
    user, pk, action: str = VIEW, *, token=None, queryset: QuerySet[Case] | None = None
) -> Case | None:
    """The case ``pk`` if ``user`` (and ``token``) may reach it for ``action``, else None. One query:
    the shop rule is a subquery when the user's shops are not loaded yet. ``queryset`` chooses the joins
    (the case page's by default)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # beyond the database's integers: no such case (not an overflow error)
        return None
    base = Case.objects.select_related(*CASE_RELATED) if queryset is None else queryset
    return restrict(base, user, action, token=token).filter(pk=pk).first()


def case_or_404(user, pk, action: str = VIEW, *, token=None, queryset: QuerySet[Case] | None = None) -> Case:
    """``case_for``, or Http404 ("not found", never "forbidden": that would confirm the case exists)."""
    case = case_for(user, pk, action, token=token, queryset=queryset)
    if case is None:
        raise Http404(_("没有找到这个案件。"))
    return case
