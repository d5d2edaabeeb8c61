"""Alerts: who hears about a case event, in the bell and over the shop's outgoing channels.

``alert_new_cases`` is what intake calls after creating cases: it enqueues (after commit) a task
that notifies the shop's supervisors. ``notify`` is the one writer the SLA sweep and routing share:
it creates the in-app rows and the Delivery rows (both idempotent on their dedupe keys) and
enqueues the deliveries after commit. Message text is built from a whitelisted dict
(``case_contexts``), which never reads the buyer's phone or address, in each recipient's language
(``reviewdesk.language``): once per language, a mail per language, a robot's group post in the site's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import get_language

from cases.imports.bulk import any_of
from cases.models import Case, Delivery, Notification, NotificationChannel, PendingHandoff
from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from cases.notifications.delivery import deliveries_enqueue
from cases.notifications.messages import Message, build_message
from reviewdesk.choices import Role
from reviewdesk.language import supported
from reviewdesk.models import Shop, ShopMembership, User

BULK_BATCH = 1000


@dataclass
class Alert:
    """One event about one case (or one digest of a shop's cases) for a set of users."""

    kind: str
    shop_id: int
    case_id: int | None
    user_ids: set[int]
    context: dict
    dedupe_key: str
    extra_emails: list[str] = field(default_factory=list)


def alert_digest_threshold() -> int:
    """More new cases than this for one shop in one intake call → one digest instead of one per case."""
    return settings.ALERT_DIGEST_THRESHOLD


def case_path(case_id: int | None) -> str:
    if case_id is None:
        return reverse("cases:notifications")
    try:
        return reverse("cases:case_detail", kwargs={"pk": case_id})
    except NoReverseMatch:
        return reverse("cases:notifications")


def format_time(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _name_read_now(name: str | None, name_en: str) -> str:
    return name_en if (get_language() or "").startswith("en") else (name or "")


# Made once: ``lazy`` builds a proxy class at each call (40,000 cases' alerts took 1.2 GB and 5 s).
_name_in_reader_language = lazy(_name_read_now, str)


def in_reader_language(name: str | None, name_en: str | None):
    """A policy row's name as its reader reads it: the English name (where the pack has one) when the
    message is rendered in English (``build_message`` renders it inside the recipient's language)."""
    if not name_en:
        return name or ""
    return _name_in_reader_language(name, name_en)


def _case_paths():
    """case id → its page's path, reversed once for all (the pattern is the same for every case)."""
    marker = 987_654_321
    head, _marker, tail = case_path(marker).rpartition(str(marker))
    return lambda case_id: f"{head}{case_id}{tail}"


def case_contexts(case_ids: Iterable[int]) -> dict[int, dict]:
    """The whitelisted values a case message may show. No buyer nick, phone or address."""
    path_of = _case_paths()
    rows = Case.objects.filter(any_of("pk", list(case_ids), "bigint")).values(
        "pk",
        "shop_id",
        "shop__name",
        "platform",
        "issue_type__name",
        "issue_type__name_en",
        "review__rating",
        "review__item_title",
        "review__content",
        "first_response_due_at",
        "sla_tier_name",
        "is_malicious",
        "assignee__display_name",
        "assignee__username",
    )
    return {
        row["pk"]: {
            "case_id": row["pk"],
            "case_path": path_of(row["pk"]),
            "shop_name": row["shop__name"],
            "platform": row["platform"],
            "issue_type": in_reader_language(row["issue_type__name"], row["issue_type__name_en"]),
            "rating": f"{row['review__rating']}/5" if row["review__rating"] else "",
            "item_title": row["review__item_title"],
            "excerpt": row["review__content"],
            "due_at": format_time(row["first_response_due_at"]),
            "tier_name": row["sla_tier_name"],
            "malicious": row["is_malicious"],
            "assignee": row["assignee__display_name"] or row["assignee__username"] or "",
            "_shop_id": row["shop_id"],
        }
        for row in rows
    }


def role_members(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], set[int]]:
    """Active users per (shop, role), in one query. A user reaches a shop as ``reviewdesk.access``
    says (``members_of``): a membership of the shop, or of its active client (who serves a client
    hears about every shop of it)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    shop_ids, roles = {s for s, _r in pairs}, {r for _s, r in pairs}
    direct = ShopMembership.objects.filter(
        shop_id__in=shop_ids, user__is_active=True, user__groups__name__in=roles
    ).values_list("user_id", "shop_id", "user__groups__name")
    through = Shop.objects.filter(
        pk__in=shop_ids,
        client__active=True,
        client__memberships__user__is_active=True,
        client__memberships__user__groups__name__in=roles,
    ).values_list("client__memberships__user_id", "pk", "client__memberships__user__groups__name")
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    for user_id, shop_id, role in direct.order_by().union(through.order_by(), all=True):
        if (shop_id, role) in pairs:
            found[(shop_id, role)].add(user_id)
    return found


def notify(alerts: list[Alert]) -> tuple[int, int]:
    """Write the in-app notifications and outgoing deliveries of ``alerts``; enqueue after commit.

    Returns (notifications inserted, deliveries inserted). Safe to call twice with the same alerts:
    the unique dedupe keys turn the repeat into no-ops (ON CONFLICT DO NOTHING).
    """
    if not alerts:
        return 0, 0
    now = timezone.now()
    with transaction.atomic():
        people = {
            pk: (email, supported(language))
            for pk, email, language in User.objects.filter(
                pk__in={u for a in alerts for u in a.user_ids}
            ).values_list("pk", "email", "language")
        }
        messages: dict[tuple[int, str], Message] = {}

        def message_in(alert: Alert, language: str) -> Message:
            """The alert's text in one language (each recipient reads their own; rendered once per language)."""
            key = (id(alert), language)
            if key not in messages:
                with translation.override(language):
                    messages[key] = build_message(alert.kind, alert.context)
            return messages[key]

        site_language = settings.LANGUAGE_CODE
        notifications = [
            Notification(
                user_id=user_id,
                shop_id=alert.shop_id,
                case_id=alert.case_id,
                kind=alert.kind,
                title=message.title[:200],
                body="\n".join(message.lines),
                url=message.url,
                dedupe_key=alert.dedupe_key,
            )
            for alert in alerts
            for user_id in sorted(alert.user_ids)
            for message in (message_in(alert, people.get(user_id, ("", site_language))[1]),)
        ]
        before = (
            Notification.objects.filter(dedupe_key__in={a.dedupe_key for a in alerts}).count()
            if notifications
            else 0
        )
        Notification.objects.bulk_create(notifications, batch_size=BULK_BATCH, ignore_conflicts=True)
        inserted_notifications = (
            Notification.objects.filter(dedupe_key__in={a.dedupe_key for a in alerts}).count() - before
            if notifications
            else 0
        )

        channels = defaultdict(list)
        for channel in NotificationChannel.objects.filter(
            shop_id__in={a.shop_id for a in alerts}, active=True
        ):
            channels[channel.shop_id].append(channel)
        deliveries = []
        for alert in alerts:
            for channel in channels.get(alert.shop_id, ()):
                if not channel.wants(alert.kind):
                    continue
                for language, recipients in _delivery_languages(channel, alert, people, site_language):
                    deliveries.append(
                        Delivery(
                            channel=channel,
                            shop_id=alert.shop_id,
                            case_id=alert.case_id,
                            kind=alert.kind,
                            # The site's language keeps the alert's key; another language's mail its own.
                            dedupe_key=alert.dedupe_key
                            if language == site_language
                            else f"{alert.dedupe_key}:{language}"[:160],
                            message=message_in(alert, language).as_dict(),
                            recipients=recipients,
                            status=DeliveryStatus.PENDING,
                            next_attempt_at=now,
                        )
                    )
        new_delivery_ids: list[int] = []
        if deliveries:
            keys = {d.dedupe_key for d in deliveries}
            channel_ids = {d.channel_id for d in deliveries}
            existing = set(
                Delivery.objects.filter(channel_id__in=channel_ids, dedupe_key__in=keys).values_list(
                    "pk", flat=True
                )
            )
            Delivery.objects.bulk_create(deliveries, batch_size=BULK_BATCH, ignore_conflicts=True)
            new_delivery_ids = sorted(
                set(
                    Delivery.objects.filter(channel_id__in=channel_ids, dedupe_key__in=keys).values_list(
                        "pk", flat=True
                    )
                )
                - existing
            )
            deliveries_enqueue(new_delivery_ids)
    return inserted_notifications, len(new_delivery_ids)


def _delivery_languages(
    channel: NotificationChannel, alert: Alert, people: dict[int, tuple[str, str]], site_language: str
) -> list[tuple[str, list[str]]]:
    """(language, e-mail recipients) of the deliveries of ``alert`` on ``channel``: a mail per language of
    its recipients (an address no user has reads the site's language); a robot posts to a group chat, in
    the site's language."""
    if channel.kind != ChannelKind.EMAIL:
        return [(site_language, [])]
    by_language: dict[str, set[str]] = defaultdict(set)
    for user_id in alert.user_ids:
        email, language = people.get(user_id, ("", site_language))
        if email:
            by_language[language].add(email)
    by_language[site_language] |= set(alert.extra_emails)
    return [(language, sorted(emails)) for language, emails in sorted(by_language.items()) if emails]


def new_case_alerts(case_ids: list[int]) -> list[Alert]:
    """One alert per new case to the shop's supervisors (and legal, for a suspected-malicious one),
    or one digest for a shop with more than ``alert_digest_threshold()`` of them; a digest names only
    the shop and the count, so its cases' contexts are never built."""
    by_shop: dict[int, list[int]] = defaultdict(list)
    for pk, shop_id in Case.objects.filter(any_of("pk", list(case_ids), "bigint")).values_list(
        "pk", "shop_id"
    ):
        by_shop[shop_id].append(pk)
    threshold = alert_digest_threshold()
    digests = {shop_id for shop_id, ids in by_shop.items() if len(ids) > threshold}
    contexts = case_contexts([pk for shop_id, ids in by_shop.items() if shop_id not in digests for pk in ids])
    names = dict(Shop.objects.filter(pk__in=digests).values_list("pk", "name")) if digests else {}
    members = role_members((shop_id, role) for shop_id in by_shop for role in (Role.SUPERVISOR, Role.LEGAL))
    alerts = []
    for shop_id, shop_case_ids in by_shop.items():
        user_ids = members.get((shop_id, str(Role.SUPERVISOR)), set())
        legal_ids = members.get((shop_id, str(Role.LEGAL)), set())
        if shop_id in digests:
            ids = sorted(shop_case_ids)
            context = {
                "shop_name": names.get(shop_id, ""),
                "count": len(ids),
                "case_path": case_path(None),
            }
            alerts.append(
                Alert(
                    kind=NotificationKind.NEW_CASES_DIGEST,
                    shop_id=shop_id,
                    case_id=None,
                    user_ids=user_ids,
                    context=context,
                    dedupe_key=f"new_cases_digest:{shop_id}:{ids[0]}-{ids[-1]}:{len(ids)}",
                )
            )
            continue
        shop_contexts = [contexts[pk] for pk in shop_case_ids if pk in contexts]
        for context in shop_contexts:
            public = {k: v for k, v in context.items() if not k.startswith("_") and k != "assignee"}
            # A suspected-malicious review is legal's work too: they hear of it at once.
            recipients = user_ids | legal_ids if context["malicious"] else user_ids
            alerts.append(
                Alert(
                    kind=NotificationKind.NEW_CASE,
                    shop_id=shop_id,
                    case_id=context["case_id"],
                    user_ids=recipients,
                    context=public,
                    dedupe_key=f"new_case:{context['case_id']}",
                )
            )
    return alerts


def alert_new_cases_now(*, case_ids: list[int], handoff_id: int | None = None) -> tuple[int, int]:
    """The task body: notify the shops' supervisors of these new cases (idempotent), and mark the
    intake's hand-off done in the same transaction (``PendingHandoff``: the sweep's way to find a
    lost one)."""
    with transaction.atomic():
        counts = notify(new_case_alerts(case_ids))
        if handoff_id is not None:
            PendingHandoff.objects.filter(pk=handoff_id).delete()
    return counts


def alert_new_cases(*, case_ids: list[int], handoff_id: int | None = None) -> None:
    """Entry point for intake: after the surrounding transaction commits, enqueue the alert task."""
    case_ids = sorted({int(pk) for pk in case_ids})
    if not case_ids:
        return

    def enqueue():
        from django_q.tasks import async_task

        async_task("cases.tasks.alert_new_cases_task", case_ids, handoff_id)

    transaction.on_commit(enqueue)


def notify_job_finished(*, user_id: int, shop_id: int | None, job_id: int, title: str, url: str) -> None:
    """The bell line of a finished job (the jobs app's ``job_finished``), to its owner only: no robot
    and no mail (a job is the owner's own errand). Once per job (the dedupe key)."""
    message = build_message(NotificationKind.JOB_FINISHED, {"job_title": title, "case_path": url})
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                shop_id=shop_id,
                kind=NotificationKind.JOB_FINISHED,
                title=message.title[:200],
                url=message.url,
                dedupe_key=f"job:{job_id}",
            )
        ],
        ignore_conflicts=True,
    )


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when ``notification_ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def unread_count(*, user: User) -> int:
    return (
        Notification.objects.filter(user=user, read_at__isnull=True).count() if user.is_authenticated else 0
    )
