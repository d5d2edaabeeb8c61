"""Refreshing a connector's authorisation before it expires.

A platform that issues refresh tokens (TOP's ``taobao.top.auth.token.refresh``, Kuaishou's
``oauth2/refresh_token``; JD and Douyin have their own) lets the connector exchange the stored refresh
token for a new access token without the seller authorising again. ``refresh_if_due`` runs at the start
of every pull (the one-minute schedule, ``connector_pull``): when ``expires_at`` is within
``api["refresh_ahead_minutes"]`` (default ``REFRESH_AHEAD``) and a refresh token is stored, it calls the
client's ``refresh()`` and stores the new access token, the refresh token to keep and the new expiry on
the row (encrypted like every credential; nothing here logs or returns a token).

A refusal raises ``PlatformError(AUTH, …)``: the pull records it (``connectors.services.health``), the
connector turns "needs re-authorisation" and the shop's managers hear about it once. No usable answer
(a timeout) is left for the next pull while the old token still works. A platform or connector without
refresh is left alone: the expiry check of the pull then says "expired, authorise again".
"""

from __future__ import annotations

import datetime as dt

from connectors.models import Connector
from connectors.platforms import client_for
from connectors.platforms.base import PlatformError, refresh_of

REFRESH_AHEAD = dt.timedelta(hours=6)


def refresh_due(connector: Connector, *, now: dt.datetime) -> bool:
    if not connector.refresh_token or connector.expires_at is None:
        return False
    minutes = (connector.api or {}).get("refresh_ahead_minutes")
    ahead = dt.timedelta(minutes=int(minutes)) if minutes not in (None, "") else REFRESH_AHEAD
    return connector.expires_at - now <= ahead


def refresh_if_due(connector: Connector, *, now: dt.datetime, clock=None) -> int:
    """Refresh ``connector``'s token when due (see the module's docstring); returns the calls made.
    ``connector`` is updated in place, so a client built from it afterwards uses the new token."""
    if not refresh_due(connector, now=now):
        return 0
    client = client_for(connector, clock=clock)
    try:
        answer = refresh_of(client)
    except PlatformError as exc:
        exc.calls = client.log.calls
        raise
    if answer is None:
        return client.log.calls
    connector.session_key = answer["access_token"]
    if answer["refresh_token"]:
        connector.refresh_token = answer["refresh_token"]
    connector.expires_at = answer["expires_at"]
    connector.refreshed_at = now
    connector.save(update_fields=["session_key", "refresh_token", "expires_at", "refreshed_at", "updated_at"])
    return client.log.calls
