"""A connector's health: what each pull or delivery attempt tells about it, and who hears about it.

States (``ConnectorState``): OK after any answered call; BACKING_OFF after the platform's "too many calls"
(no call before ``backoff_until``: the platform's own ban length when it says one, else doubling from a
minute up to 30); REAUTH when the authorisation is missing, expired or revoked; FAILING after
``FAILING_AFTER`` failures in a row, or at once for a configuration error (signature, clock).

The shop's managers hear about REAUTH and FAILING once per episode (``alerted_state`` remembers what
they were told; the bell's dedupe key makes a repeat a no-op): a stalled connector does not ring every
minute. The first success afterwards puts the connector back to OK by itself and re-arms the alert.

Every write is a queryset ``update`` of the health columns only, so a manager saving new credentials in
the admin at the same moment loses nothing. Messages stored here are the platform's code and message
or our own words; never a request parameter.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Notification
from cases.notifications.choices import NotificationKind
from connectors.choices import ConnectorState as S
from connectors.models import Connector
from connectors.platforms.base import AUTH, CLOCK, RATE_LIMIT, SIGNATURE, PlatformError
from reviewdesk.choices import Role
from reviewdesk.models import User

FAILING_AFTER = 3
RECENT_ERRORS = 10
MAX_BACKOFF = dt.timedelta(minutes=30)


def backoff_delay(failures: int, retry_after: int | None = None) -> dt.timedelta:
    if retry_after:
        return dt.timedelta(seconds=min(int(retry_after), MAX_BACKOFF.total_seconds()))
    return min(dt.timedelta(minutes=1) * (2 ** max(failures - 1, 0)), MAX_BACKOFF)


def record_success(connector: Connector, *, calls: int, now: dt.datetime) -> None:
    Connector.objects.filter(pk=connector.pk).update(
        state=S.OK,
        failures=0,
        backoff_until=None,
        last_success_at=now,
        last_attempt_at=now,
        last_error="",
        alerted_state="",
        calls_total=F("calls_total") + calls,
    )
    connector.state, connector.failures, connector.last_success_at = S.OK, 0, now


def record_failure(connector: Connector, error: PlatformError, *, calls: int, now: dt.datetime) -> str:
    """Record a failed attempt; returns the connector's new state."""
    connector.refresh_from_db(fields=["failures", "recent_errors", "alerted_state", "state"])
    failures = connector.failures + 1
    backoff_until = None
    if error.kind == RATE_LIMIT:
        state = S.BACKING_OFF
        backoff_until = now + backoff_delay(failures, error.retry_after)
    elif error.kind == AUTH:
        state = S.REAUTH
    elif error.kind in (SIGNATURE, CLOCK) or failures >= FAILING_AFTER:
        state = S.FAILING
    else:
        state = connector.state if connector.state == S.FAILING else S.OK
    message = str(error)[:500]
    recent = (
        [{"at": now.isoformat(), "kind": error.kind, "message": message}] + list(connector.recent_errors)
    )[:RECENT_ERRORS]
    alert = state in (S.REAUTH, S.FAILING) and connector.alerted_state != state
    Connector.objects.filter(pk=connector.pk).update(
        state=state,
        failures=failures,
        backoff_until=backoff_until,
        last_attempt_at=now,
        last_error=message,
        recent_errors=recent,
        calls_total=F("calls_total") + calls,
        **({"alerted_state": state} if alert else {}),
    )
    connector.state, connector.failures, connector.backoff_until = state, failures, backoff_until
    if alert:
        alert_managers(connector, state=state, message=message, now=now)
    return state


def expired_error(connector: Connector) -> PlatformError:
    at = timezone.localtime(connector.expires_at).strftime("%Y-%m-%d %H:%M")
    return PlatformError(AUTH, _("授权已于 %(at)s 到期，请重新授权。") % {"at": at})


def _state_title(state: str) -> str:
    if state == S.REAUTH:
        return _("【平台对接】%(shop)s 需要重新授权")
    return _("【平台对接】%(shop)s 连续失败")


def alert_managers(connector: Connector, *, state: str, message: str, now: dt.datetime) -> int:
    """One bell line per manager of the shop, once per episode of ``state``."""
    shop = connector.shop
    managers = User.objects.filter(
        is_active=True, memberships__shop_id=shop.pk, groups__name=Role.MANAGER
    ).values_list("pk", flat=True)
    since = int(now.timestamp())
    try:
        url = reverse("admin:connectors_connector_change", args=[connector.pk])
    except Exception:  # the admin is not routed in every deployment
        url = ""
    rows = [
        Notification(
            user_id=user_id,
            shop_id=shop.pk,
            kind=NotificationKind.CONNECTOR,
            title=(_state_title(state) % {"shop": shop.name})[:200],
            body=message,
            url=url,
            dedupe_key=f"connector:{connector.pk}:{state}:{since}"[:160],
        )
        for user_id in set(managers)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
