"""The case page's context: the reads (cases.queries.case_page) plus what the user may do now.

Only the actions ``allowed_actions(case, user)`` returns get a form, so the page never offers what
the server would refuse; the services still check everything when a form is posted.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.choices import CaseStatus as S
from cases.choices import EvidenceKind, OfferStatus
from cases.choices import WorkflowAction as A
from cases.models import Case
from cases.queries.case_page import case_page_reads
from cases.web.forms.actions import ACTION_FORMS, EvidenceUploadForm
from cases.workflow import allowed_actions, can_reveal, mask_address, mask_phone
from cases.workflow.compose import (
    CONTACT_CHANNEL_RULES,
    appeal_requirements,
    offer_options,
    policy_for,
    reply_drafts,
)
from cases.workflow.guards import roles_of
from cases.workflow.macros import macros_for
from cases.workflow.specs import VERBS
from policies.choices import Channel
from reviewdesk.choices import Role
from reviewdesk.pii import mask_free_text, mask_nick
from reviewdesk.roles import hides_buyer_data

# The action panels (forms); offer decisions are rendered per offer, the composers apart.
PANEL_ORDER = (
    A.CLAIM,
    A.RECORD_CONTACT,
    A.BUYER_REPLIED,
    A.VERIFY,
    A.OFFER,
    A.RESOLVE,
    A.MARK_MALICIOUS,
    A.FILE_APPEAL,
    A.APPEAL_OUTCOME,
    A.CLOSE,
    A.REOPEN,
)
COMPOSED = (A.PUBLIC_REPLY, A.RECORD_CONTACT)
# The next sensible steps of each state, most likely first (what the page leads with). An allowed action
# missing here follows in the table's order; the table and guards still decide what is allowed at all.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    S.NEW: (A.CLAIM,),
    S.ASSIGNED: (A.CLAIM, A.RECORD_CONTACT, A.PUBLIC_REPLY),
    S.IN_PROGRESS: (A.VERIFY, A.RECORD_CONTACT, A.BUYER_REPLIED, A.PUBLIC_REPLY),
    S.WAITING_BUYER: (A.BUYER_REPLIED, A.RECORD_CONTACT, A.VERIFY, A.PUBLIC_REPLY),
    S.VERIFIED: (A.OFFER, A.RESOLVE, A.RECORD_CONTACT, A.PUBLIC_REPLY, A.VERIFY),
    S.PENDING_APPROVAL: (A.APPROVE, A.REJECT, A.RECORD_CONTACT, A.BUYER_REPLIED),
    S.OFFERED: (A.BUYER_ACCEPTS, A.BUYER_DECLINES, A.RECORD_CONTACT, A.BUYER_REPLIED),
    S.AGREED: (A.RESOLVE, A.PUBLIC_REPLY, A.RECORD_CONTACT),
    S.MALICIOUS: (A.FILE_APPEAL, A.RESOLVE, A.PUBLIC_REPLY, A.RECORD_CONTACT),
    S.APPEALING: (A.APPEAL_OUTCOME, A.PUBLIC_REPLY),
    S.RESOLVED: (A.PUBLIC_REPLY, A.CLOSE),
}
# Destructive or rare: apart, collapsed under "更多操作", each confirmed. Closing a resolved case is
# its ordinary last step, closing any other is not.
RARE = {str(A.MARK_MALICIOUS), str(A.REOPEN), str(A.CLOSE)}
# Where a step's form is on the page (the lead buttons jump there).
ANCHORS = {
    str(A.PUBLIC_REPLY): "panel-public_reply",
    str(A.RECORD_CONTACT): "panel-record_contact",
    **{str(a): "offers" for a in (A.APPROVE, A.REJECT, A.BUYER_ACCEPTS, A.BUYER_DECLINES)},
}


def is_rare(action: str, status: str) -> bool:
    """Whether ``action`` on a case in ``status`` is a destructive or rare step (confirmed, kept apart)."""
    return str(action) in RARE and not (str(action) == A.CLOSE and status == S.RESOLVED)


def next_steps(status: str, allowed: list[str]) -> list[str]:
    """The allowed actions in the order the page offers them: the state's sensible steps first."""
    order = [str(a) for a in NEXT_STEPS.get(status, ())]
    order += [a for a in allowed if a not in order]
    return [a for a in order if a in allowed and a != A.REQUEST_APPROVAL]


PER_OFFER = {A.APPROVE, A.REJECT, A.BUYER_ACCEPTS, A.BUYER_DECLINES}


def report_dict(report, *, ticked=()) -> dict:
    """A compliance report as the composer shows it (warnings get a checkbox each)."""
    ticked = {str(t) for t in ticked}
    return {
        "blocking": [f.describe() for f in report.blocking],
        "warnings": [
            {"id": str(f.rule.id), "text": f.describe(), "ticked": str(f.rule.id) in ticked}
            for f in report.warnings
        ],
        "length": report.length,
        "max_length": report.max_length,
        "too_long": report.too_long,
        "blocked": report.blocked,
    }


def _option_rows(options) -> list[dict]:
    return [
        {
            "id": o.option_id,
            "name": o.name,
            "kind": o.kind,
            "amount": f"{o.amount:.2f}",
            "cost": f"{o.cost:.2f}",
            "value": o.value_label,
            "requires_approval": o.requires_approval,
            "approval_role": str(Role(o.approval_role).label)
            if o.approval_role in Role.values
            else o.approval_role,
            "expected_acceptance": o.expected_acceptance,
            "reason": o.reason,
        }
        for o in options
    ]


def _offer_actions(offer: dict, allowed: list[str], user, roles: set[str]) -> list[str]:
    if offer["status"] == OfferStatus.PENDING_APPROVAL:
        may_approve = (
            roles & {offer["approval_role"], str(Role.MANAGER)} and offer["requested_by_id"] != user.pk
        )
        return [a for a in (A.APPROVE, A.REJECT) if a in allowed and may_approve]
    if offer["status"] == OfferStatus.OFFERED:
        return [a for a in (A.BUYER_ACCEPTS, A.BUYER_DECLINES) if a in allowed]
    return []


def case_page_context(
    case: Case,
    user,
    *,
    bound: dict | None = None,
    composer: dict | None = None,
    prefill: dict | None = None,
) -> dict:
    """Everything case.html renders. ``bound`` = {action: bound form} to show a refused form with its
    input; ``composer`` = {action: report dict} to show the compliance check of submitted text;
    ``prefill`` = {action: {"text", "template_id"}} to put a draft (a macro's) into a composer."""
    reads = case_page_reads(case, reveal=can_reveal(user))
    allowed = allowed_actions(case, user)
    roles = roles_of(user)
    policy = policy_for(case)
    bound = bound or {}
    evidence_choices = [(e["id"], f"{e['name']} ({e['kind']})") for e in reads["evidence"]]
    options = offer_options(case, policy) if A.OFFER in allowed or A.REQUEST_APPROVAL in allowed else ()
    appeal = appeal_requirements(case, policy) if case.is_malicious or A.FILE_APPEAL in allowed else None
    choices = {
        "evidence_ids": evidence_choices,
        "option_id": [(o.option_id, o.name) for o in options],
        "reason_type": [(r, r) for r in (appeal.reason_types if appeal else ())],
    }
    forms = {}
    for action in PANEL_ORDER:
        if action in allowed:
            form_class = ACTION_FORMS[action]
            forms[str(action)] = bound.get(str(action)) or form_class(
                initial={"version": case.version}, case_choices=choices, auto_id=f"id_{action}_%s"
            )
    for offer in reads["offers"]:
        offer["actions"] = [
            {
                "action": str(a),
                "label": str(A(a).label),
                "form": bound.get(f"{a}:{offer['id']}")
                or ACTION_FORMS[a](initial={"version": case.version, "offer_id": offer["id"]}, auto_id=False),
            }
            for a in _offer_actions(offer, allowed, user, roles)
        ]
    drafts = (
        reply_drafts(case, user=user, policy=policy)
        if (A.PUBLIC_REPLY in allowed or A.RECORD_CONTACT in allowed)
        else []
    )
    composers = {}
    for action in next_steps(case.status, allowed):  # the composers in the order the steps lead
        if action == A.PUBLIC_REPLY:
            composers["public_reply"] = _composer(
                case, A.PUBLIC_REPLY, Channel.PUBLIC_REPLY, drafts, bound, composer, prefill
            )
        elif action == A.RECORD_CONTACT:
            composers["record_contact"] = _composer(
                case, A.RECORD_CONTACT, Channel.PRIVATE_MESSAGE, drafts, bound, composer, prefill
            )
    review = case.review
    contact = {
        "phone": mask_phone(review.buyer_phone),
        "address": mask_address(review.buyer_address),
        "can_reveal": bool(review.buyer_phone or review.buyer_address) and can_reveal(user),
    }
    appeal_info = None
    if appeal is not None:
        uploaded = {e["checklist_item"] for e in reads["evidence"] if e["checklist_item"]}
        appeal_info = {
            "allowed": appeal.allowed,
            "until": appeal.appeal_until,
            "reason_types": list(appeal.reason_types),
            "evidence": [{"item": item, "have": item in uploaded} for item in appeal.evidence_required],
            "reasons": [
                {
                    "code": r.code,
                    "label": r.label,
                    "note": r.note,
                    "evidence": [{"item": item, "have": item in uploaded} for item in r.evidence_required],
                    "max_images": r.max_images,
                    "description_max_chars": r.description_max_chars,
                }
                for r in appeal.reasons
            ],
            "max_images": appeal.max_images,
            "description_max_chars": appeal.description_max_chars,
            "once": appeal.once_per_review,
            "reason": appeal.reason,
        }
    steps, more = _steps(case, allowed, forms, composers, reads["offers"])
    context = {
        **reads,
        "allowed": allowed,
        "forms": forms,
        "steps": steps,
        "panels": [s for s in steps if s["form"] is not None],
        "more_actions": more,
        "macros": _macro_rows(case, policy) if composers else [],
        "options": _option_rows(options),
        "composers": composers,
        "contact": contact,
        "appeal": appeal_info,
        "upload_form": EvidenceUploadForm(
            kinds=EvidenceKind.choices, checklist=appeal.evidence_required if appeal else ()
        ),
        "may_upload": case.is_open,
        "is_overseer": bool(roles & {str(Role.SUPERVISOR), str(Role.MANAGER)}),
        "nothing_to_do": not forms and not composers and not any(o["actions"] for o in reads["offers"]),
        "refusal_hint": _("此案件当前没有你可以执行的动作。"),
    }
    if hides_buyer_data(user):
        _hide_buyer_data(context)
    return context


def _hide_buyer_data(context: dict) -> None:
    """The case page of a client viewer (reviewdesk.roles.hides_buyer_data): the buyer's nick masked, no
    contact line at all, evidence listed without its download (chat screenshots carry personal data), no
    upload and no follow-up form (read-only: the server refuses their writes anyway). The review's
    revisions never show buyer_* fields to anyone (cases.queries.case_page.revisions)."""
    review = context["case"]["review"]
    review["buyer_nick"] = mask_nick(review["buyer_nick"])
    review["has_contact"] = False
    context["contact"] = {"phone": "", "address": "", "can_reveal": False, "hidden": True}
    for row in context["evidence"]:
        row["url"] = ""
        row["description"] = mask_free_text(row.get("description"))
    # What people typed about the buyer (a contact's note, a reply, an answer, an appeal's description)
    # may hold a number or an address: masked as a buyer's own free text is.
    for event in context["timeline"]:
        event["details"] = [(label, mask_free_text(text)) for label, text in event["details"]]
    for offer in context["offers"]:
        for key in ("approval_note", "buyer_answer"):
            if isinstance(offer.get(key), str):
                offer[key] = mask_free_text(offer[key])
    for appeal in context["appeals"]:
        for key in ("description", "outcome_note"):
            if isinstance(appeal.get(key), str):
                appeal[key] = mask_free_text(appeal[key])
    context["may_upload"] = False
    context["read_only"] = True


def _steps(case: Case, allowed: list[str], forms: dict, composers: dict, offers: list) -> tuple[list, list]:
    """(the lead steps, the rare ones): each {action, label, form, anchor, first}. A step without a form
    of its own (a composer, an offer's decision) links to where it is done; a decision is listed only
    when one of the case's offers offers it to this user."""
    decisions = {a["action"] for offer in offers for a in offer["actions"]}
    steps, more = [], []
    for action in next_steps(case.status, allowed):
        if action not in forms and action not in composers and action not in decisions:
            continue
        step = {
            "action": action,
            "label": str(VERBS[action]),
            "form": forms.get(action) if action not in composers else None,
            "anchor": ANCHORS.get(action, f"action-{action}"),
        }
        (more if is_rare(action, case.status) else steps).append(step)
    if steps:
        steps[0]["first"] = True
    return steps, more


def _macro_rows(case: Case, policy) -> list[dict]:
    return [
        {"id": m.id, "name": m.name, "compensation": m.compensation_label, "template": m.template_name}
        for m in macros_for(case, policy)
    ]


def _composer(
    case: Case,
    action: str,
    channel: str,
    drafts,
    bound: dict,
    reports: dict | None,
    prefill: dict | None = None,
) -> dict:
    """The composer of one action: its drafts (templates rendered for this case), form and last check;
    ``prefill`` puts a given draft (a macro's) in its text box instead of the first template's."""
    if action == A.PUBLIC_REPLY:
        usable = [d for d in drafts if d.channel == Channel.PUBLIC_REPLY]
    else:
        usable = [d for d in drafts if d.channel in {str(c) for c in CONTACT_CHANNEL_RULES.values()}]
    form = bound.get(str(action))
    given = (prefill or {}).get(str(action))
    if form is None:
        initial = {
            "version": case.version,
            "text": usable[0].text if usable else "",
            "template_id": usable[0].template_id if usable else None,
        }
        if given:
            initial.update(text=given["text"], template_id=given["template_id"])
        form = ACTION_FORMS[action](initial=initial, auto_id=f"id_{action}_%s")
    form.fields["template_id"].choices = [("", _("(不用模板)"))] + [(d.template_id, d.name) for d in usable]
    max_length = None
    if action == A.PUBLIC_REPLY:
        max_length = (case.decision_windows or {}).get("reply_max_chars")
    return {
        "action": str(action),
        "channel": str(channel),
        "form": form,
        "max_length": max_length,
        "drafts": [
            {
                "id": d.template_id,
                "name": d.name,
                "text": d.text,
                "channel": d.channel,
                "channel_label": str(Channel(d.channel).label),
            }
            for d in usable
        ],
        "report": (reports or {}).get(str(action)),
    }
