"""The events the cases app raises, for higher apps (incentives, insights) to receive.

``case_event``: sent after commit with ``send_robust(sender=Case, event=..., case_id=..., payload=...)``
(a ``reviewdesk.signals.RobustSignal``: each receiver gets its own copy, a failing one is logged and the
others still run, raised under the tests). Receivers take ``(*, event: str, case_id: int, payload: dict,
**kwargs)`` and connect in their app's AppConfig.ready(). Senders: ``emit`` in cases/workflow/core.py
(an ``after_commit`` callback of a workflow service) and ``emit_case_events`` in cases/imports/storing.py
(an import's ``on_commit``).

Events: "conversion_candidate", "conversion_reverted", "rating_worsened", "reopened" (intake, from a
review's change); "resolved", "appeal_won" (the workflow); "offer_made" and "offer_answered" with payload
``{"offer_id", "status"}`` when an agent offers an option, or puts it up for approval, and when the buyer
accepts or declines it; "public_replied" with payload ``{"reply_id"}`` when an agent posts the public
reply (the connectors queue it for the platform).

One signal with the event's name as an argument, not one signal per kind: the name is data the receivers
already dispatch on and record (incentives keeps it on a withheld award), intake sends a batch's events of
every kind in one loop, and a receiver that cares about a few kinds (insights) filters by name; a new kind
needs no new wiring in any app.

Provenance: the events intake raises from a review's change ("conversion_candidate",
"conversion_reverted", "rating_worsened") carry ``payload["source"]``, the intake source that wrote the
change (``cases.choices.IntakeSource`` values). Only ``cases.hooks.PLATFORM_DATA_SOURCES`` are platform
data — a file import by a role allowed to upload, an API token with the intake scope, and (reserved) a
platform connector; anything else (demo data, a shell, a former admin correction) is not, and a receiver
that moves money on a conversion must not pay it. A payload without a source is not platform data either.
"""

from reviewdesk.signals import RobustSignal

case_event = RobustSignal("case_event", __doc__)

# ``cases_opened``: sent after commit, once per intake (file import, API submit, connector pull; from
# ``cases.imports.storing.hand_off_new_cases``), with ``send_robust(sender=Case, case_ids=[...])``: the cases
# it opened or reopened. A receiver reads a constant number of queries per call, not per case (an import
# may open 200,000), e.g. the courier watch rule of ``workorders``.
cases_opened = RobustSignal(
    "cases_opened", "After an intake opened or reopened cases: (*, case_ids: list[int])."
)
