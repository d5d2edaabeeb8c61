"""Routing: give each new case to the least-loaded eligible user; supervisors assign and reassign.

Eligible for a case = active, in the group named by the case's ``handling_role``, a member of the
case's shop, fewer open cases than their ``max_open_cases``, and certified (every callable in
``cases.hooks.certification_checks`` returns None; with none registered everyone is certified). The
rules and their wording are ``cases.routing.eligibility``'s, shared with the pickers.

Choice among the eligible, in order (the tie-breaks):
1. fewest open cases (an absolute count, not a share of the cap);
2. idle longest: the oldest last assignment (from the Assignment log); never assigned counts as
   idle longest of all; within one routing run a user just given a case counts as the most recent;
3. lowest user id, so the outcome is deterministic.

A case nobody is eligible for stays NEW with no assignee (the shop's unassigned queue); an
Assignment row with ``to_user`` empty records why, per candidate (who, and what stopped them), and
the case's timeline says the same. Every assignment, automatic or by a supervisor, is on the
timeline too.

``case_reassign`` is the one way a person gives a case to someone (the web form, the API and bulk
assignment all call it): a supervisor of the shop may assign past a full desk or a lapsed
certification with ``override=True`` and a reason, never past the person's role or shop.

Caps under concurrency: the candidate users' rows are locked (``SELECT … FOR UPDATE``, in id order
so two routers cannot deadlock) before their open cases are counted, so two routing transactions
for the same people run one after the other and never push anyone over the cap.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone, translation

from cases.alerts import role_members
from cases.choices import OPEN_STATUSES, CaseStatus, WorkflowAction
from cases.imports.bulk import JsonText, any_of, array_literal, insert_dicts, row_template
from cases.models import Assignment, Case, CaseEvent, Notification
from cases.notifications.choices import NotificationKind
from cases.notifications.messages import build_message
from cases.queries.queue import unassigned_reasons
from cases.routing.eligibility import (
    WORKING_ROLES,
    CertificationCache,
    Standing,
    at_cap,
    certification_problem,
    role_label,
    standing_of,
    uncertified,
    wrong_role,
)
from reviewdesk.access import members_of
from reviewdesk.choices import Role
from reviewdesk.i18n_text import as_text, joined, neutral
from reviewdesk.i18n_text import deferred as _  # every message here may be stored: see explain
from reviewdesk.language import languages_of
from reviewdesk.models import User

# re-exported: their homes are cases.routing.eligibility and cases.queries.queue
__all__ = ["certification_problem", "role_label", "unassigned_reasons"]

NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
REASSIGNERS = (Role.SUPERVISOR, Role.MANAGER)
# Who may assign past a full desk or a lapsed certification (with a reason): the shop's supervisors,
# who own the team's load. A manager assigns within the rules like anyone else.
OVERRIDERS = (Role.SUPERVISOR,)


class RoutingError(StrEnum):
    NOT_ALLOWED = "reassign_not_allowed"
    CASE_CLOSED = "case_closed"
    SAME_ASSIGNEE = "same_assignee"
    NOT_ELIGIBLE = "assignee_not_eligible"
    OVERRIDE_REQUIRED = "override_required"
    OVERRIDE_NOT_ALLOWED = "override_not_allowed"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    STALE = "stale_case"


# Codes that are about who is asking (the API answers them 403).
FORBIDDEN_CODES = frozenset({RoutingError.NOT_ALLOWED, RoutingError.OVERRIDE_NOT_ALLOWED})


@dataclass
class RoutingOutcome:
    assigned: dict[int, int] = field(default_factory=dict)  # case id → user id
    unassigned: dict[int, str] = field(default_factory=dict)  # case id → reason
    # case id → one record per candidate (cases.routing.eligibility.Standing.as_record)
    refusals: dict[int, list[dict]] = field(default_factory=dict)


@dataclass
class _Candidate:
    user_id: int
    name: str
    cap: int
    open_cases: int = 0
    last_assigned: tuple[dt.datetime, int] = (NEVER, 0)

    def sort_key(self):
        return (self.open_cases, self.last_assigned, self.user_id)


def _members(shop_ids: set[int]) -> dict[int, dict[int, set[str]]]:
    """Active members who work cases, per shop: {shop: {user: roles}}, in one query (members of the
    shop or of its active client, as ``cases.alerts.role_members`` reads them)."""
    if not shop_ids:
        return {}
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    pairs = {(shop_id, role) for shop_id in shop_ids for role in WORKING_ROLES}
    for (shop_id, role), user_ids in role_members(pairs).items():
        for user_id in user_ids:
            found[shop_id][user_id].add(role)
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


def explain(role: str, pool_size: int, refused: list[Standing]) -> str:
    """The routing log's sentence: who could have taken the case, and what stopped each of them. A
    ``reviewdesk.i18n_text.Text``: stored language-neutral, read in each reader's language."""
    if not role:
        return _("案件没有处理角色，无法自动分配。")
    if pool_size == 0:
        head = _("店铺没有在职的“%(role)s”成员") % {"role": role_label(role)}
    else:
        head = _("店铺有 %(n)s 名在职“%(role)s”，均不可分配") % {
            "n": pool_size,
            "role": role_label(role),
        }
    if not refused:
        return joined("", [head, "。"])
    return joined("", [head, "：", joined("；", (s.line for s in refused)), "。"])


def route_cases(*, case_ids: list[int], now: dt.datetime | None = None) -> RoutingOutcome:
    """Assign the given NEW, unassigned cases; returns who got what and why the rest did not."""
    now = now or timezone.now()
    outcome = RoutingOutcome()
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(any_of("pk", case_ids, "bigint"), status=CaseStatus.NEW, assignee__isnull=True)
            .order_by("pk")
            .values("pk", "shop_id", "handling_role", "issue_type__code", "first_response_due_at", "version")
        )
        if not cases:
            return outcome
        members = _members({c["shop_id"] for c in cases})
        role_holders = {
            u
            for c in cases
            for u, roles in members.get(c["shop_id"], {}).items()
            if c["handling_role"] in roles
        }
        candidates = _load_candidates(role_holders)
        certified = CertificationCache(User.objects.in_bulk(candidates) if candidates else {})
        names: dict[int, str] = {}  # the other members', read only if a case finds nobody
        explained: dict[tuple, tuple[str, list[dict]]] = {}  # one wording per distinct refusal
        sequence = 0
        versions = {c["pk"]: c["version"] for c in cases}
        # Urgent first: when capacity runs out, the earliest deadline should have taken it.
        for case in sorted(cases, key=lambda c: (c["first_response_due_at"] or now, c["pk"])):
            role, shop_id, code = case["handling_role"], case["shop_id"], case["issue_type__code"]
            shop_members = members.get(shop_id, {})
            pool = [candidates[u] for u, roles in shop_members.items() if role and role in roles]
            eligible, refused = [], []
            for person in sorted(pool, key=lambda p: p.user_id):
                problems = []
                if person.open_cases >= person.cap:
                    problems.append(at_cap(person.open_cases, person.cap))
                reason = certified.problem(person.user_id, shop_id=shop_id, code=code, role=role)
                if reason:
                    problems.append(uncertified(reason))
                if problems:
                    refused.append(
                        Standing(person.user_id, person.name, person.open_cases, person.cap, problems)
                    )
                else:
                    eligible.append(person)
            if not eligible:
                if not pool:  # nobody has the role: say who the shop does have, and why they cannot
                    others = sorted(shop_members)
                    missing = [u for u in others if u not in names]
                    if missing:
                        names.update((pk, str(user)) for pk, user in User.objects.in_bulk(missing).items())
                    refused = [Standing(u, names[u], 0, 0, [wrong_role(role)]) for u in others]
                why = (role, len(pool), tuple(s.line for s in refused))
                if why not in explained:
                    explained[why] = (explain(role, len(pool), refused), [s.as_record() for s in refused])
                outcome.unassigned[case["pk"]], outcome.refusals[case["pk"]] = explained[why]
                continue
            chosen = min(eligible, key=_Candidate.sort_key)
            sequence += 1
            chosen.open_cases += 1
            chosen.last_assigned = (now, sequence)
            outcome.assigned[case["pk"]] = chosen.user_id
        assignees = {pk: c.name for pk, c in candidates.items()}
        _write_outcome(outcome, now=now, versions=versions, names=assignees)
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
                [now, CaseStatus.ASSIGNED, now, array_literal(assigned), array_literal(assigned.values())],
            )
        return
    by_user: dict[int, list[int]] = defaultdict(list)
    for case_id, user_id in assigned.items():
        by_user[user_id].append(case_id)
    for user_id, ids in by_user.items():
        Case.objects.filter(pk__in=ids).update(
            assignee_id=user_id, assigned_at=now, status=CaseStatus.ASSIGNED, version=F("version") + 1
        )


def _write_outcome(
    outcome: RoutingOutcome, *, now: dt.datetime, versions: dict[int, int], names: dict[int, str]
) -> None:
    """The assignments, their log rows and timeline events (COPY on PostgreSQL, see ``insert_dicts``)
    and the assignees' bells."""
    _assign_all(outcome.assigned, now=now)
    template = row_template(Assignment)
    auto = _("自动分配")
    # A refusal's wording is one object per distinct refusal (``route_cases``): its text and its
    # timeline payload are encoded once per wording, not once per case (40,000 cases, a few wordings).
    texts: dict[int, str] = {}
    payloads: dict[tuple[int, int], JsonText] = {}
    nobody: list = []  # the candidates of a case with no refusal record
    for c, r in outcome.unassigned.items():
        if id(r) not in texts:
            texts[id(r)] = as_text(r)  # read back by ``unassigned_reasons`` in the reader's language
        candidates = outcome.refusals.get(c, nobody)
        if (id(r), id(candidates)) not in payloads:
            payload = {"note": neutral(r), "candidates": candidates}
            payloads[(id(r), id(candidates))] = JsonText(json.dumps(payload))
    rows = [
        {**template, "case_id": c, "to_user_id": u, "reason": str(auto), "created_at": now}
        for c, u in outcome.assigned.items()
    ]
    rows += [
        {
            **template,
            "case_id": c,
            "to_user_id": None,
            "reason": texts[id(r)],
            "refusals": outcome.refusals.get(c, []),
            "created_at": now,
        }
        for c, r in outcome.unassigned.items()
    ]
    ids = insert_dicts(Assignment, rows)
    event = {**row_template(CaseEvent), "actor_id": None, "at": now}
    events = [
        {
            **event,
            "case_id": c,
            "action": WorkflowAction.ASSIGN,
            "from_status": CaseStatus.NEW,
            "to_status": CaseStatus.ASSIGNED,
            "version": versions[c] + 1,
            "payload": {"assignee": names.get(u, ""), "note": neutral(auto)},
        }
        for c, u in outcome.assigned.items()
    ]
    events += [
        {
            **event,
            "case_id": c,
            "action": WorkflowAction.NOT_ROUTED,
            "from_status": CaseStatus.NEW,
            "to_status": CaseStatus.NEW,
            "version": versions[c],
            "payload": payloads[(id(r), id(outcome.refusals.get(c, nobody)))],
        }
        for c, r in outcome.unassigned.items()
    ]
    insert_dicts(CaseEvent, events)
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
    from cases.alerts import case_contexts

    contexts = case_contexts({row.case_id for row in rows})
    languages = languages_of({row.to_user_id for row in rows})  # each assignee reads their own language
    notifications = []
    for row in rows:
        context = {
            k: v
            for k, v in contexts[row.case_id].items()
            if k in ("case_id", "case_path", "shop_name", "issue_type", "due_at", "tier_name")
        }
        with translation.override(languages.get(row.to_user_id, settings.LANGUAGE_CODE)):
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
    return unassigned_reasons([case_id]).get(case_id)


def _may_assign(by: User, shop_id: int, roles) -> bool:
    from reviewdesk.roles import user_roles

    return (
        by.is_active
        and bool(set(user_roles(by)) & {str(r) for r in roles})
        and User.objects.filter(pk=by.pk, pk__in=members_of([shop_id])).exists()
    )


def may_override(by: User, shop_id: int) -> bool:
    """May ``by`` assign this shop's cases past a full desk or a lapsed certification?"""
    return _may_assign(by, shop_id, OVERRIDERS)


def _refuse_target(standing: Standing, *, by: User, shop_id: int, override: bool, reason: str) -> list:
    """None to go ahead: the refusals the override waives (empty when the person is eligible).
    Raises the refusal otherwise."""
    if standing.eligible:
        return []
    why = _("%(name)s不能接这个案件：%(reason)s。") % {"name": standing.name, "reason": standing.reason}
    if not standing.overridable:
        raise ValidationError(why, code=RoutingError.NOT_ELIGIBLE)
    if not override:
        raise ValidationError(
            why + _("客服主管可以勾选“越权分配”并写明原因后分配。"), code=RoutingError.OVERRIDE_REQUIRED
        )
    if not may_override(by, shop_id):
        raise ValidationError(
            why + _("只有本店铺的客服主管可以越权分配。"), code=RoutingError.OVERRIDE_NOT_ALLOWED
        )
    if not reason:
        raise ValidationError(
            _("越权分配必须写明原因（%(reason)s）。") % {"reason": standing.reason},
            code=RoutingError.OVERRIDE_REASON_REQUIRED,
        )
    return standing.refusals


def case_reassign(*, case: Case, user: User, by: User, reason: str = "", override: bool = False) -> Case:
    """A supervisor or manager of the shop gives the case (unassigned or not) to another user.

    The one assign path of the web form, the API and bulk assignment. The user must be eligible
    (``cases.routing.eligibility``); past a full desk or a lapsed certification only with
    ``override=True``, a reason, and by a supervisor of the shop (``OVERRIDERS``). Checks, the case
    update (optimistic: ``WHERE version = …``), the Assignment history row and the timeline event are
    one transaction; the new assignee's bell notification is written in it too.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        if not _may_assign(by, case.shop_id, REASSIGNERS):
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
        standing = standing_of(case=current, user=user)
        waived = _refuse_target(standing, by=by, shop_id=current.shop_id, override=override, reason=reason)
        now = timezone.now()
        default_reason = _("主管改派")
        new_status = CaseStatus.ASSIGNED if current.status == CaseStatus.NEW else current.status
        updated = Case.objects.filter(pk=current.pk, version=current.version).update(
            assignee=user, assigned_at=now, status=new_status, version=F("version") + 1
        )
        if updated != 1:
            raise ValidationError(_("案件已被他人修改，请刷新后重试。"), code=RoutingError.STALE)
        overridden = [{"problem": str(r.code), "reason": r.text} for r in waived]
        row = Assignment.objects.create(
            case=current,
            from_user_id=current.assignee_id,
            to_user=user,
            by=by,
            reason=reason or str(default_reason),
            overridden=overridden,
            created_at=now,
        )
        payload = {"assignee": standing.name, "note": reason or neutral(default_reason)}
        if current.assignee_id:
            payload["previous_assignee"] = str(current.assignee)
        if waived:
            payload["override"] = [
                neutral(_("%(name)s：%(reason)s") % {"name": standing.name, "reason": r.text}) for r in waived
            ]
        CaseEvent.objects.create(
            case=current,
            actor=by,
            action=WorkflowAction.ASSIGN,
            from_status=current.status,
            to_status=new_status,
            version=current.version + 1,
            payload=payload,
            at=now,
        )
        _notify_assignees([row])
    current.refresh_from_db()
    return current


@dataclass
class BulkOutcome:
    assigned: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # case id → why


def cases_assign_bulk(
    *, cases: list[Case], user: User, by: User, reason: str = "", override: bool = False
) -> BulkOutcome:
    """Give each case to ``user`` through ``case_reassign`` (the same rules, one case at a time, in the
    order given): a case refused (the desk filled up on the way, the person is not in its shop …) is
    reported and the others go ahead. Each case is its own transaction."""
    outcome = BulkOutcome()
    for case in cases:
        try:
            case_reassign(case=case, user=user, by=by, reason=reason, override=override)
        except ValidationError as error:
            outcome.refused[case.pk] = " ".join(error.messages)
        else:
            outcome.assigned.append(case.pk)
    return outcome
