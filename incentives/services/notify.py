"""Telling managers why a conversion earned nothing, through the cases app's in-app notifications.

The same approach as training's lapse notices: ``cases.notifications.messages`` knows only case kinds, so the
bell row is written here (same model, per-user dedupe key: a repeated event tells no one twice). It
is written after commit, so a rolled-back award never notifies.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

WITHHELD_KIND = "award_withheld"


def managers_of(withheld) -> list:
    """The active managers who reach the shop a withheld award belongs to (``services.scope``: its
    case's shop, else the agent's home shop), through the shop or its client
    (``reviewdesk.access.members_of``): the managers who find it on their queue, and no one of another
    client the agent also serves."""
    from incentives.services.scope import entry_shop_id
    from reviewdesk.access import members_of
    from reviewdesk.choices import Role
    from reviewdesk.models import User

    if withheld.agent_id is None:
        return []
    shop_id = entry_shop_id(user=withheld.agent, case_ref=withheld.case_ref)
    if shop_id is None:
        return []
    return list(
        User.objects.filter(
            groups__name=Role.MANAGER, is_active=True, pk__in=members_of({shop_id})
        ).distinct()
    )


def withheld_reason(reason: str | None) -> str:
    """A ``WithheldAward.reason`` in the active language: a stored node rendered, a plain catalog entry
    translated, anything else (an old row with its values) as written."""
    from reviewdesk.i18n_text import from_text, is_node, render

    node = from_text(reason)
    return render(node) if is_node(node) else (_(reason) if reason else "")


def notify_withheld(withheld) -> None:
    def send():
        from cases.models import Notification
        from cases.notifications.messages import absolute_url
        from reviewdesk.language import language_of

        rows = []
        for user in managers_of(withheld):
            # In the manager's language. A reason with values is stored language-neutral
            # (reviewdesk.i18n_text); one without values is a catalog entry, read in that language too.
            with translation.override(language_of(user)):
                title = _("【奖励未发放】%(agent)s：案件 #%(case)s") % {
                    "agent": withheld.agent,
                    "case": withheld.case_ref or "-",
                }
                body = withheld_reason(withheld.reason)
            rows.append(
                Notification(
                    user=user,
                    kind=WITHHELD_KIND,
                    title=title[:200],
                    body=body,
                    url=absolute_url(reverse("incentives:manage") + "#withheld"),
                    dedupe_key=f"incentives-withheld:{withheld.pk}",
                )
            )
        Notification.objects.bulk_create(rows, ignore_conflicts=True)

    transaction.on_commit(send)
