"""Subscriber to cases.hooks.case_events: a conversion or a worsened rating changes how the review is
counted (see services.rollup), so its day is rebuilt at once instead of waiting for the refresh."""

import logging

logger = logging.getLogger(__name__)

REBUILD_ON = frozenset({"conversion_candidate", "conversion_reverted", "rating_worsened"})


def on_case_event(*, event: str, case_id: int, payload: dict) -> None:
    if event not in REBUILD_ON:
        return
    from insights.services.rollup import rollup_rebuild_for_case

    rollup_rebuild_for_case(case_id=case_id)
