"""Taobao's message service (TMC): a rating that changed reaches a case in seconds, not at the next pull.

TMC delivers the messages of the topics an app subscribed to (here ``taobao_trade_TradeRated``: a rating
was given or changed) to a consumer group of the app. It offers two ways to receive them: a long-lived
WebSocket client of its own binary protocol (the SDKs' ``TmcClient``), and the HTTP calls
``taobao.tmc.messages.consume`` / ``taobao.tmc.messages.confirm`` on the ordinary TOP gateway, signed
with the app's key and secret like every call. This module uses the HTTP side: it needs nothing but the
gateway, is authenticated by our own signed request (a message can only come from the platform; there is
no inbound endpoint to forge), and a message not confirmed is delivered again, so a consumer that dies
mid-message loses nothing.

``tmc_consume`` runs one round for every app with a connector that names a ``tmc_group``:

1. consume up to ``api["tmc_quantity"]`` messages of the group;
2. each message of a subscribed topic names the seller (``user_nick``, or ``seller_nick`` in its content)
   and the order (``tid``, ``oid``): the seller's enabled connector (its ``seller_nick``) reads that one
   review back (``read_review``) and stores it through the pull's intake (``store_reviews``) —
   idempotent, so a message delivered twice changes nothing the second time;
3. the messages handled (and those of no connected seller, or of another topic) are confirmed; a
   message whose read failed is not, and TMC delivers it again; the failure goes to the connector's
   health like a pull's. While a connector needs re-authorisation or backs off, its messages are left
   unconfirmed without a call.

Polling stays the backfill: the one-minute pull still reads every window, so a message TMC never
delivered costs a minute, not a review. ``connectors_tick`` runs a round every minute; the
``connector_tmc`` command runs rounds every few seconds for a latency of seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from connectors.choices import ConnectorState
from connectors.models import Connector
from connectors.platforms import client_for
from connectors.platforms.base import PlatformError
from connectors.services import health
from connectors.services.pull import store_reviews


def _content(message: dict) -> dict:
    content = message.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return {}
    return content if isinstance(content, dict) else {}


def _groups() -> dict[tuple, list[Connector]]:
    groups: dict[tuple, list[Connector]] = defaultdict(list)
    connectors = (
        Connector.objects.select_related("shop").filter(enabled=True, shop__active=True).exclude(tmc_group="")
    )
    for connector in connectors:
        if hasattr(client_for(connector), "tmc_consume"):
            groups[(connector.gateway_url, connector.app_key, connector.tmc_group)].append(connector)
    return groups


def tmc_consume(*, now: dt.datetime | None = None, clock=None) -> dict[str, int]:
    """One round over every app's TMC group (see the module's docstring); counts of what happened."""
    counts = {
        "messages": 0,
        "stored": 0,
        "cases_opened": 0,
        "ignored": 0,
        "deferred": 0,
        "failed": 0,
        "errors": 0,
    }
    for (_gateway, _app_key, group), connectors in _groups().items():
        app = client_for(connectors[0], clock=clock)
        by_seller = {c.seller_nick: c for c in connectors if c.seller_nick}
        try:
            messages = app.tmc_consume(group)
        except PlatformError as exc:
            counts["errors"] += 1
            health.record_failure(connectors[0], exc, calls=app.log.calls, now=now or timezone.now())
            continue
        done: list[str] = []
        for message in messages:
            counts["messages"] += 1
            content = _content(message)
            seller = str(message.get("user_nick") or content.get("seller_nick") or "")
            connector = by_seller.get(seller)
            handled = True
            if message.get("topic") not in app.api.get("tmc_topics", []) or connector is None:
                counts["ignored"] += 1
            elif not _can_call(connector, now or timezone.now()):
                counts["deferred"] += 1  # left unconfirmed: delivered again once the connector works
                handled = False
            else:
                handled = _handle(connector, content, counts, now=now, clock=clock)
            if handled and message.get("id") is not None:
                done.append(str(message["id"]))
        try:
            app.tmc_confirm(group, done)
        except PlatformError:
            counts["errors"] += 1  # not confirmed: delivered again, and handled again without effect
    return counts


def _can_call(connector: Connector, now: dt.datetime) -> bool:
    """Not while the seller must authorise again or the platform asked us to back off."""
    if connector.state == ConnectorState.REAUTH:
        return False
    return not (connector.backoff_until and connector.backoff_until > now)


def _handle(connector: Connector, content: dict, counts: dict, *, now, clock) -> bool:
    order_no, target = str(content.get("tid") or ""), str(content.get("oid") or "")
    if not order_no:
        counts["ignored"] += 1
        return True
    client = client_for(connector, clock=clock)
    try:
        raw = client.read_review(order_no, target)
    except PlatformError as exc:
        counts["failed"] += 1
        health.record_failure(connector, exc, calls=client.log.calls, now=now or timezone.now())
        return False
    if raw is not None:
        result = store_reviews(connector, client, [raw], now=now)
        counts["stored"] += result.created + result.updated + result.unchanged
        counts["cases_opened"] += result.cases_opened
    Connector.objects.filter(pk=connector.pk).update(calls_total=F("calls_total") + client.log.calls)
    return True
