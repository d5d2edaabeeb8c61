"""Who may take a case, and if not, why — one answer for routing, the pickers and every assign path.

A person's standing for a case is their load (open cases / cap) and the list of problems that stop
them taking it, each with a stable code and a sentence for people:

* ``inactive``: the account is disabled;
* ``wrong_role``: the person lacks the case's handling role (e.g. not an agent);
* ``not_member``: the person does not reach the case's shop (no membership of it nor of its client);
* ``at_cap``: the person already has as many open cases as their cap ("在办已达上限 30/30");
* ``certification``: a ``cases.hooks.certification_checks`` hook refused (lapsed, missing or below the
  threshold; the hook's own sentence, which names the module and the date).

The first three are facts about who the person is: nobody may assign past them. The last two are
about the moment (a full desk, a lapsed exam): a supervisor of the shop may assign past them with an
explicit override and a reason (``cases.routing.assign.case_reassign``), recorded on the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count
from django.utils.translation import gettext

from cases.choices import OPEN_STATUSES
from cases.hooks import certification_checks
from cases.models import Case
from reviewdesk.access import members_of
from reviewdesk.choices import Role
from reviewdesk.i18n_text import deferred as _
from reviewdesk.i18n_text import joined, label, neutral, trimmed
from reviewdesk.models import User

# The roles cases are routed to (a case's handling role is one of these); the pickers list them.
WORKING_ROLES = (str(Role.AGENT), str(Role.LEGAL), str(Role.SUPERVISOR))


class Problem(StrEnum):
    INACTIVE = "inactive"
    WRONG_ROLE = "wrong_role"
    NOT_MEMBER = "not_member"
    AT_CAP = "at_cap"
    CERTIFICATION = "certification"


# What a supervisor may assign past, with an explicit override and a reason.
OVERRIDABLE = frozenset({Problem.AT_CAP, Problem.CERTIFICATION})


def role_label(role: str) -> str:
    try:
        return label(Role(role).label)
    except ValueError:
        return role


@dataclass(frozen=True)
class Refusal:
    code: Problem
    text: str  # the reason without the person's name: a ``reviewdesk.i18n_text.Text`` (any language)

    @property
    def overridable(self) -> bool:
        return self.code in OVERRIDABLE


@dataclass
class Standing:
    """One person for one case: their load and what (if anything) stops them taking it."""

    user_id: int
    name: str
    open_cases: int
    cap: int
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.refusals

    @property
    def overridable(self) -> bool:
        """Not eligible, but only for reasons a supervisor may override."""
        return bool(self.refusals) and all(r.overridable for r in self.refusals)

    @property
    def load(self) -> str:
        return f"{self.open_cases}/{self.cap}"

    @property
    def reason(self) -> str:
        return joined("，", (r.text for r in self.refusals))

    @property
    def line(self) -> str:
        """The person and why ("张三（在办已达上限 30/30）"), as the timeline and the queue show it."""
        return joined("", [self.name, "（", self.reason, "）"]) if self.refusals else self.name

    @property
    def label(self) -> str:
        """The picker's option: "张三 · 12/30", then the reason for anyone who may not take the case."""
        label = f"{self.name} · {self.load}"
        if not self.refusals:
            return label
        if self.overridable:
            return gettext("%(label)s — %(reason)s（需越权分配）") % {"label": label, "reason": self.reason}
        return f"{label} — {self.reason}"

    def as_record(self) -> dict:
        """What the routing log keeps per candidate (plain JSON; the reason language-neutral)."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "load": self.load,
            "problems": [str(r.code) for r in self.refusals],
            "reason": neutral(self.reason),
        }


def inactive() -> Refusal:
    return Refusal(Problem.INACTIVE, _("账号已停用"))


def wrong_role(role: str) -> Refusal:
    if not role:
        return Refusal(Problem.WRONG_ROLE, _("案件没有处理角色"))
    return Refusal(Problem.WRONG_ROLE, _("没有“%(role)s”角色") % {"role": role_label(role)})


def not_member() -> Refusal:
    return Refusal(Problem.NOT_MEMBER, _("不是本店铺成员"))


def at_cap(open_cases: int, cap: int) -> Refusal:
    return Refusal(Problem.AT_CAP, _("在办已达上限 %(open)s/%(cap)s") % {"open": open_cases, "cap": cap})


def uncertified(reason: str) -> Refusal:
    # The hook's sentence loses its full stop: it is quoted inside a longer one (in every reader's language).
    reason = trimmed(reason)
    return Refusal(Problem.CERTIFICATION, _("认证未通过：%(reason)s") % {"reason": reason})


def certification_problem(
    user: User, *, shop_id: int, issue_type_code: str | None, handling_role: str
) -> str | None:
    for check in certification_checks.all():
        problem = check(user, shop_id=shop_id, issue_type_code=issue_type_code, handling_role=handling_role)
        if problem:
            return problem  # a text that may carry its language-neutral form (reviewdesk.i18n_text)
    return None


class CertificationCache:
    """Ask the hooks once per (user, shop, issue type, role), and not at all when none is registered."""

    def __init__(self, users: dict[int, User]):
        self.users = users
        self.active = bool(certification_checks.all())
        self.answers: dict[tuple, str | None] = {}

    def problem(self, user_id: int, *, shop_id: int, code: str | None, role: str) -> str | None:
        if not self.active:
            return None
        key = (user_id, shop_id, code, role)
        if key not in self.answers:
            self.answers[key] = certification_problem(
                self.users[user_id], shop_id=shop_id, issue_type_code=code, handling_role=role
            )
        return self.answers[key]


def refusals_for(
    *,
    is_active: bool,
    roles: set[str],
    shop_ids: set[int],
    open_cases: int,
    cap: int,
    case_shop_id: int,
    handling_role: str,
    certification: callable,
) -> list[Refusal]:
    """Every problem, in order; the identity problems first and alone (nothing else matters then).
    ``certification()`` is called only when the person could otherwise take the case."""
    identity = []
    if not is_active:
        identity.append(inactive())
    if not handling_role or handling_role not in roles:
        identity.append(wrong_role(handling_role))
    if case_shop_id not in shop_ids:
        identity.append(not_member())
    if identity:
        return identity
    found = []
    if open_cases >= cap:
        found.append(at_cap(open_cases, cap))
    problem = certification()
    if problem:
        found.append(uncertified(problem))
    return found


def open_counts(user_ids, *, exclude_case_id: int | None = None) -> dict[int, int]:
    cases = Case.objects.filter(assignee_id__in=list(user_ids), status__in=OPEN_STATUSES)
    if exclude_case_id is not None:
        cases = cases.exclude(pk=exclude_case_id)
    return dict(cases.values("assignee_id").annotate(n=Count("pk")).values_list("assignee_id", "n"))


def issue_code(case: Case) -> str | None:
    """The case's issue type code (no query when the issue type is already loaded)."""
    if not case.issue_type_id:
        return None
    if "issue_type" in case._state.fields_cache:
        return case.issue_type.code
    from policies.models import IssueType

    return IssueType.objects.filter(pk=case.issue_type_id).values_list("code", flat=True).first()


def standing_of(*, case: Case, user: User) -> Standing:
    """One person for one case, read now (a handful of queries; the caller holds the locks it needs)."""
    roles = set(user.groups.values_list("name", flat=True))
    member = User.objects.filter(pk=user.pk, pk__in=members_of([case.shop_id])).exists()
    shop_ids = {case.shop_id} if member else set()
    open_cases = open_counts([user.pk], exclude_case_id=case.pk).get(user.pk, 0)
    code = issue_code(case)
    cache = CertificationCache({user.pk: user})
    return Standing(
        user_id=user.pk,
        name=str(user),
        open_cases=open_cases,
        cap=user.max_open_cases,
        refusals=refusals_for(
            is_active=user.is_active,
            roles=roles,
            shop_ids=shop_ids,
            open_cases=open_cases,
            cap=user.max_open_cases,
            case_shop_id=case.shop_id,
            handling_role=case.handling_role,
            certification=lambda: cache.problem(
                user.pk, shop_id=case.shop_id, code=code, role=case.handling_role
            ),
        ),
    )


def picker_order(standing: Standing) -> tuple:
    """Eligible first (least loaded first), then those a supervisor may override, then the rest."""
    rank = 0 if standing.eligible else 1 if standing.overridable else 2
    return (rank, standing.open_cases, standing.name, standing.user_id)


def standings_for_case(*, case: Case, shop_ids) -> list[Standing]:
    """Everyone who works cases in ``shop_ids`` (the picker's people), each with their standing for
    ``case``, in picker order. Four queries plus the certification hooks' own (once per person)."""
    rows = User.objects.filter(
        pk__in=members_of(list(shop_ids)), is_active=True, groups__name__in=WORKING_ROLES
    ).values_list("pk", flat=True)
    users = User.objects.in_bulk(set(rows))
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in User.groups.through.objects.filter(user_id__in=list(users)).values_list(
        "user_id", "group__name"
    ):
        roles[user_id].add(role)
    memberships: dict[int, set[int]] = defaultdict(set)
    for user_id in (
        User.objects.filter(pk__in=list(users))
        .filter(pk__in=members_of([case.shop_id]))
        .values_list("pk", flat=True)
    ):
        memberships[user_id].add(case.shop_id)
    counts = open_counts(users, exclude_case_id=case.pk)
    cache = CertificationCache(users)
    code = issue_code(case)
    result = []
    for user_id, user in users.items():
        open_cases = counts.get(user_id, 0)
        result.append(
            Standing(
                user_id=user_id,
                name=str(user),
                open_cases=open_cases,
                cap=user.max_open_cases,
                refusals=refusals_for(
                    is_active=user.is_active,
                    roles=roles[user_id],
                    shop_ids=memberships[user_id],
                    open_cases=open_cases,
                    cap=user.max_open_cases,
                    case_shop_id=case.shop_id,
                    handling_role=case.handling_role,
                    certification=lambda user_id=user_id: cache.problem(
                        user_id, shop_id=case.shop_id, code=code, role=case.handling_role
                    ),
                ),
            )
        )
    return sorted(result, key=picker_order)
