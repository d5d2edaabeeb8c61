"""The case page's survey panel (``reviewdesk.hooks.case_panels``, the side column): after resolution,
the link for the agent to paste into 千牛/飞鸽, or the button that creates it (a POST), or the buyer's
answer once given. One query, and none for an open case or a user who works no cases."""

from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from reviewdesk.access import is_read_only
from reviewdesk.roles import works_cases
from training.services.surveys import SURVEYED_STATUSES
from training.surveys.choices import SurveyChannel, SurveySource
from training.surveys.links import link_for


class _Invitation:
    """What ``link_for`` needs of an invitation (its id and nonce), read with the case's row."""

    def __init__(self, pk, nonce):
        self.pk, self.nonce = pk, nonce


def survey_panel(request, case) -> dict | None:
    user = request.user
    if case.status not in SURVEYED_STATUSES or not works_cases(user) or is_read_only(user):
        return None
    chat = FilteredRelation("survey_invitations", condition=Q(survey_invitations__channel=SurveyChannel.CHAT))
    row = (
        Case.objects.filter(pk=case.pk)
        .annotate(chat=chat)
        .values(
            "satisfaction_survey__score",
            "satisfaction_survey__source",
            "chat__id",
            "chat__nonce",
            "chat__expires_at",
        )
        .first()
    )
    if row is None:
        return None
    context = {"case_id": case.pk, "score": row["satisfaction_survey__score"]}
    if context["score"] is not None:
        context["by_buyer"] = row["satisfaction_survey__source"] == SurveySource.BUYER_LINK
    elif row["chat__id"] is not None and row["chat__expires_at"] > timezone.now():
        context["link"] = link_for(_Invitation(row["chat__id"], row["chat__nonce"]))
        context["expires_at"] = row["chat__expires_at"]
    else:
        context["expired"] = row["chat__id"] is not None
    return {
        "title": _("满意度调查"),
        "template": "surveys/_case_panel.html",
        "context": context,
        "place": "side",
    }
