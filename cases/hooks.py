"""Hooks the cases app publishes for higher apps (training, incentives) to fill in their ready().

- ``certification_checks``: callables ``(user, *, shop_id: int, issue_type_code: str | None,
  handling_role: str) -> str | None``. Routing asks each before assigning; a returned string is the
  reason the user is not eligible (shown to supervisors), None means eligible. With none registered,
  everyone is certified.
- ``case_events``: callables ``(*, event: str, case_id: int, payload: dict) -> None`` called after
  commit for named case events (e.g. "conversion_candidate", "conversion_reverted", "resolved";
  "offer_made" and "offer_answered" with payload ``{"offer_id", "status"}`` when an agent offers an
  option, or puts it up for approval, and when the buyer accepts or declines it).

Provenance: the events intake raises from a review's change ("conversion_candidate",
"conversion_reverted", "rating_worsened") carry ``payload["source"]``, the intake source that wrote the
change (``cases.choices.IntakeSource`` values). Only ``PLATFORM_DATA_SOURCES`` are platform data — a
file import by a role allowed to upload, an API token with the intake scope, and (reserved) a platform
connector; anything else (demo data, a shell, a former admin correction) is not, and a listener that
moves money on a conversion must not pay it. A payload without a source is not platform data either.
"""

from reviewdesk.hooks import Registry

certification_checks = Registry("certification_checks", __doc__)
case_events = Registry("case_events", __doc__)

# "file": an export file imported on the upload page or by ``import_reviews``; "api": ``POST
# /api/v1/reviews/`` with an intake token (a person's session is refused there); "connector": reserved
# for a platform connector that pulls reviews itself.
PLATFORM_DATA_SOURCES = frozenset({"file", "api", "connector"})
