"""The case workflow's rules and read helpers (no writes here: those are cases.workflow.services*).

- ``table``: the transition table, ``allowed_actions(case, user)``, ``explain_refusal``;
- ``guards``: the guards the table names;
- ``compose``: the engine's answers for one case (``offer_options``, ``reply_drafts``, ``check_reply``,
  ``appeal_requirements``, ``policy_for``);
- ``masking``: ``mask_phone``, ``mask_address``, ``mask_contact_values``, ``can_reveal``;
- ``files``: what an evidence file really is (content sniffing).
"""

from cases.workflow.compose import appeal_requirements, check_reply, offer_options, policy_for, reply_drafts
from cases.workflow.masking import can_reveal, mask_address, mask_contact_values, mask_phone
from cases.workflow.table import TRANSITIONS, Transition, allowed_actions, explain_refusal, transition_for

__all__ = [
    "TRANSITIONS",
    "Transition",
    "allowed_actions",
    "appeal_requirements",
    "can_reveal",
    "check_reply",
    "explain_refusal",
    "mask_address",
    "mask_contact_values",
    "mask_phone",
    "offer_options",
    "policy_for",
    "reply_drafts",
    "transition_for",
]
