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

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from cases.choices import OPEN_STATUSES, CaseStatus, OfferStatus
from cases.models import Case, CompensationOffer, FollowUpTask
from cases.queries.access import visible_cases
from cases.queries.queue import NO_DEADLINE, breached_q, queue_for, unassigned_reasons
from cases.queries.rows import choice_labels
from reviewdesk.access import restrict, shop_ids_for

SOON = dt.timedelta(minutes=30)
URGENT_SHOWN = 5
UNASSIGNED_SHOWN = 5


def counts_at_once(**querysets: QuerySet) -> dict[str, int]:
    """``queryset.count()`` of each, in one round trip (each a sub-select of a single SELECT)."""
    parts, params = [], []
    for name, queryset in querysets.items():
        try:
            sql, args = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. ``shop_id__in=[]``: nothing can match
            parts.append("0")
            continue
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
    # The open tasks due by tonight of the user's shops (the partial index ``followup_open_shop_due``)
    # are few; the user's cases are many (every resolved one). Joined, the planner walks the case table
    # by primary key (60 ms at 1M cases), so each due task looks its case's owner up by primary key
    # instead (a scalar sub-select, run per task: due_follow_ups_for does the same).
    owner = Case.objects.filter(pk=OuterRef("case_id")).order_by()
    return counts_at_once(
        soon=mine.filter(next_due__gt=now, next_due__lte=now + SOON),
        breached=mine.filter(breached_q(now)),
        waiting=mine.filter(status=CaseStatus.WAITING_BUYER),
        follow_ups=FollowUpTask.objects.filter(
            shop_id__in=sorted(shop_ids_for(user)),
            done_at__isnull=True,
            skipped_reason="",
            due_at__lt=local_day_end(now),
        )
        .annotate(owner=Subquery(owner.values("assignee_id")[:1]))
        .filter(owner=user.pk),
        approvals=restrict(CompensationOffer.objects.all(), user).filter(
            status=OfferStatus.PENDING_APPROVAL, requested_by_id=user.pk
        ),
    )


URGENT_COLUMNS = (
    "pk",
    "status",
    "next_due",
    "next_warn",
    "urgency",
    "shop__name",
    "review__content",
    "review__appended_content",
)


def agent_urgent(user, *, now: dt.datetime | None = None, limit: int = URGENT_SHOWN) -> list[dict]:
    """The first cases of the user's own queue (its order: breached, near breach, by due time) that are
    breached or due within ``SOON``: the few columns the panel shows (not a queue row, whose labels
    would cost a query of their own)."""
    from cases.queries.rows import EXCERPT_CHARS, urgency_label
    from reviewdesk.pii import mask_free_text

    now = now or timezone.now()
    cases = _mine(user, now).filter(next_due__lte=now + SOON).values(*URGENT_COLUMNS)[:limit]
    labels = choice_labels()
    rows = []
    for case in cases:
        text = mask_free_text(case["review__content"] or case["review__appended_content"] or "")
        rows.append(
            {
                "id": case["pk"],
                "url": labels["case_url"] % case["pk"],
                "status": labels["status"].get(case["status"], case["status"]),
                "shop": case["shop__name"],
                "excerpt": text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else ""),
                "next_due": case["next_due"],
                "next_warn": case["next_warn"],
                "urgency_class": urgency_label(case["urgency"])[1],
            }
        )
    return rows


def _open_load(user, now: dt.datetime) -> dict:
    """assignee id (None: unassigned) → open and breached cases of the user's shops: one grouped query."""
    rows = (
        visible_cases(user)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(open=Count("pk"), breached=Count("pk", filter=breached_q(now)))
    )
    return {row["assignee_id"]: row for row in rows}


def team_load(user, *, now: dt.datetime | None = None, load: dict | None = None) -> list[dict]:
    """Each working member of the user's shops with their open and breached cases against their cap (the
    team load page's figures): two queries (one with ``load`` given)."""
    from cases.routing.eligibility import WORKING_ROLES
    from reviewdesk.models import Shop, User

    now = now or timezone.now()
    load = _open_load(user, now) if load is None else load
    shops = restrict(Shop.objects.all(), user)
    members = (
        User.objects.filter(memberships__shop__in=shops, is_active=True, groups__name__in=WORKING_ROLES)
        .distinct()
        .order_by("display_name", "username")
        .only("pk", "username", "display_name", "first_name", "last_name", "max_open_cases")
    )
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


UNASSIGNED_COLUMNS = (
    "pk",
    "next_due",
    "next_warn",
    "urgency",
    "shop__name",
    "issue_type__name",
    "issue_type__name_en",
)


def team_board(user, *, now: dt.datetime | None = None) -> dict:
    """The supervisor's board: members' load, the counts (breached, unassigned, approvals waiting), the
    first unassigned cases in the queue's order with routing's reasons. Five queries: the open cases
    grouped by assignee (the breaches and the unassigned count come from the same rows), the members,
    the approvals, the first unassigned cases, their reasons."""
    now = now or timezone.now()
    load = _open_load(user, now)
    counts = {
        "breached": sum(row["breached"] for row in load.values()),
        "unassigned": load.get(None, {}).get("open", 0),
        "approvals": approvals_waiting(user).count(),
    }
    labels = choice_labels()
    english = labels["english"]
    cases = queue_for(user, scope="shop", now=now).values(*UNASSIGNED_COLUMNS)[:UNASSIGNED_SHOWN]
    rows = [
        {
            "id": case["pk"],
            "url": labels["case_url"] % case["pk"],
            "shop": case["shop__name"],
            "issue_type": (english and case["issue_type__name_en"]) or case["issue_type__name"] or "",
            "next_due": None if case["next_due"] >= NO_DEADLINE else case["next_due"],
            "next_warn": None if case["next_warn"] >= NO_DEADLINE else case["next_warn"],
        }
        for case in cases
    ]
    reasons = unassigned_reasons(row["id"] for row in rows)
    for row in rows:
        row["unassigned_reason"] = reasons.get(row["id"], "")
    members = team_load(user, now=now, load=load)
    members.sort(
        key=lambda r: (-r["breached"], -(r["open"] / r["cap"] if r["cap"] else r["open"]), r["name"])
    )
    return {"members": members, "counts": counts, "unassigned": rows}
