"""The case workflow's services: ``case_act`` (the one entry UI and API call) and one service per action.

Every service is keyword-only, runs in one transaction, checks the transition table
(``cases.workflow.table``: state → role → guards), moves the case optimistically
(``UPDATE … WHERE version = <the version the user saw>``) and writes a ``CaseEvent`` (actor, action,
from → to, version, payload with before → after) in the same transaction. Side effects
(notifications, ``cases.hooks.case_events``) run after commit. Each returns the updated ``Case``
(its ``version`` is the new one).

Refusals raise ``django.core.exceptions.ValidationError`` with a Chinese message (gettext), a stable
``code`` from ``cases.errors.WorkflowError`` and ``params``; nothing is written. Codes every action
can give: NOT_FOUND (no such case or not visible: API 404), STALE (someone acted first: API 409, UI
"refresh"), INVALID_TRANSITION (not possible in this state), ROLE_NOT_ALLOWED, NOT_ASSIGNEE,
NOTE_REQUIRED, BAD_CHOICE (a value not among the choices).

``case_act(*, case_id, action, by, version, data)`` takes the action's ``data`` as
``cases.workflow.specs.SPECS[action]`` describes it: each field's name, kind, whether it is required,
its limits and choices. The web form and the API body are built from the same spec, so this is the one
place that says what an action takes; the refusal codes an action can give beyond the ones above are
named in ``cases.errors.WorkflowError`` and raised by the action's module (contact, offers, appeals,
lifecycle). Keys the spec does not name are ignored; a key left out takes the service's default.

Not actions of the table (no state change, no version needed):
- ``case_reveal_contact(*, case_id, by) -> {"phone", "address"}``: permission
  ``cases.reveal_buyer_contact`` (supervisor, legal, manager) else ROLE_NOT_ALLOWED; recorded in the
  timeline (without the data).
- ``evidence_add(*, case_id, by, file, kind, checklist_item="", description="") -> Evidence``: kind an
  EvidenceKind value; the content must match the extension (jpg/png/webp, mp3/m4a/amr/wav,
  txt/csv/xlsx/html/pdf) and the kind (EVIDENCE_TYPE), size <= settings.EVIDENCE_MAX_BYTES
  (EVIDENCE_SIZE), not empty (EVIDENCE_EMPTY); stored under MEDIA_ROOT/evidence/<case>/ with a random
  name; ``checklist_item`` names the appeal checklist item it covers.
- ``cases.workflow.followups.followup_complete(*, task_id, by, note="")`` and
  ``followup_skip(*, task_id, by, reason)``: NOT_FOUND, NOT_ASSIGNEE, TASK_DONE (NOTE_REQUIRED: skip
  without a reason); each writes a timeline event (follow_up_done / follow_up_skipped). Read helpers for forms/serializers live in
``cases.workflow`` (``allowed_actions``, ``explain_refusal``, ``offer_options``, ``reply_drafts``,
``check_reply``, ``appeal_requirements``, ``mask_phone``, ``mask_address``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Case
from cases.workflow.appeals import (
    case_appeal_outcome,
    case_file_appeal,
    case_mark_malicious,
    evidence_add,
)
from cases.workflow.contact import (
    case_buyer_replied,
    case_claim,
    case_public_reply,
    case_record_contact,
    case_reveal_contact,
    case_verify,
)
from cases.workflow.core import refuse, stale_error
from cases.workflow.lifecycle import case_close, case_reopen, case_resolve
from cases.workflow.offers import (
    case_approve,
    case_buyer_accepts,
    case_buyer_declines,
    case_offer,
    case_reject,
    case_request_approval,
)
from cases.workflow.specs import SPECS

__all__ = [
    "case_act",
    "case_appeal_outcome",
    "case_approve",
    "case_buyer_accepts",
    "case_buyer_declines",
    "case_buyer_replied",
    "case_claim",
    "case_close",
    "case_file_appeal",
    "case_mark_malicious",
    "case_offer",
    "case_public_reply",
    "case_record_contact",
    "case_reject",
    "case_reopen",
    "case_request_approval",
    "case_resolve",
    "case_reveal_contact",
    "case_verify",
    "evidence_add",
]

# action → its service; what each takes is its spec's (cases.workflow.specs.SPECS)
SERVICES = {
    A.CLAIM: case_claim,
    A.RECORD_CONTACT: case_record_contact,
    A.BUYER_REPLIED: case_buyer_replied,
    A.VERIFY: case_verify,
    A.OFFER: case_offer,
    A.REQUEST_APPROVAL: case_request_approval,
    A.APPROVE: case_approve,
    A.REJECT: case_reject,
    A.BUYER_ACCEPTS: case_buyer_accepts,
    A.BUYER_DECLINES: case_buyer_declines,
    A.PUBLIC_REPLY: case_public_reply,
    A.RESOLVE: case_resolve,
    A.MARK_MALICIOUS: case_mark_malicious,
    A.FILE_APPEAL: case_file_appeal,
    A.APPEAL_OUTCOME: case_appeal_outcome,
    A.CLOSE: case_close,
    A.REOPEN: case_reopen,
}


def case_act(*, case_id: int, action: str, by, version: int, data: dict | None = None, now=None) -> Case:
    """Run ``action`` on the case as ``by``, who saw it at ``version``, with the action's ``data``.

    ``now`` (tests, replays) defaults to the current time."""
    try:
        service = SERVICES[A(action)]
    except ValueError:
        raise refuse(E.INVALID_TRANSITION, _("未知动作“%(action)s”。"), action=str(action)) from None
    kwargs = SPECS[str(A(action))].service_kwargs(dict(data or {}))
    try:
        return service(case_id=case_id, by=by, version=version, now=now, **kwargs)
    except ValidationError as refusal:
        # Guards read rows beside the case (the pending offer, contact attempts) as they are now. When
        # someone else acted after this request loaded the case, a refusal describes their result (the
        # offer they answered), so the honest answer is "the case changed" (409), not "not allowed".
        if getattr(refusal, "code", None) in (E.STALE, E.NOT_FOUND) or not _moved_since(case_id, version):
            raise
        raise stale_error(case_id) from None


def _moved_since(case_id: int, version) -> bool:
    try:
        seen = int(version)
    except (TypeError, ValueError):
        return False
    current = Case.objects.filter(pk=case_id).values_list("version", flat=True).first()
    return current is not None and current != seen
