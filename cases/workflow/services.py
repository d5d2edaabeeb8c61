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
NOTE_REQUIRED, BAD_CHOICE (a value not among the choices); per action see below.

``case_act(*, case_id, action, by, version, data)`` — ``data`` keys per action (missing optional keys
take the default shown; unknown keys are ignored):

claim             {}                                          ALREADY_CLAIMED
record_contact    channel: ContactChannel value (required); reached: bool (required);
                  template_id: int | None (the ReplyTemplate used); text: str = "" (the message sent,
                  compliance-checked like a reply when given); acknowledge_warnings: bool = False;
                  note: str = ""                              CONTACT_LIMIT, CONTACT_TOO_SOON,
                  QUIET_HOURS, COMPLIANCE_BLOCKED, WARNINGS_NOT_ACKNOWLEDGED, MISSING_PLACEHOLDER
buyer_replied     note: str = "" (what the buyer said)        NOT_CONTACTED
verify            responsibility: Responsibility value; note: str (required);
                  evidence_ids: list[int] = [] (Evidence of this case)   NOT_CONTACTED
offer             option_id: int (one of ``offer_options(case)``); note: str = ""
                  NOT_VERIFIED, UNKNOWN_OPTION. An option that requires approval (above the cap or
                  always) becomes an approval request instead (case → pending_approval, the event's
                  action is request_approval).
request_approval  option_id: int; note: str = ""              NOT_VERIFIED, UNKNOWN_OPTION
approve           offer_id: int | None (default: the pending offer); note: str = ""
                  SELF_APPROVAL, ROLE_NOT_ALLOWED (not the offer's approval role nor manager)
reject            offer_id: int | None; note: str (required)  as approve
buyer_accepts     offer_id: int | None (default: the offered one); note: str = ""
buyer_declines    offer_id: int | None; note: str = ""
public_reply      text: str (the final text; empty with a template_id = the template rendered for the
                  case); template_id: int | None; acknowledge_warnings: bool =
                  False                                       EMPTY_TEXT, REPLY_NOT_ALLOWED,
                  REPLY_WINDOW_CLOSED, REPLY_ONCE, REPLY_TOO_LONG, COMPLIANCE_BLOCKED,
                  WARNINGS_NOT_ACKNOWLEDGED, MISSING_PLACEHOLDER
resolve           note: str = "" (required for a malicious case)   NOT_VERIFIED
mark_malicious    note: str (required)
file_appeal       reason_type: str (one of the checklist's); description: str = "";
                  evidence_ids: list[int] (this case's Evidence; cover every required item via
                  Evidence.checklist_item)                    APPEAL_NOT_ALLOWED, APPEAL_DEADLINE_PASSED,
                  APPEAL_REASON, APPEAL_EVIDENCE_MISSING, APPEAL_ONCE, APPEAL_DESCRIPTION_TOO_LONG,
                  APPEAL_TOO_MANY_IMAGES
appeal_outcome    outcome: AppealOutcome value; note: str = ""
close             note: str = "" (required unless the case is resolved)
reopen            note: str (required)

``template_id`` (record_contact, public_reply) must be an active template of the case's policy
(``reply_drafts`` lists them), else BAD_CHOICE.

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

# action → (service, the data keys it takes)
SERVICES = {
    A.CLAIM: (case_claim, ()),
    A.RECORD_CONTACT: (
        case_record_contact,
        ("channel", "reached", "template_id", "text", "acknowledge_warnings", "note"),
    ),
    A.BUYER_REPLIED: (case_buyer_replied, ("note",)),
    A.VERIFY: (case_verify, ("responsibility", "note", "evidence_ids")),
    A.OFFER: (case_offer, ("option_id", "note")),
    A.REQUEST_APPROVAL: (case_request_approval, ("option_id", "note")),
    A.APPROVE: (case_approve, ("offer_id", "note")),
    A.REJECT: (case_reject, ("offer_id", "note")),
    A.BUYER_ACCEPTS: (case_buyer_accepts, ("offer_id", "note")),
    A.BUYER_DECLINES: (case_buyer_declines, ("offer_id", "note")),
    A.PUBLIC_REPLY: (case_public_reply, ("text", "template_id", "acknowledge_warnings")),
    A.RESOLVE: (case_resolve, ("note",)),
    A.MARK_MALICIOUS: (case_mark_malicious, ("note",)),
    A.FILE_APPEAL: (case_file_appeal, ("reason_type", "description", "evidence_ids")),
    A.APPEAL_OUTCOME: (case_appeal_outcome, ("outcome", "note")),
    A.CLOSE: (case_close, ("note",)),
    A.REOPEN: (case_reopen, ("note",)),
}


def case_act(*, case_id: int, action: str, by, version: int, data: dict | None = None, now=None) -> Case:
    """Run ``action`` on the case as ``by``, who saw it at ``version``, with the action's ``data``.

    ``now`` (tests, replays) defaults to the current time."""
    try:
        service, keys = SERVICES[A(action)]
    except ValueError:
        raise refuse(E.INVALID_TRANSITION, _("未知动作“%(action)s”。"), action=str(action)) from None
    data = dict(data or {})
    kwargs = {key: data[key] for key in keys if key in data}
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
