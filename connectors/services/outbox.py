"""Public replies delivered to the platform: the outbox and its worker.

Queueing: when an agent posts a public reply on a case of a shop with an enabled connector
(``cases.signals.case_event`` "public_replied", received in ``connectors.receivers``), ``outbox_queue``
writes one ``OutboxReply`` per ``cases.Reply`` (unique: a second call is a no-op). The worker also
collects any public reply of a connected shop written since the connector was created and not queued
(``outbox_collect``): a receiver that failed loses nothing.

Delivery (``outbox_flush``), exactly once in effect:

- an item is claimed with ``SKIP LOCKED`` and marked SENDING (committed) *before* the platform is called;
- an ambiguous outcome (a timeout, a broken connection, a 5xx or isp.* error — the platform may have
  applied the call) marks it AMBIGUOUS; a worker killed during the call leaves it SENDING. Either way the
  next attempt first **reads the review back**: a reply shown under it means the first call was applied
  (DELIVERED, nothing sent again); none means it was not, and the reply is sent;
- limits are checked before sending (the compliance check already ran when the agent posted): the
  platform's length (TOP: 500 characters), its window (30 days after the review), no explanation after
  the buyer's appended review; a refusal (isv.*) fails the item with the platform's message and tells
  the case's assignee (or, with none, the shop's supervisors); a rate limit or a lost authorisation keeps
  it pending for later.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Notification, Reply
from cases.notifications.choices import NotificationKind
from connectors.choices import ConnectorState, OutboxState
from connectors.models import Connector, OutboxReply
from connectors.platforms import client_for
from connectors.platforms.base import AMBIGUOUS, AUTH, CLOCK, RATE_LIMIT, SIGNATURE, PlatformError
from connectors.services import health
from policies.choices import Channel
from reviewdesk.choices import Role
from reviewdesk.models import User

MAX_ATTEMPTS = 8
UNCERTAIN = (OutboxState.SENDING, OutboxState.AMBIGUOUS)


def outbox_queue(*, reply_id: int, now: dt.datetime | None = None) -> OutboxReply | None:
    """Queue a public reply for delivery when its case's shop has an enabled connector."""
    reply = Reply.objects.select_related("case__review").filter(pk=reply_id).first()
    if reply is None or reply.channel != Channel.PUBLIC_REPLY:
        return None
    connector = Connector.objects.filter(shop_id=reply.case.shop_id, enabled=True).first()
    if connector is None:
        return None
    review = reply.case.review
    item, _created = OutboxReply.objects.get_or_create(
        reply=reply,
        defaults={
            "connector": connector,
            "shop_id": reply.case.shop_id,
            "case_id": reply.case_id,
            "target": review.sub_order_no or review.external_id,
            "order_no": review.order_no,
            "text": reply.text,
            "created_at": now or timezone.now(),
        },
    )
    return item


def outbox_collect(connector: Connector, *, now: dt.datetime | None = None) -> int:
    """Queue the connected shop's public replies that were never queued (see the module's docstring)."""
    missing = (
        Reply.objects.filter(
            case__shop_id=connector.shop_id,
            channel=Channel.PUBLIC_REPLY,
            at__gte=connector.created_at,
            outbox__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in missing if outbox_queue(reply_id=pk, now=now) is not None)


def _claim(item_id: int, now: dt.datetime) -> OutboxReply | None:
    with transaction.atomic():
        item = (
            OutboxReply.objects.select_for_update(skip_locked=True)
            .select_related("case__review", "case__shop")
            .filter(pk=item_id)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .exclude(state__in=(OutboxState.DELIVERED, OutboxState.FAILED))
            .first()
        )
        if item is None:
            return None
        item.was = item.state
        OutboxReply.objects.filter(pk=item.pk).update(state=OutboxState.SENDING, attempts=item.attempts + 1)
        item.attempts += 1
    return item


def _finish(item: OutboxReply, state: str, *, message: str = "", now: dt.datetime, retry_at=None) -> str:
    OutboxReply.objects.filter(pk=item.pk).update(
        state=state,
        platform_message=message[:500],
        next_attempt_at=retry_at,
        delivered_at=now if state == OutboxState.DELIVERED else None,
    )
    if state == OutboxState.FAILED:
        _alert_failed(item, message)
    return state


def _alert_failed(item: OutboxReply, message: str) -> None:
    case = item.case
    if case.assignee_id:
        user_ids = {case.assignee_id}
    else:
        user_ids = set(
            User.objects.filter(
                is_active=True, memberships__shop_id=case.shop_id, groups__name=Role.SUPERVISOR
            ).values_list("pk", flat=True)
        )
    title = _("【平台回复失败】%(shop)s · 案件 #%(number)s") % {"shop": case.shop.name, "number": case.pk}
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                shop_id=case.shop_id,
                case_id=case.pk,
                kind=NotificationKind.CONNECTOR,
                title=title[:200],
                body=message,
                url=reverse("cases:case_detail", kwargs={"pk": case.pk}),
                dedupe_key=f"outbox:{item.pk}:failed",
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )


def _refusal(item: OutboxReply, api: dict, now: dt.datetime) -> str | None:
    """Why the platform would refuse this reply now (checked before any call), or None."""
    review = item.case.review
    limit = int(api.get("reply_max_chars") or 500)
    if len(item.text) > limit:
        return _("回复有%(n)d个字，超过平台上限%(max)d个字。") % {"n": len(item.text), "max": limit}
    days = int(api.get("reply_window_days") or 30)
    if review.reviewed_at + dt.timedelta(days=days) < now:
        return _("评价已超过%(days)d天，平台不再接受解释。") % {"days": days}
    closed_after_append = api.get("reply_closed_after_append", True)  # TOP: no explanation after a 追评
    if closed_after_append and (review.appended_content or review.appended_at):
        return _("买家已追评，平台不再接受对该评价的解释。")
    return None


def deliver(item: OutboxReply, client, *, now: dt.datetime) -> str:
    """One delivery attempt of a claimed item; returns its new state."""
    try:
        if item.was in UNCERTAIN:
            raw = client.read_review(item.order_no, item.target)
            shown = client.reply_of(raw) if raw is not None else ""
            if shown:
                return _finish(
                    item, OutboxState.DELIVERED, message=_("回读确认：平台已显示该回复。"), now=now
                )
        refusal = _refusal(item, client.api, now)
        if refusal:
            return _finish(item, OutboxState.FAILED, message=refusal, now=now)
        client.post_reply(item.order_no, item.target, item.text)
        return _finish(item, OutboxState.DELIVERED, now=now)
    except PlatformError as exc:
        if exc.kind in (RATE_LIMIT, AUTH, SIGNATURE, CLOCK):
            # nothing was applied: wait (the connector's health says why), without spending an attempt
            OutboxReply.objects.filter(pk=item.pk).update(attempts=item.attempts - 1)
            item.stop = exc
            retry = now + health.backoff_delay(1, exc.retry_after)
            state = OutboxState.AMBIGUOUS if item.was in UNCERTAIN else OutboxState.PENDING
            return _finish(item, state, message=str(exc), now=now, retry_at=retry)
        if item.attempts >= MAX_ATTEMPTS:
            return _finish(item, OutboxState.FAILED, message=str(exc), now=now)
        if exc.kind == AMBIGUOUS:
            retry = now + health.backoff_delay(item.attempts)
            return _finish(item, OutboxState.AMBIGUOUS, message=str(exc), now=now, retry_at=retry)
        return _finish(item, OutboxState.FAILED, message=str(exc), now=now)


def outbox_flush(*, shop_id: int | None = None, now: dt.datetime | None = None, clock=None) -> dict[str, int]:
    """Deliver the due replies of every enabled connector (or one shop's); counts by resulting state."""
    now = now or timezone.now()
    counts = {str(s): 0 for s in OutboxState}
    connectors = Connector.objects.select_related("shop").filter(enabled=True)
    if shop_id is not None:
        connectors = connectors.filter(shop_id=shop_id)
    for connector in connectors:
        outbox_collect(connector, now=now)
        if connector.state == ConnectorState.REAUTH:
            continue  # nothing can be sent until a manager re-authorises; the items wait
        if connector.backoff_until and connector.backoff_until > now:
            continue
        client = None
        due = (
            OutboxReply.objects.filter(connector=connector)
            .exclude(state__in=(OutboxState.DELIVERED, OutboxState.FAILED))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        for item_id in list(due):
            item = _claim(item_id, now)
            if item is None:
                continue
            client = client or client_for(connector, clock=clock)
            state = deliver(item, client, now=now)
            counts[state] += 1
            stop = getattr(item, "stop", None)
            if stop is not None:  # the connector cannot send now: its health says why, the rest waits
                health.record_failure(connector, stop, calls=client.log.calls, now=now)
                client = None
                break
        if client is not None and client.log.calls:
            Connector.objects.filter(pk=connector.pk).update(calls_total=F("calls_total") + client.log.calls)
    return counts


def outbox_counts(connector_id: int) -> dict[str, int]:
    """pending / delivered / failed, for status and the health view (SENDING and AMBIGUOUS are pending)."""
    rows = OutboxReply.objects.filter(connector_id=connector_id).values_list("state", flat=True)
    counts = {"pending": 0, "delivered": 0, "failed": 0}
    for state in rows:
        key = state if state in ("delivered", "failed") else "pending"
        counts[key] += 1
    return counts
