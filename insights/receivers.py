"""Receiver of the ``cases.signals.case_event`` signal (connected in InsightsConfig.ready()).

A conversion or a worsened rating changes how a review is counted (services.rollup counts a
converted review with the rating it had). Such a change always arrives with an import batch or an API
update, which the 5-minute refresh picks up anyway; the event only brings the refresh forward. One
import can emit thousands of events, so the refresh is enqueued at most once per ``THROTTLE_SECONDS``
per process, and runs in the cluster, not in the importing request.

An offer made or answered (one agent action, one event) arrives with no import batch: the day of its
case in the offers rollup is rebuilt here, at once (services.offer_rollup; a few rows).
"""

import time

REBUILD_ON = frozenset({"conversion_candidate", "conversion_reverted", "rating_worsened"})
OFFER_EVENTS = frozenset({"offer_made", "offer_answered"})
THROTTLE_SECONDS = 10.0
_last_enqueued = {"at": float("-inf")}


def on_case_event(*, event: str, case_id: int, payload: dict, **signal_args) -> None:
    if event in OFFER_EVENTS:
        from insights.services.offer_rollup import offer_rollup_rebuild_case

        offer_rollup_rebuild_case(case_id=case_id)
        return
    if event not in REBUILD_ON:
        return
    now = time.monotonic()
    if now - _last_enqueued["at"] < THROTTLE_SECONDS:
        return
    _last_enqueued["at"] = now
    from django_q.tasks import async_task

    async_task("insights.tasks.rollup_refresh_task")
