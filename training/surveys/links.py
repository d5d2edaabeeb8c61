"""The survey link of a case, absolute on ``SITE_URL`` (it leaves the site: an SMS, the platform's chat).

``invitation_url(case, *, channel)`` is the entry other apps call (outreach's SMS sender); the case page's
panel gives the same link for the agent to paste."""

from django.conf import settings
from django.urls import reverse

from training.surveys.tokens import invitation_token


def link_for(invitation) -> str:
    """The absolute link of an invitation."""
    path = reverse("surveys:answer", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


def invitation_url(case, *, channel: str, by=None) -> str:
    """Creates or reuses the open invitation of ``case`` for ``channel`` ("sms" or "chat") and returns
    its absolute URL. Refused (ValidationError) for a case not resolved or already answered."""
    from training.services.surveys import invitation_issue

    return link_for(invitation_issue(case=case, channel=channel, by=by))
