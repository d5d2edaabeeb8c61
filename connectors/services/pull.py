"""Pulling a shop's reviews from its platform into the one intake.

``connector_pull(*, connector_id, now=None, clock=None) -> PullResult`` is what the schedule, the
``connector_pull`` command and the tests run:

1. **Lease.** The connector row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and a
   lease (token + ``lease_until``) is written and committed: another cluster's pull skips the row while
   the lease runs, and a worker killed mid-pull loses its lease when it expires (``LEASE``), so the next
   pull takes over. The lease is renewed after every window and released at the end. Under the lease,
   a token close to its expiry is refreshed first (``connectors.services.refresh``); a refused refresh
   stops the pull as "needs re-authorisation".
2. **Windows.** From the cursor minus the overlap (nothing that arrived late falls between pulls), or on
   the first pull from ``backfill_days`` ago, up to now; never before the platform's history limit.
   A window whose count reaches the platform's cap (TOP: 1,500 records reachable per query) is halved
   until each half is below it; pages are read up to the count (and ``max_page_no``).
3. **Intake.** Each window's reviews go through ``cases.imports.submit.reviews_submit`` — the intake of
   the API — with source ``IntakeSource.CONNECTOR``: idempotent on (shop, external id), revisions,
   triage, routing and alerts as for a file; a conversion seen by a pull is platform data
   (``cases.hooks.PLATFORM_DATA_SOURCES``). The cursor moves to the window's end after it is stored.
4. **Read-back.** Up to ``recheck_per_pull`` reviews with a case, least recently checked first and
   none checked in the last ``RECHECK_EVERY``, are read back one by one (``read_review``), or several
   orders a call where the client can (``read_reviews``): a rating changed or an appended review is
   seen within minutes whatever its creation time.

A platform error stops the pull: windows already stored stay stored (the cursor says so), health records
the error (``connectors.services.health``) and the result carries its message.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import IntakeSource, RowStatus
from cases.imports.submit import reviews_submit
from cases.models import Case, Review
from connectors.choices import ConnectorState
from connectors.models import Connector, ReviewCheck
from connectors.platforms import client_for
from connectors.platforms.base import AMBIGUOUS, PlatformError
from connectors.services import health, refresh

LEASE = dt.timedelta(minutes=5)
# a review read back is not read again sooner: the read-backs of a shop with many open cases stay a
# bounded share of the platform's call budget (``recheck_per_pull`` at most per pull)
RECHECK_EVERY = dt.timedelta(minutes=15)
MIN_SPLIT = dt.timedelta(seconds=2)  # a window this short is not halved again (the platform's unit is 1 s)


@dataclass
class PullResult:
    ok: bool = False
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    cases_opened: int = 0
    calls: int = 0
    error: str | None = None
    skipped: bool = False

    def as_dict(self) -> dict:
        """The ``connector_pull --json`` answer (the issue's keys)."""
        keys = ("ok", "fetched", "created", "updated", "unchanged", "cases_opened", "calls", "error")
        return {key: getattr(self, key) for key in keys}


def lease_acquire(connector_id: int, *, now: dt.datetime) -> str | None:
    """Claim the connector for one pull; None when another worker holds it (or it is disabled)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        row = (
            Connector.objects.select_for_update(skip_locked=True)
            .filter(free, pk=connector_id, enabled=True)
            .values_list("pk", flat=True)
            .first()
        )
        if row is None:
            return None
        claimed = Connector.objects.filter(free, pk=connector_id).update(
            lease_token=token, lease_until=now + LEASE
        )
    return token if claimed else None


def _lease_renew(connector_id: int, token: str) -> bool:
    return bool(
        Connector.objects.filter(pk=connector_id, lease_token=token).update(
            lease_until=timezone.now() + LEASE
        )
    )


def lease_release(connector_id: int, token: str) -> None:
    Connector.objects.filter(pk=connector_id, lease_token=token).update(lease_token="", lease_until=None)


class _LeaseLost(Exception):
    """Our lease on the shop ran out mid-pull (another cluster may take it over): stop here; the next pull
    resumes from the cursor stored with the last window."""


class _Puller:
    def __init__(self, connector: Connector, client, result: PullResult, token: str, now: dt.datetime):
        self.connector, self.client, self.result, self.token, self.now = connector, client, result, token, now
        self.shop = connector.shop
        self.pull_started = timezone.now()
        self.case_ids: set[int] = set()
        self.seen_review_ids: set[int] = set()

    # --- windows ----------------------------------------------------------------------------------
    def window_start(self) -> dt.datetime:
        c, api = self.connector, self.client.api
        oldest = self.now - dt.timedelta(days=int(api.get("history_days") or 180)) + dt.timedelta(minutes=1)
        if c.cursor_at is None:
            start = self.now - dt.timedelta(days=c.backfill_days)
        else:
            start = c.cursor_at - dt.timedelta(minutes=c.overlap_minutes)
        return max(start, oldest).replace(microsecond=0)

    def fetch_window(self, start: dt.datetime, end: dt.datetime) -> None:
        client = self.client
        page = client.list_reviews(start, end, 1)
        if page.total is not None and page.total >= client.window_cap and end - start >= MIN_SPLIT:
            middle = start + dt.timedelta(seconds=(end - start).total_seconds() // 2)
            self.fetch_window(start, middle)
            self.fetch_window(middle, end)
            return
        items = list(page.items)
        pages = math.ceil(page.total / client.page_size) if page.total is not None else None
        page_no = 1
        while (page_no < pages) if pages is not None else page.has_next:
            page_no += 1
            if page_no > client.max_page_no:
                break
            page = client.list_reviews(start, end, page_no)
            if not page.items:
                break
            items.extend(page.items)
        self.store(items)
        Connector.objects.filter(pk=self.connector.pk, lease_token=self.token).update(cursor_at=end)
        if not _lease_renew(self.connector.pk, self.token):
            raise _LeaseLost()

    # --- intake -------------------------------------------------------------------------------------
    def store(self, raws: list[dict]) -> list:
        if not raws:
            return []
        self.result.fetched += len(raws)
        items = [{**self.client.to_item(raw), "shop": self.shop.code} for raw in raws]
        results = reviews_submit(
            items=items, allowed_shop_ids={self.shop.pk}, source=IntakeSource.CONNECTOR, by=None
        )
        for r in results:
            if r.review_id:
                self.seen_review_ids.add(r.review_id)
            if r.case_id and r.status in (RowStatus.CREATED, RowStatus.UPDATED):
                self.case_ids.add(r.case_id)
            if r.status == RowStatus.CREATED:
                self.result.created += 1
            elif r.status == RowStatus.UPDATED:
                self.result.updated += 1
            elif r.status == RowStatus.UNCHANGED:
                self.result.unchanged += 1
            else:
                self.result.rejected += 1
        return results

    def recheck(self) -> None:
        limit = self.connector.recheck_per_pull
        if not limit:
            return
        oldest = self.now - dt.timedelta(days=int(self.client.api.get("history_days") or 180))
        reviews = list(
            Review.objects.filter(shop=self.shop, case__isnull=False, reviewed_at__gte=oldest)
            .exclude(order_no="")
            .exclude(pk__in=self.seen_review_ids)  # just read by the window scan
            .values("pk", "order_no", "sub_order_no", "external_id")
        )
        checked = dict(
            ReviewCheck.objects.filter(
                connector=self.connector, review_id__in=[r["pk"] for r in reviews]
            ).values_list("review_id", "checked_at")
        )
        epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        recent = self.now - RECHECK_EVERY
        due = sorted(
            (r for r in reviews if (checked.get(r["pk"]) or epoch) <= recent),
            key=lambda r: (checked.get(r["pk"]) or epoch, r["pk"]),
        )[:limit]
        # the review itself, not the order's first: an order of several items has several reviews
        wanted = [(r["order_no"], r["sub_order_no"] or r["external_id"]) for r in due]
        many = getattr(self.client, "read_reviews", None)  # several orders a call, where the platform can
        raws = many(wanted) if many and wanted else [self.client.read_review(o, t) for o, t in wanted]
        self.store([raw for raw in raws if raw is not None])
        for review in due:
            ReviewCheck.objects.update_or_create(
                review_id=review["pk"], defaults={"connector": self.connector, "checked_at": self.now}
            )


def connector_pull(*, connector_id: int, now: dt.datetime | None = None, clock=None) -> PullResult:
    """One pull of one connector (see the module's docstring). ``now``: the pull's clock (the windows,
    the lease); ``clock``: the request timestamps' clock (a test of a skewed server clock)."""
    now = now or timezone.now()
    result = PullResult()
    connector = Connector.objects.select_related("shop").filter(pk=connector_id).first()
    if connector is None or not connector.enabled:
        result.error, result.skipped = _("该店铺没有启用的平台对接。"), True
        return result
    if (
        connector.state == ConnectorState.BACKING_OFF
        and connector.backoff_until
        and connector.backoff_until > now
    ):
        at = timezone.localtime(connector.backoff_until).strftime("%H:%M:%S")
        result.error, result.skipped = _("平台限流，退避至 %(at)s 后再拉取。") % {"at": at}, True
        return result
    token = lease_acquire(connector.pk, now=now)
    if token is None:
        result.error, result.skipped = _("另一个进程正在拉取该店铺。"), True
        return result
    connector.refresh_from_db()
    try:
        refresh_calls = refresh.refresh_if_due(connector, now=now, clock=clock)
    except PlatformError as exc:
        refresh_calls = getattr(exc, "calls", 1)
        if exc.kind != AMBIGUOUS or (connector.expires_at and connector.expires_at <= now):
            result.error, result.calls = str(exc), refresh_calls
            health.record_failure(connector, exc, calls=refresh_calls, now=now)
            lease_release(connector.pk, token)
            return result
        # no answer while the old token still works: pull with it, refresh again at the next pull
    client = client_for(connector, clock=clock)
    client.log.calls += refresh_calls
    puller = _Puller(connector, client, result, token, now)
    try:
        if connector.expires_at and connector.expires_at <= now:
            raise health.expired_error(connector)
        puller.fetch_window(puller.window_start(), now.replace(microsecond=0))
        puller.recheck()
    except PlatformError as exc:
        result.error = str(exc)
        result.calls = client.log.calls
        health.record_failure(connector, exc, calls=client.log.calls, now=now)
    except _LeaseLost:
        result.error = _("拉取租约已过期，已交给下一次拉取。")
        result.calls = client.log.calls
    else:
        result.ok = True
        result.calls = client.log.calls
        health.record_success(connector, calls=client.log.calls, now=now)
    finally:
        lease_release(connector.pk, token)
    if puller.case_ids:
        result.cases_opened = Case.objects.filter(
            pk__in=puller.case_ids, opened_at__gte=puller.pull_started
        ).count()
    return result


def store_reviews(
    connector: Connector, client, raws: list[dict], *, now: dt.datetime | None = None
) -> PullResult:
    """Platform rows read outside a pull (a push message's targeted read) through the same intake as a
    pull's: idempotent, revisions, triage, routing, alerts, the connector as the source."""
    result = PullResult(ok=True, calls=client.log.calls)
    puller = _Puller(connector, client, result, "", now or timezone.now())
    puller.store(raws)
    if puller.case_ids:
        result.cases_opened = Case.objects.filter(
            pk__in=puller.case_ids, opened_at__gte=puller.pull_started
        ).count()
    return result


def connectors_due(*, now: dt.datetime | None = None) -> list[int]:
    """The connectors the schedule pulls now: enabled, not inside a backoff, not leased."""
    now = now or timezone.now()
    return list(
        Connector.objects.filter(enabled=True, shop__active=True)
        .exclude(backoff_until__gt=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("last_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
