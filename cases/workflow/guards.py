"""The guards the transition table names: each returns None (holds) or a refusal (code + message).

Static guards read only the case row and the user, so ``allowed_actions`` can ask them for a whole
page of cases without queries (the one exception: ``approver`` reads the pending offer, one query and
only for a case pending approval). Guards that need the action's input (a note, a reply text) or the
policy (contact limits, reply window) are checked by the services when the action runs; asked
without input they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.errors import WorkflowError as E
from reviewdesk.choices import Role
from reviewdesk.roles import user_roles

# Roles that may act on any case of their shops, not only on the cases assigned to them.
OVERSEEING_ROLES = frozenset({str(Role.SUPERVISOR), str(Role.MANAGER), str(Role.LEGAL)})


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    params: dict = field(default_factory=dict)


def roles_of(user) -> set[str]:
    if getattr(user, "is_superuser", False):
        return {str(r) for r in Role}
    return set(user_roles(user))


def _claimable(case, user, roles, data) -> Refusal | None:
    if case.assignee_id is not None:
        return Refusal(
            E.ALREADY_CLAIMED, _("案件已由%(name)s处理，不能再认领。"), {"name": str(case.assignee)}
        )
    return None


def _assignee(case, user, roles, data) -> Refusal | None:
    if case.assignee_id == user.pk or roles & OVERSEEING_ROLES:
        return None
    if case.assignee_id is None:
        return Refusal(E.NOT_ASSIGNEE, _("请先认领案件再操作。"))
    return Refusal(E.NOT_ASSIGNEE, _("只有案件处理人(或主管)可以操作此案件。"))


def _contacted(case, user, roles, data) -> Refusal | None:
    if case.contact_attempts or case.first_responded_at:
        return None
    return Refusal(E.NOT_CONTACTED, _("请先私下联系买家并记录联系。"))


def _verified(case, user, roles, data) -> Refusal | None:
    if case.verified_at is not None:
        return None
    return Refusal(E.NOT_VERIFIED, _("核实责任之前不能提出补偿方案或结案。"))


def _note(case, user, roles, data) -> Refusal | None:
    if data is None or str(data.get("note") or "").strip():
        return None
    return Refusal(E.NOTE_REQUIRED, _("请填写说明。"))


def pending_offer(case):
    """The newest offer of the case waiting for approval (read once per case object)."""
    if "_pending_offer" not in case.__dict__:
        case._pending_offer = (
            case.offers.filter(status="pending_approval").order_by("-requested_at", "-pk").first()
        )
    return case._pending_offer


def approver_refusal(offer, user, roles) -> Refusal | None:
    """Four eyes: not the requester, and the offer's approval role (or a manager)."""
    from policies.engine.timing import role_label

    if offer.requested_by_id == user.pk:
        return Refusal(
            E.SELF_APPROVAL,
            _("不能审批自己提出的方案，请由其他%(role)s审批。"),
            {"role": role_label(offer.approval_role)},
        )
    if offer.approval_role not in roles and str(Role.MANAGER) not in roles:
        return Refusal(
            E.ROLE_NOT_ALLOWED,
            _("此方案需要%(role)s(或运营经理)审批。"),
            {"role": role_label(offer.approval_role)},
        )
    return None


def _approver(case, user, roles, data) -> Refusal | None:
    offer = pending_offer(case)  # one query, only for a case pending approval
    if offer is None:
        return Refusal(E.BAD_CHOICE, _("没有找到待处理的补偿方案。"))
    return approver_refusal(offer, user, roles)


def _reply_allowed(case, user, roles, data) -> Refusal | None:
    windows = case.decision_windows or {}
    if windows.get("reply_allowed") is False:
        return Refusal(E.REPLY_NOT_ALLOWED, _("本平台规则不允许回复此评价(例如买家已追评)。"))
    return None


def _appeal_allowed(case, user, roles, data) -> Refusal | None:
    windows = case.decision_windows or {}
    if windows.get("appeal_allowed") is False:
        return Refusal(E.APPEAL_NOT_ALLOWED, _("本平台规则不支持申诉此评价。"))
    return None


def _later(case, user, roles, data) -> Refusal | None:
    return None


def _resolve_blockers(case, user, roles, data) -> Refusal | None:
    """What a higher app says keeps the case from being resolved (``cases.hooks.resolve_blockers``, e.g.
    an unanswered blocking work order). Asked only when the action runs (it reads other tables), so the
    queue's ``allowed_actions`` stay query-free: the button shows, the click explains."""
    if data is None:
        return None
    from cases.hooks import resolve_blockers

    for check in resolve_blockers.all():
        blocked = check(case)
        if blocked is not None:
            return Refusal(blocked[0], blocked[1])
    return None


GUARDS = {
    "claimable": _claimable,
    "assignee": _assignee,
    "contacted": _contacted,
    "verified": _verified,
    "note": _note,
    "approver": _approver,
    "reply_allowed": _reply_allowed,
    "appeal_allowed": _appeal_allowed,
    "contact_limit": _later,  # policy-dependent: cases.workflow.contact checks it
    "resolve_blockers": _resolve_blockers,
}


def check_guards(names, case, user, roles, data) -> Refusal | None:
    for name in names:
        refusal = GUARDS[name](case, user, roles, data)
        if refusal is not None:
            return refusal
    return None
