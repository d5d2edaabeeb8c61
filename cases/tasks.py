"""django-q2 task functions. Each is a thin, idempotent wrapper around a service.

Schedules (created by migration cases.0003): ``sla_sweep_task`` and ``retry_deliveries_task`` every
minute. ``alert_new_cases_task`` and ``send_deliveries_task`` are enqueued after commit.
"""

from __future__ import annotations


def sla_sweep_task() -> dict:
    from cases.sla.sweep import sla_sweep

    return sla_sweep().as_dict()


def alert_new_cases_task(case_ids: list[int], handoff_id: int | None = None) -> dict:
    from cases.alerts import alert_new_cases_now

    notifications, deliveries = alert_new_cases_now(case_ids=case_ids, handoff_id=handoff_id)
    return {"notifications": notifications, "deliveries": deliveries}


def send_deliveries_task(delivery_ids: list[int]) -> dict:
    from cases.notifications.delivery import deliveries_send

    return deliveries_send(delivery_ids=delivery_ids)


def retry_deliveries_task() -> dict:
    from cases.notifications.delivery import deliveries_retry_due

    return deliveries_retry_due()
