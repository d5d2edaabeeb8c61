"""Compensation: offer an option the engine computed (only after verification), approval above the
cap by someone else holding the rule's approval role, and the buyer's answer. Every offer, its cost
and the answer are rows of CompensationOffer (the acceptance-per-option report reads them)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import OfferStatus
from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Case, CompensationOffer
from cases.notifications.choices import NotificationKind
from cases.workflow.compose import offer_options
from cases.workflow.core import begin, commit, emit, refusal_error, refuse
from cases.workflow.guards import approver_refusal, roles_of
from cases.workflow.table import transition_for
from reviewdesk.choices import Role
from reviewdesk.i18n_text import as_text, neutral


def _option(case: Case, option_id):
    options = offer_options(case)
    for option in options:
        if str(option.option_id) == str(option_id):
            return option
    names = "、".join(o.name for o in options) or _("无")
    raise refuse(E.UNKNOWN_OPTION, _("方案不在本案可选的补偿方案中(可选：%(names)s)。"), names=names)


def _record(case: Case, option, *, status: str, by, now, approval_role: str = "") -> CompensationOffer:
    return CompensationOffer.objects.create(
        case=case,
        option_id=option.option_id,
        option_name=option.name,
        option_kind=option.kind,
        rule_ref=option.rule.as_dict(),
        amount=option.amount,
        cost=option.cost,
        requires_approval=status == OfferStatus.PENDING_APPROVAL,
        approval_role=approval_role,
        reason=as_text(option.reason),  # language-neutral: each reader sees it in their language
        status=status,
        requested_by=by,
        requested_at=now,
    )


def _offer_payload(offer: CompensationOffer, note: str = "") -> dict:
    return {
        "offer_id": offer.pk,
        "option_id": offer.option_id,
        "option": offer.option_name,
        "kind": offer.option_kind,
        "amount": offer.amount,
        "cost": offer.cost,
        "status": offer.status,
        "approval_role": offer.approval_role,
        "note": note or "",
    }


def _offer_event(event: str, offer: CompensationOffer):
    """After commit: send ``cases.signals.case_event`` (the insights offers rollup counts offers and answers)."""
    return emit(event, offer.case_id, {"offer_id": offer.pk, "status": offer.status})


def _notify(
    kind: str,
    offer: CompensationOffer,
    *,
    user_ids=None,
    role: str = "",
    person,
    decision=None,
    reason=None,
):
    """After commit: a bell notification about ``offer`` to ``user_ids`` or to the shop's ``role`` members.

    ``decision`` and ``reason`` may be lazy or callables: each recipient's message renders them in their
    own language (``cases.alerts.notify``), not in the language of whoever acted."""

    def run() -> None:
        from cases.alerts import Alert, case_contexts, notify, role_members

        case = case_contexts([offer.case_id])[offer.case_id]
        users = set(user_ids or ()) or role_members([(case["_shop_id"], role)]).get(
            (case["_shop_id"], role), set()
        )
        users.discard(person.pk)  # never ask the requester to approve their own offer
        context = {
            "case_id": offer.case_id,
            "case_path": case["case_path"],
            "shop_name": case["shop_name"],
            "option": offer.option_name,
            "amount": f"{offer.cost:.2f}",
            "assignee": str(person),
            "decision": decision or "",
            "reason": (lambda: _plain_reason(reason)[:200]),
        }
        if users:
            notify(
                [
                    Alert(
                        kind=kind,
                        shop_id=case["_shop_id"],
                        case_id=offer.case_id,
                        user_ids=users,
                        context=context,
                        dedupe_key=f"{kind}:{offer.pk}",
                    )
                ]
            )

    return run


def _plain_reason(reason) -> str:
    reason = reason() if callable(reason) else reason
    return "" if reason is None else str(reason)


def _option_reason(case: Case, option):
    """The engine's reason for ``option``, computed again in the active language (the recipient's): the
    reason the requester saw was rendered in theirs."""

    def render() -> str:
        for candidate in offer_options(case):
            if str(candidate.option_id) == str(option.option_id):
                return candidate.reason
        return option.reason

    return render


def _request(case: Case, option, *, by, version: int, note: str, now: dt.datetime) -> Case:
    role = option.approval_role or str(Role.SUPERVISOR)
    row = transition_for(A.REQUEST_APPROVAL, case.status)
    offer = _record(case, option, status=OfferStatus.PENDING_APPROVAL, by=by, now=now, approval_role=role)
    commit(
        case=case,
        by=by,
        version=version,
        action=A.REQUEST_APPROVAL,
        to_state=row.to_state,
        now=now,
        payload=_offer_payload(offer, note) | {"reason": neutral(option.reason)},
        after_commit=[
            _offer_event("offer_made", offer),
            _notify(
                NotificationKind.APPROVAL_REQUESTED,
                offer,
                role=role,
                person=by,
                reason=_option_reason(case, option),
            ),
        ],
    )
    return case


def case_offer(
    *, case_id: int, by, version: int, option_id=None, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Offer one of the case's options; one that requires approval becomes an approval request."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.OFFER)
        option = _option(case, option_id)
        if option.requires_approval:
            return _request(case, option, by=by, version=version, note=note, now=now)
        offer = _record(case, option, status=OfferStatus.OFFERED, by=by, now=now)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.OFFER,
            to_state=row.to_state,
            now=now,
            payload=_offer_payload(offer, note),
            after_commit=[_offer_event("offer_made", offer)],
        )
    return case


def case_request_approval(
    *, case_id: int, by, version: int, option_id=None, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Put an option up for approval (the rule's approval role, else a supervisor) before offering it."""
    now = now or timezone.now()
    with transaction.atomic():
        case, _row = begin(case_id=case_id, by=by, version=version, action=A.REQUEST_APPROVAL)
        return _request(case, _option(case, option_id), by=by, version=version, note=note, now=now)


def _pending(case: Case, offer_id, status: str) -> CompensationOffer:
    offers = case.offers.filter(status=status).order_by("-requested_at", "-pk")
    offer = offers.filter(pk=offer_id).first() if offer_id not in (None, "") else offers.first()
    if offer is None:
        raise refuse(E.BAD_CHOICE, _("没有找到待处理的补偿方案。"))
    return offer


def _check_approver(offer: CompensationOffer, by) -> None:
    refusal = approver_refusal(offer, by, roles_of(by))
    if refusal is not None:
        raise refusal_error(refusal)


def _decide(*, case_id, by, version, offer_id, note, now, action: str, status: str) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=action, data={"note": note})
        offer = _pending(case, offer_id, OfferStatus.PENDING_APPROVAL)
        _check_approver(offer, by)
        offer.status, offer.approved_by, offer.approved_at, offer.approval_note = (
            status,
            by,
            now,
            (note or "").strip(),
        )
        offer.save(update_fields=["status", "approved_by", "approved_at", "approval_note"])
        decision = gettext_lazy("已批准") if status == OfferStatus.OFFERED else gettext_lazy("已驳回")
        notice = _notify(
            NotificationKind.APPROVAL_DECIDED,
            offer,
            user_ids={offer.requested_by_id},
            person=by,
            decision=decision,
            reason=offer.approval_note,
        )
        commit(
            case=case,
            by=by,
            version=version,
            action=action,
            to_state=row.to_state,
            now=now,
            payload=_offer_payload(offer, note) | {"offer_status": [OfferStatus.PENDING_APPROVAL, status]},
            after_commit=[notice],
        )
    return case


def _answer(*, case_id, by, version, offer_id, note, now, action: str, status: str) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=action)
        offer = _pending(case, offer_id, OfferStatus.OFFERED)
        offer.status, offer.buyer_answer, offer.answered_at = status, status, now
        offer.save(update_fields=["status", "buyer_answer", "answered_at"])
        commit(
            case=case,
            by=by,
            version=version,
            action=action,
            to_state=row.to_state,
            now=now,
            payload=_offer_payload(offer, note) | {"offer_status": [OfferStatus.OFFERED, status]},
            after_commit=[_offer_event("offer_answered", offer)],
        )
    return case


def _offer_service(step, action: str, status: str, doc: str):
    """The public service of one decision on a pending offer: ``step`` (``_decide`` or ``_answer``)
    with the action and the offer's new status fixed. The signature is written out, not ``**kwargs``,
    because ``case_act`` and the action-spec tests read the service's parameters."""

    def service(
        *, case_id: int, by, version: int, offer_id=None, note: str = "", now: dt.datetime | None = None
    ) -> Case:
        return step(
            case_id=case_id,
            by=by,
            version=version,
            offer_id=offer_id,
            note=note,
            now=now,
            action=action,
            status=status,
        )

    service.__name__ = service.__qualname__ = f"case_{action!s}"
    service.__doc__ = doc
    return service


case_approve = _offer_service(
    _decide,
    A.APPROVE,
    OfferStatus.OFFERED,
    "Approve the pending offer: it is offered to the buyer. Not by its requester.",
)
case_reject = _offer_service(
    _decide,
    A.REJECT,
    OfferStatus.REJECTED,
    "Reject the pending offer (with a reason): the case goes back to verified for another option.",
)
case_buyer_accepts = _offer_service(
    _answer, A.BUYER_ACCEPTS, OfferStatus.ACCEPTED, "The buyer accepts the offer made to them."
)
case_buyer_declines = _offer_service(
    _answer, A.BUYER_DECLINES, OfferStatus.DECLINED, "The buyer declines the offer made to them."
)
