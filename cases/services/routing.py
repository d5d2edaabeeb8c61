"""Routing: give each new case to the least-loaded eligible user; supervisors reassign.

Eligible for a case = active, in the group named by the case's ``handling_role``, a member of the
case's shop, fewer open cases than their ``max_open_cases``, and certified (every callable in
``cases.hooks.certification_checks`` returns None; with none registered everyone is certified).

Choice among the eligible, in order (the tie-breaks):
1. fewest open cases (an absolute count, not a share of the cap);
2. idle longest: the oldest last assignment (from the Assignment log); never assigned counts as
   idle longest of all; within one routing run a user just given a case counts as the most recent;
3. lowest user id, so the outcome is deterministic.

A case nobody is eligible for stays NEW with no assignee (the shop's unassigned queue) and an
Assignment row with ``to_user`` empty records why.

Caps under concurrency: the candidate users' rows are locked (``SELECT … FOR UPDATE``, in id order
so two routers cannot deadlock) before their open cases are counted, so two routing transactions
for the same people run one after the other and never push anyone over the cap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES, CaseStatus
from cases.hooks import certification_checks
from cases.models import Assignment, Case, Notification
from cases.notify.choices import NotificationKind
from cases.notify.messages import build_message
from cases.services.bulk import any_of, insert_dicts, row_template
from reviewdesk.choices import Role
from reviewdesk.models import ShopMembership, User

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
REASSIGNERS = (Role.SUPERVISOR, Role.MANAGER)


class RoutingError(StrEnum):
    NOT_ALLOWED = "reassign_not_allowed"
    CASE_CLOSED = "case_closed"
    SAME_ASSIGNEE = "same_assignee"
    NOT_ELIGIBLE = "assignee_not_eligible"
    STALE = "stale_case"


@dataclass
class RoutingOutcome:
    assigned: dict[int, int] = field(default_factory=dict)  # case id → user id
    unassigned: dict[int, str] = field(default_factory=dict)  # case id → reason


@dataclass
class _Candidate:
    user_id: int
    name: str
    cap: int
    open_cases: int = 0
    last_assigned: tuple[dt.datetime, int] = (NEVER, 0)

    def sort_key(self):
        return (self.open_cases, self.last_assigned, self.user_id)


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def certification_problem(
    user: User, *, shop_id: int, issue_type_code: str | None, handling_role: str
) -> str | None:
    for check in certification_checks.all():
        problem = check(user, shop_id=shop_id, issue_type_code=issue_type_code, handling_role=handling_role)
        if problem:
            return str(problem)
    return None


def _candidates(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], list[int]]:
    """Active members with the role, per (shop, role), in one query."""
    if not pairs:
        return {}
    rows = ShopMembership.objects.filter(
        shop_id__in={s for s, _r in pairs},
        user__is_active=True,
        user__groups__name__in={r for _s, r in pairs},
    ).values_list("shop_id", "user__groups__name", "user_id")
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    for shop_id, role, user_id in rows:
        if (shop_id, role) in pairs:
            found[(shop_id, role)].append(user_id)
    return found


def _load_candidates(user_ids: set[int]) -> dict[int, _Candidate]:
    """Lock the users (id order), then read their load and last assignment: the cap check is safe."""
    users = list(
        User.objects.select_for_update()
        .filter(pk__in=user_ids)
        .order_by("pk")
        .values_list("pk", "display_name", "username", "max_open_cases")
    )
    candidates = {
        pk: _Candidate(user_id=pk, name=name or username, cap=cap) for pk, name, username, cap in users
    }
    for user_id, count in (
        Case.objects.filter(assignee_id__in=candidates, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    ):
        candidates[user_id].open_cases = count
    for user_id, last in (
        Assignment.objects.filter(to_user_id__in=candidates)
        .values("to_user_id")
        .annotate(last=Max("created_at"))
        .values_list("to_user_id", "last")
    ):
        candidates[user_id].last_assigned = (last, 0)
    return candidates


def _explain(role: str, total: int, full: list[str], uncertified: list[str]) -> str:
    if not role:
        return _("案件没有处理角色，无法自动分配。")
    if total == 0:
        return _("店铺没有在职的“%(role)s”成员。") % {"role": role_label(role)}
    parts = [_("店铺有 %(n)s 名在职“%(role)s”，均不可分配：") % {"n": total, "role": role_label(role)}]
    if full:
        parts.append(_("已达在办上限：%(names)s。") % {"names": "、".join(full)})
    if uncertified:
        parts.append(_("未通过认证：%(names)s。") % {"names": "；".join(uncertified)})
    return "".join(parts)


def route_cases(*, case_ids: list[int], now: dt.datetime | None = None) -> RoutingOutcome:
    """Assign the given NEW, unassigned cases; returns who got what and why the rest did not."""
    now = now or timezone.now()
    outcome = RoutingOutcome()
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(any_of("pk", case_ids, "bigint"), status=CaseStatus.NEW, assignee__isnull=True)
            .order_by("pk")
            .values("pk", "shop_id", "handling_role", "issue_type__code", "first_response_due_at")
        )
        if not cases:
            return outcome
        pairs = {(c["shop_id"], c["handling_role"]) for c in cases if c["handling_role"]}
        members = _candidates(pairs)
        candidates = _load_candidates({u for ids in members.values() for u in ids})
        users = User.objects.in_bulk(candidates) if certification_checks.all() else {}
        certified: dict[tuple[int, int, str | None, str], str | None] = {}
        explained: dict[
            tuple, str
        ] = {}  # the same refusal for a whole batch of one shop and role: worded once
        sequence = 0
        # Urgent first: when capacity runs out, the earliest deadline should have taken it.
        for case in sorted(cases, key=lambda c: (c["first_response_due_at"] or now, c["pk"])):
            role, shop_id, code = case["handling_role"], case["shop_id"], case["issue_type__code"]
            pool = [candidates[u] for u in members.get((shop_id, role), ()) if u in candidates]
            eligible, full, uncertified = [], [], []
            for person in pool:
                if person.open_cases >= person.cap:
                    full.append(person.name)
                    continue
                key = (person.user_id, shop_id, code, role)
                if key not in certified:
                    certified[key] = (
                        certification_problem(
                            users[person.user_id], shop_id=shop_id, issue_type_code=code, handling_role=role
                        )
                        if users
                        else None
                    )
                if certified[key]:
                    uncertified.append(f"{person.name}（{certified[key]}）")
                    continue
                eligible.append(person)
            if not eligible:
                why = (role, len(pool), tuple(full), tuple(uncertified))
                if why not in explained:
                    explained[why] = _explain(role, len(pool), full, uncertified)
                outcome.unassigned[case["pk"]] = explained[why]
                continue
            chosen = min(eligible, key=_Candidate.sort_key)
            sequence += 1
            chosen.open_cases += 1
            chosen.last_assigned = (now, sequence)
            outcome.assigned[case["pk"]] = chosen.user_id
        _write_outcome(outcome, now=now)
    return outcome


def _assign_all(assigned: dict[int, int], *, now: dt.datetime) -> None:
    """Write every (case → user) pair: one UPDATE … FROM unnest(…) on PostgreSQL, whatever the count;
    elsewhere one UPDATE per assignee (bounded by the team, not by the number of cases)."""
    if not assigned:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET assignee_id = a.user_id, assigned_at = %s, status = %s, version = c.version + 1, "
                f"updated_at = %s FROM unnest(%s::bigint[], %s::bigint[]) AS a(case_id, user_id) WHERE c.id = a.case_id",
                [now, CaseStatus.ASSIGNED, now, list(assigned), list(assigned.values())],
            )
        return
    by_user: dict[int, list[int]] = defaultdict(list)
    for case_id, user_id in assigned.items():
        by_user[user_id].append(case_id)
    for user_id, ids in by_user.items():
        Case.objects.filter(pk__in=ids).update(
            assignee_id=user_id, assigned_at=now, status=CaseStatus.ASSIGNED, version=F("version") + 1
        )


def _write_outcome(outcome: RoutingOutcome, *, now: dt.datetime) -> None:
    """The assignments, their log rows (COPY on PostgreSQL, see ``insert_dicts``) and the assignees' bells."""
    _assign_all(outcome.assigned, now=now)
    template = row_template(Assignment)
    auto = _("自动分配")
    rows = [
        {**template, "case_id": c, "to_user_id": u, "reason": auto, "created_at": now}
        for c, u in outcome.assigned.items()
    ]
    rows += [
        {**template, "case_id": c, "to_user_id": None, "reason": r, "created_at": now}
        for c, r in outcome.unassigned.items()
    ]
    ids = insert_dicts(Assignment, rows)
    _notify_assignees(
        [
            Assignment(
                pk=pk,
                case_id=row["case_id"],
                to_user_id=row["to_user_id"],
                reason=row["reason"],
                created_at=now,
            )
            for row, pk in zip(rows, ids, strict=True)
            if row["to_user_id"]
        ]
    )


def _notify_assignees(rows: list[Assignment]) -> None:
    """The new assignee hears of the case in the bell (no outgoing channel: that is for supervisors)."""
    if not rows:
        return
    from cases.services.alerts import case_contexts

    contexts = case_contexts({row.case_id for row in rows})
    notifications = []
    for row in rows:
        context = {
            k: v
            for k, v in contexts[row.case_id].items()
            if k in ("case_id", "case_path", "shop_name", "issue_type", "due_at", "tier_name")
        }
        message = build_message(NotificationKind.ASSIGNED, context)
        notifications.append(
            Notification(
                user_id=row.to_user_id,
                shop_id=contexts[row.case_id]["_shop_id"],
                case_id=row.case_id,
                kind=NotificationKind.ASSIGNED,
                title=message.title[:200],
                body="\n".join(message.lines),
                url=message.url,
                dedupe_key=f"assigned:{row.case_id}:{row.pk or row.created_at.timestamp()}",
            )
        )
    Notification.objects.bulk_create(notifications, batch_size=1000, ignore_conflicts=True)


def route_new_cases(*, case_ids: list[int]) -> None:
    """Entry point for intake (call after commit): route these new cases now, in one transaction."""
    if case_ids:
        route_cases(case_ids=sorted({int(pk) for pk in case_ids}))


def unassigned_reason(*, case_id: int) -> str | None:
    """Why routing left this case in the queue (the newest failed attempt), for the supervisor."""
    row = (
        Assignment.objects.filter(case_id=case_id)
        .order_by("-created_at", "-pk")
        .values("to_user_id", "reason")
        .first()
    )
    return row["reason"] if row and row["to_user_id"] is None else None


def eligibility_problem(*, case: Case, user: User) -> str | None:
    """None when ``user`` may take ``case`` now; otherwise the reason, in Chinese."""
    if not user.is_active:
        return _("该用户已停用。")
    if not case.handling_role or not user.groups.filter(name=case.handling_role).exists():
        return _("该用户没有“%(role)s”角色。") % {"role": role_label(case.handling_role)}
    if not ShopMembership.objects.filter(shop_id=case.shop_id, user=user).exists():
        return _("该用户不是本店铺成员。")
    open_cases = Case.objects.filter(assignee=user, status__in=OPEN_STATUSES).exclude(pk=case.pk).count()
    if open_cases >= user.max_open_cases:
        return _("该用户在办案件已达上限(%(n)s)。") % {"n": user.max_open_cases}
    code = case.issue_type.code if case.issue_type_id else None
    problem = certification_problem(
        user, shop_id=case.shop_id, issue_type_code=code, handling_role=case.handling_role
    )
    if problem:
        return _("该用户未通过认证：%(reason)s") % {"reason": problem}
    return None


def case_reassign(*, case: Case, user: User, by: User, reason: str = "") -> Case:
    """A supervisor or manager of the shop gives the case to another eligible user.

    Checks, the case update (optimistic: ``WHERE version = …``) and the Assignment history row are
    one transaction; the new assignee's bell notification is written in it too.
    """
    from reviewdesk.roles import user_roles

    with transaction.atomic():
        if not (
            by.is_active
            and set(user_roles(by)) & {str(r) for r in REASSIGNERS}
            and ShopMembership.objects.filter(shop_id=case.shop_id, user=by).exists()
        ):
            raise ValidationError(
                _("只有本店铺的客服主管或运营经理可以改派案件。"), code=RoutingError.NOT_ALLOWED
            )
        # Same lock order as routing (the case, then the user) so the two cannot deadlock; the user
        # row lock makes the cap check hold against a concurrent routing run.
        current = Case.objects.select_for_update().get(pk=case.pk)
        user = User.objects.select_for_update().get(pk=user.pk)
        if current.version != case.version:
            raise ValidationError(_("案件已被他人修改，请刷新后重试。"), code=RoutingError.STALE)
        if current.status not in OPEN_STATUSES:
            raise ValidationError(_("案件已解决或关闭，不能改派。"), code=RoutingError.CASE_CLOSED)
        if current.assignee_id == user.pk:
            raise ValidationError(_("案件已经分配给该用户。"), code=RoutingError.SAME_ASSIGNEE)
        problem = eligibility_problem(case=current, user=user)
        if problem:
            raise ValidationError(problem, code=RoutingError.NOT_ELIGIBLE)
        now = timezone.now()
        new_status = CaseStatus.ASSIGNED if current.status == CaseStatus.NEW else current.status
        updated = Case.objects.filter(pk=current.pk, version=current.version).update(
            assignee=user, assigned_at=now, status=new_status, version=F("version") + 1
        )
        if updated != 1:
            raise ValidationError(_("案件已被他人修改，请刷新后重试。"), code=RoutingError.STALE)
        row = Assignment.objects.create(
            case=current,
            from_user_id=current.assignee_id,
            to_user=user,
            by=by,
            reason=reason.strip() or _("主管改派"),
            created_at=now,
        )
        _notify_assignees([row])
    current.refresh_from_db()
    return current
