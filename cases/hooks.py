"""Hooks the cases app publishes for higher apps (training) to fill in their ready().

- ``certification_checks``: callables ``(user, *, shop_id: int, issue_type_code: str | None,
  handling_role: str) -> str | None``. Routing asks each before assigning; a returned string is the
  reason the user is not eligible (shown to supervisors), None means eligible. With none registered,
  everyone is certified.

The events this app raises (a case resolved, a review converted …) are signals: ``cases.signals``.
"""

from reviewdesk.hooks import Registry

certification_checks = Registry("certification_checks", __doc__)

# Callables ``(case) -> tuple[str, str] | None``: resolving asks each (the ``resolve_blockers`` guard of
# ``cases.workflow.guards``, when the action runs); a returned (code, message in the user's language)
# refuses it, e.g. an unanswered blocking work order (``workorders``). None registered: nothing blocks.
resolve_blockers = Registry("resolve_blockers", "(case) -> (code, message) | None; a refusal of resolving.")

# The intake sources whose data is platform data (see the provenance of ``cases.signals.case_event``).
# "file": an export file imported on the upload page or by ``import_reviews``; "api": ``POST
# /api/v1/reviews/`` with an intake token (a person's session is refused there); "connector": reserved
# for a platform connector that pulls reviews itself.
PLATFORM_DATA_SOURCES = frozenset({"file", "api", "connector"})
