"""Telling supervisors about a lapsed certification through the cases app's in-app notifications.

``cases.alerts.notify`` renders only the notification kinds that ``cases.notifications.messages``
knows, and a certification lapse is not one of them yet; until it is, the bell row is written here
(same model, same per-user dedupe key, so a repeat is a no-op). Outgoing channels (webhooks,
email) are not used for lapses.
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

LAPSE_KIND = "certification_lapse"


def notify_lapse(*, lapse, recipients) -> int:
    from cases.models import Notification
    from reviewdesk.language import language_of

    url = reverse("training:agent_scorecard", kwargs={"agent_id": lapse.agent_id})
    rows = []
    for user in recipients:
        # In the supervisor's language; the lapse's reason was written when it lapsed (a reason without
        # values is a catalog entry and is read in the supervisor's language too).
        with translation.override(language_of(user)):
            title = _("【认证失效】%(agent)s：%(module)s") % {
                "agent": lapse.agent,
                "module": lapse.module.name,
            }
            reason = _(lapse.reason) if lapse.reason else ""
            body = _("%(reason)s 该员工不再被分配需要此认证的新案件。") % {"reason": reason}
        rows.append(
            Notification(
                user=user,
                kind=LAPSE_KIND,
                title=title[:200],
                body=body,
                url=url,
                dedupe_key=f"training-lapse:{lapse.pk}",
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def lapse_notifier():
    try:
        from cases.models import Notification  # noqa: F401
    except ImportError:
        return None
    return notify_lapse
