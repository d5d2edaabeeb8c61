"""Hooks the cases app publishes for higher apps (training, incentives) to fill in their ready().

- ``certification_checks``: callables ``(user, *, shop_id: int, issue_type_code: str | None,
  handling_role: str) -> str | None``. Routing asks each before assigning; a returned string is the
  reason the user is not eligible (shown to supervisors), None means eligible. With none registered,
  everyone is certified.
- ``case_events``: callables ``(*, event: str, case_id: int, payload: dict) -> None`` called after
  commit for named case events (e.g. "conversion_candidate", "conversion_reverted", "resolved";
  "offer_made" and "offer_answered" with payload ``{"offer_id", "status"}`` when an agent offers an
  option, or puts it up for approval, and when the buyer accepts or declines it).
"""

from reviewdesk.hooks import Registry

certification_checks = Registry("certification_checks", __doc__)
case_events = Registry("case_events", __doc__)
