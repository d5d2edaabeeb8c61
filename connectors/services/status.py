"""Connector health as rows (the ``connector_status`` command and the case page's neighbours read it).

Beside the issue's keys: ``calls`` and ``recent_errors`` (health), ``expires_at`` / ``refreshed_at`` (the
authorisation; whether a ``refresh_token`` is stored, never the token) and ``push`` (a TMC group is named)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from connectors.models import Connector
from connectors.services.outbox import outbox_counts


def connector_status(*, connector_ids=None, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    connectors = Connector.objects.select_related("shop").order_by("shop__code")
    if connector_ids is not None:
        connectors = connectors.filter(pk__in=connector_ids)
    rows = []
    for c in connectors:
        lag = int((now - c.last_success_at).total_seconds()) if c.last_success_at else None
        rows.append(
            {
                "shop": c.shop.code,
                "platform": c.platform,
                "state": c.state,
                "last_success_at": c.last_success_at.isoformat() if c.last_success_at else None,
                "lag_seconds": lag,
                "outbox": outbox_counts(c.pk),
                "calls": c.calls_total,
                "recent_errors": c.recent_errors[:5],
                "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                "refreshed_at": c.refreshed_at.isoformat() if c.refreshed_at else None,
                "refreshes": bool(c.refresh_token),
                "push": bool(c.tmc_group),
            }
        )
    return rows
