"""Receivers of lower apps' events (connected in ``ConnectorsConfig.ready``).

``cases.signals.case_event`` "public_replied" (payload ``{"reply_id"}``, sent after the reply's
transaction commits): the reply is queued for delivery to the platform when the case's shop has an
enabled connector (``connectors.services.outbox.outbox_queue``; a no-op for other shops and repeats).
"""


def on_case_event(*, event: str, case_id: int, payload: dict, **signal_args) -> None:
    if event != "public_replied" or not (payload or {}).get("reply_id"):
        return
    from connectors.services.outbox import outbox_queue

    outbox_queue(reply_id=int(payload["reply_id"]))
