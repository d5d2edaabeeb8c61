"""The schedule's entry (``connectors.migrations.0002_pull_schedule``: every minute).

``connectors_tick`` first reads the waiting TMC push messages (``connectors.services.tmc``: the ratings
that changed, each read back at once), then pulls every due connector (``connectors_due``: enabled, not backing off, not
leased) and then delivers the due replies. Several clusters may run it at once: each shop's pull is
leased (``SKIP LOCKED``), each reply claimed the same way, so none is pulled or sent twice.
"""

from __future__ import annotations

from django.utils import timezone

from connectors.services.outbox import outbox_flush
from connectors.services.pull import connector_pull, connectors_due
from connectors.services.tmc import tmc_consume


def connectors_tick() -> dict:
    now = timezone.now()
    pushed = tmc_consume(now=now)
    pulled = failed = skipped = 0
    for connector_id in connectors_due(now=now):
        result = connector_pull(connector_id=connector_id)
        if result.skipped:
            skipped += 1
        elif result.ok:
            pulled += 1
        else:
            failed += 1
    delivered = outbox_flush()
    return {"pulled": pulled, "failed": failed, "skipped": skipped, "replies": delivered, "tmc": pushed}
