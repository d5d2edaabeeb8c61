"""The jobs app's event (reviewdesk.signals.RobustSignal): a job has finished."""

from reviewdesk.signals import RobustSignal

job_finished = RobustSignal(
    "job_finished",
    "Sent after commit with ``job_id`` when a job is done, failed or cancelled (the bell tells its owner).",
)
