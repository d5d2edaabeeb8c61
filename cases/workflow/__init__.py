"""The case workflow's rules and read helpers (no writes here: those are cases.services.workflow*).

- ``table``: the transition table, ``allowed_actions(case, user)``, ``explain_refusal``;
- ``guards``: the guards the table names;
- ``compose``: the engine's answers for one case (offer options, reply drafts/checks, appeal checklist);
- ``masking``: ``mask_phone``, ``mask_address``, ``can_reveal``.
"""

from cases.workflow.masking import can_reveal, mask_address, mask_phone
from cases.workflow.table import TRANSITIONS, Transition, allowed_actions, explain_refusal, transition_for

__all__ = [
    "TRANSITIONS", "Transition", "allowed_actions", "can_reveal", "explain_refusal", "mask_address", "mask_phone",
    "transition_for",
]  # fmt: skip
