"""The case workflow as one explicit table: from which states each action may run, where it leads,
which roles may run it, and which guards must hold (conventions rule 2, docs/conventions.md).

A row's ``to_state`` of None means the action records something without moving the case. An action
may have several rows with disjoint ``from_states`` (e.g. ``close`` of a resolved case by its agent,
of an unresolved one only by a supervisor). Guards are named here and implemented in
``cases.workflow.guards``; the services in ``cases.workflow.services*`` check the row, then its
guards, then write. ``allowed_actions`` / ``explain_refusal`` answer from the same table, so the UI
and the API can never offer what the server would refuse (guards needing input, e.g. the compliance
of a reply text, are checked only when the action runs).
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import CaseStatus as S
from cases.choices import WorkflowAction as A
from reviewdesk.choices import Role


@dataclass(frozen=True)
class Transition:
    from_states: frozenset[str]
    action: str
    to_state: str | None  # None = the case stays in its state
    roles: frozenset[str]
    guards: tuple[str, ...] = ()

    @property
    def guard(self) -> str:
        """The guards as one name (for display), e.g. "assignee+contacted"."""
        return "+".join(self.guards)


def _t(from_states, action, to_state, roles, *guards) -> Transition:
    return Transition(
        frozenset(map(str, from_states)),
        str(action),
        None if to_state is None else str(to_state),
        frozenset(map(str, roles)),
        tuple(guards),
    )


AGENT_SIDE = (Role.AGENT, Role.SUPERVISOR, Role.MANAGER)
EVERYONE = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.MANAGER)
APPROVERS = (Role.SUPERVISOR, Role.LEGAL, Role.MANAGER)  # the offer's approval role (or manager) decides
OVERSEERS = (Role.SUPERVISOR, Role.MANAGER)
APPEAL_SIDE = (Role.LEGAL, Role.SUPERVISOR, Role.MANAGER)

# Where the agent works with the buyer before responsibility is known.
EARLY = (S.ASSIGNED, S.IN_PROGRESS, S.WAITING_BUYER)
# Open states after the first contact in which the buyer may still write back.
TALKING = (S.IN_PROGRESS, S.WAITING_BUYER, S.VERIFIED, S.PENDING_APPROVAL, S.OFFERED, S.AGREED)
OPEN_WORKED = (S.ASSIGNED, *TALKING, S.MALICIOUS, S.APPEALING)

TRANSITIONS: tuple[Transition, ...] = (
    _t([S.NEW, S.ASSIGNED], A.CLAIM, S.ASSIGNED, EVERYONE, "claimable"),
    _t(EARLY, A.RECORD_CONTACT, S.WAITING_BUYER, AGENT_SIDE, "assignee", "contact_limit"),
    _t(
        [S.VERIFIED, S.PENDING_APPROVAL, S.OFFERED, S.AGREED, S.MALICIOUS, S.APPEALING],
        A.RECORD_CONTACT,
        None,
        EVERYONE,
        "assignee",
        "contact_limit",
    ),
    _t([S.WAITING_BUYER], A.BUYER_REPLIED, S.IN_PROGRESS, AGENT_SIDE, "assignee", "contacted"),
    _t(
        [S.IN_PROGRESS, S.VERIFIED, S.PENDING_APPROVAL, S.OFFERED, S.AGREED],
        A.BUYER_REPLIED,
        None,
        AGENT_SIDE,
        "assignee",
        "contacted",
    ),
    _t(
        [S.IN_PROGRESS, S.WAITING_BUYER, S.VERIFIED],
        A.VERIFY,
        S.VERIFIED,
        AGENT_SIDE,
        "assignee",
        "contacted",
        "note",
    ),
    _t([S.IN_PROGRESS, S.WAITING_BUYER, S.VERIFIED], A.OFFER, S.OFFERED, AGENT_SIDE, "assignee", "verified"),
    _t(
        [S.IN_PROGRESS, S.WAITING_BUYER, S.VERIFIED],
        A.REQUEST_APPROVAL,
        S.PENDING_APPROVAL,
        AGENT_SIDE,
        "assignee",
        "verified",
    ),
    _t([S.PENDING_APPROVAL], A.APPROVE, S.OFFERED, APPROVERS, "approver"),
    _t([S.PENDING_APPROVAL], A.REJECT, S.VERIFIED, APPROVERS, "approver", "note"),
    _t([S.OFFERED], A.BUYER_ACCEPTS, S.AGREED, AGENT_SIDE, "assignee"),
    _t([S.OFFERED], A.BUYER_DECLINES, S.VERIFIED, AGENT_SIDE, "assignee"),
    _t([*OPEN_WORKED, S.RESOLVED], A.PUBLIC_REPLY, None, EVERYONE, "assignee", "reply_allowed"),
    _t([S.VERIFIED, S.AGREED], A.RESOLVE, S.RESOLVED, AGENT_SIDE, "assignee", "verified", "resolve_blockers"),
    _t([S.MALICIOUS], A.RESOLVE, S.RESOLVED, APPEAL_SIDE, "note", "resolve_blockers"),
    _t([*EARLY, S.VERIFIED], A.MARK_MALICIOUS, S.MALICIOUS, EVERYONE, "assignee", "note"),
    _t([S.MALICIOUS], A.FILE_APPEAL, S.APPEALING, APPEAL_SIDE, "appeal_allowed"),
    _t([S.APPEALING], A.APPEAL_OUTCOME, S.RESOLVED, APPEAL_SIDE),
    _t([S.RESOLVED], A.CLOSE, S.CLOSED, AGENT_SIDE, "assignee"),
    _t([S.NEW, *OPEN_WORKED], A.CLOSE, S.CLOSED, OVERSEERS, "note"),
    _t([S.RESOLVED, S.CLOSED], A.REOPEN, S.IN_PROGRESS, OVERSEERS, "note"),
)

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def transition_for(action: str, status: str) -> Transition | None:
    """The row for running ``action`` on a case in ``status`` (None: the action is not possible there)."""
    return _INDEX.get((str(action), str(status)))


def transitions_for(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == str(action)]


def _index() -> dict[tuple[str, str], Transition]:
    index: dict[tuple[str, str], Transition] = {}
    for row in TRANSITIONS:
        for state in row.from_states:
            if (row.action, state) in index:  # the table must be unambiguous
                raise ValueError(f"two transitions for {row.action} from {state}")
            index[(row.action, state)] = row
    return index


_INDEX = _index()


# --- What may this user do now? -------------------------------------------------------------------


def refusal_for(case, user, action: str, data: dict | None = None):
    """The first reason ``user`` may not run ``action`` on ``case`` now (a guards.Refusal), or None.

    Order: the state (INVALID_TRANSITION), the role (ROLE_NOT_ALLOWED), then the row's guards. With
    ``data`` None, guards that need input hold.
    """
    from django.utils.translation import gettext as _

    from cases.choices import WorkflowAction
    from cases.errors import WorkflowError as E
    from cases.workflow.guards import Refusal, check_guards, roles_of

    try:
        label = str(WorkflowAction(action).label)
    except ValueError:
        return Refusal(E.INVALID_TRANSITION, _("未知动作“%(action)s”。"), {"action": action})
    row = transition_for(action, case.status)
    if row is None:
        return Refusal(
            E.INVALID_TRANSITION,
            _("案件当前状态为“%(status)s”，不能“%(action)s”。"),
            {"status": str(case.get_status_display()), "action": label},
        )
    roles = roles_of(user)
    if not roles & row.roles:
        from reviewdesk.choices import Role

        names = "、".join(str(Role(r).label) for r in sorted(row.roles))
        return Refusal(
            E.ROLE_NOT_ALLOWED, _("只有%(roles)s可以“%(action)s”。"), {"roles": names, "action": label}
        )
    return check_guards(row.guards, case, user, roles, data)


def allowed_actions(case, user) -> list[str]:
    """The actions (WorkflowAction values, table order) the UI/API may offer ``user`` on ``case`` now."""
    return [action for action in ACTIONS if refusal_for(case, user, action) is None]


def explain_refusal(case, user, action: str, data: dict | None = None) -> str | None:
    """Why ``action`` is refused (a translated sentence), or None when it is allowed."""
    refusal = refusal_for(case, user, action, data)
    return None if refusal is None else refusal.message % refusal.params
