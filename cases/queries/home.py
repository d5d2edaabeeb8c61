"""What the home page's case panels read (``cases.web.home``): an agent's own work and a supervisor's
team board. Reads only; every case comes through ``queue_for`` / ``visible_cases`` (the user's shops).

* ``agent_numbers``: the user's open cases due within ``SOON`` (not yet breached), breached, waiting
  for the buyer, follow-ups due today and the offers they asked approval for: ONE query (each count a
  scalar sub-select of a single SELECT);
* ``agent_urgent``: the first rows of the user's own queue in the queue's own order, when due soon or
  breached;
* ``team_board``: each working member's open and breached cases against their cap (the team load page's
  figures), the breaches, the approvals waiting for one of the user's roles and the first unassigned
  cases with why routing left them there (``unassigned_reasons``).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from cases.choices import OPEN_STATUSES, CaseStatus, OfferStatus
from cases.models import CompensationOffer, FollowUpTask
from cases.queries.access import visible_cases
from cases.queries.queue import breached_q, queue_for, queue_page, unassigned_reasons
from cases.queries.rows import ROW_COLUMNS, choice_labels, queue_row
from reviewdesk.access import restrict, shop_ids_for

SOON = dt.timedelta(minutes=30)
URGENT_SHOWN = 5
UNASSIGNED_SHOWN = 5


def counts_at_once(**querysets: QuerySet) -> dict[str, int]:
    """``queryset.count()`` of each, in one round trip (each a sub-select of a single SELECT)."""
    parts, params = [], []
    for name, queryset in querysets.items():
        sql, args = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{name})")
        params.extend(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def local_day_end(now: dt.datetime) -> dt.datetime:
    """The start of tomorrow in the local time zone: "due today" is before it."""
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def _mine(user, now: dt.datetime) -> QuerySet:
    return queue_for(user, scope="mine", now=now)


def agent_numbers(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The counts of the agent's panel (see the module docstring), in one query."""
    now = now or timezone.now()
    mine = _mine(user, now)
    shops = shop_ids_for(user)
    return counts_at_once(
        soon=mine.filter(next_due__gt=now, next_due__lte=now + SOON),
        breached=mine.filter(breached_q(now)),
        waiting=mine.filter(status=CaseStatus.WAITING_BUYER),
        follow_ups=FollowUpTask.objects.filter(
            done_at__isnull=True,
            skipped_reason="",
            due_at__lt=local_day_end(now),
            case__assignee_id=user.pk,
            case__shop_id__in=shops,
        ),
        approvals=restrict(CompensationOffer.objects.all(), user).filter(
            status=OfferStatus.PENDING_APPROVAL, requested_by_id=user.pk
        ),
    )


def agent_urgent(user, *, now: dt.datetime | None = None, limit: int = URGENT_SHOWN) -> list[dict]:
    """The first cases of the user's own queue (its order: breached, near breach, by due time) that are
    breached or due within ``SOON``, as queue rows."""
    now = now or timezone.now()
    cases = _mine(user, now).filter(next_due__lte=now + SOON).values(*ROW_COLUMNS)[:limit]
    labels = choice_labels()
    return [queue_row(case, labels=labels) for case in cases]


def team_load(user, *, now: dt.datetime | None = None) -> list[dict]:
    """Each working member of the user's shops with their open and breached cases against their cap (the
    team load page's figures): two queries."""
    from cases.routing.eligibility import WORKING_ROLES
    from reviewdesk.models import Shop, User

    now = now or timezone.now()
    shops = restrict(Shop.objects.all(), user)
    members = (
        User.objects.filter(memberships__shop__in=shops, is_active=True, groups__name__in=WORKING_ROLES)
        .distinct()
        .order_by("display_name", "username")
    )
    load = {
        row["assignee_id"]: row
        for row in visible_cases(user)
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(open=Count("pk"), breached=Count("pk", filter=breached_q(now)))
    }
    rows = []
    for member in members:
        row = load.get(member.pk, {})
        rows.append(
            {
                "id": member.pk,
                "name": str(member),
                "open": row.get("open", 0),
                "breached": row.get("breached", 0),
                "cap": member.max_open_cases,
            }
        )
        rows[-1]["full"] = rows[-1]["open"] >= rows[-1]["cap"]
    return rows


def approvals_waiting(user) -> QuerySet:
    """Offers waiting for a decision of one of the user's roles (a manager decides any): the approvals
    page's rows."""
    from cases.workflow.guards import roles_of
    from reviewdesk.choices import Role

    roles = roles_of(user)
    offers = restrict(CompensationOffer.objects.filter(status=OfferStatus.PENDING_APPROVAL), user)
    return offers if str(Role.MANAGER) in roles else offers.filter(approval_role__in=roles)


def team_board(user, *, now: dt.datetime | None = None) -> dict:
    """The supervisor's board: members' load, the counts (breached, unassigned, approvals waiting) in
    one query, the first unassigned cases with routing's reasons."""
    now = now or timezone.now()
    shop_queue = queue_for(user, scope="shop", now=now)
    counts = counts_at_once(
        breached=visible_cases(user).filter(status__in=OPEN_STATUSES).filter(breached_q(now)),
        unassigned=shop_queue,
        approvals=approvals_waiting(user),
    )
    labels = choice_labels()
    page = queue_page(shop_queue, 1, per_page=UNASSIGNED_SHOWN, columns=ROW_COLUMNS).object_list
    rows = [queue_row(case, labels=labels) for case in page]
    reasons = unassigned_reasons(row["id"] for row in rows)
    for row in rows:
        row["unassigned_reason"] = reasons.get(row["id"], "")
    members = team_load(user, now=now)
    members.sort(
        key=lambda r: (-r["breached"], -(r["open"] / r["cap"] if r["cap"] else r["open"]), r["name"])
    )
    return {"members": members, "counts": counts, "unassigned": rows}
