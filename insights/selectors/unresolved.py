"""Daily unresolved review (seed 002): every case still open past its resolution target, by owner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cases.choices import OPEN_STATUSES
from cases.models import Case
from reviewdesk.pii import mask_free_text


@dataclass
class OwnerGroup:
    owner_id: int | None
    owner_name: str
    cases: list[dict] = field(default_factory=list)


def overdue_cases(*, shop_ids, now: dt.datetime | None = None):
    now = now or timezone.now()
    return Case.objects.filter(
        shop_id__in=list(shop_ids), status__in=OPEN_STATUSES, resolution_due_at__lt=now
    )


def unresolved_by_owner(*, shop_ids, now: dt.datetime | None = None) -> list[OwnerGroup]:
    """Owners with the most overdue cases first; unassigned cases form their own group (owner None)."""
    now = now or timezone.now()
    rows = (
        overdue_cases(shop_ids=shop_ids, now=now)
        .order_by("resolution_due_at", "pk")
        .values(
            "pk",
            "shop_id",
            "shop__name",
            "status",
            "issue_type__name",
            "resolution_due_at",
            "opened_at",
            "assignee_id",
            "assignee__display_name",
            "assignee__username",
            "review__item_title",
        )
    )
    groups: dict[int | None, OwnerGroup] = {}
    for row in rows:
        owner = row["assignee_id"]
        if owner not in groups:
            groups[owner] = OwnerGroup(
                owner, row["assignee__display_name"] or row["assignee__username"] or ""
            )
        groups[owner].cases.append(
            {
                "id": row["pk"],
                "shop_id": row["shop_id"],
                "shop_name": row["shop__name"],
                "status": row["status"],
                "issue_type": row["issue_type__name"] or "",
                "due_at": row["resolution_due_at"],
                "opened_at": row["opened_at"],
                "item_title": mask_free_text(row["review__item_title"]),
                "overdue_hours": round((now - row["resolution_due_at"]).total_seconds() / 3600, 1),
            }
        )
    return sorted(groups.values(), key=lambda g: (g.owner_id is None, -len(g.cases), g.owner_name))
