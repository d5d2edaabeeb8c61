"""Lapsed certifications: recorded once per lapsed score, and the agent's supervisors are told."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from reviewdesk.choices import Role
from reviewdesk.models import User
from training.certification import statuses_for, today
from training.choices import CertificationState
from training.models import CertificationLapse, ModuleRequirement, Score, TrainingModule

logger = logging.getLogger(__name__)
CASE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL)


def required_module_list() -> list[TrainingModule]:
    ids = ModuleRequirement.objects.filter(active=True, module__active=True).values("module_id")
    return list(TrainingModule.objects.filter(pk__in=ids))


def certification_sweep(*, on: dt.date | None = None, agent_ids=None) -> list[CertificationLapse]:
    """Finds users whose certification for a required module lapsed (expired, or a newer fail after
    a pass) and records each lapse once; safe to run repeatedly and concurrently."""
    on = on or today()
    modules = required_module_list()
    if not modules:
        return []
    agents = User.objects.filter(is_active=True, groups__name__in=CASE_ROLES).distinct()
    if agent_ids is not None:
        agents = agents.filter(pk__in=agent_ids)
    agent_ids = list(agents.values_list("pk", flat=True))
    statuses = statuses_for(agent_ids, modules, on)
    ever_passed = _ever_passed(agent_ids, modules)
    created = []
    for agent_id, by_module in statuses.items():
        for module in modules:
            status = by_module[module.pk]
            if status.state not in (CertificationState.EXPIRED, CertificationState.BELOW):
                continue
            if status.state == CertificationState.BELOW and (agent_id, module.pk) not in ever_passed:
                continue  # never certified: nothing lapsed
            lapse = _record(agent_id, module, status)
            if lapse:
                created.append(lapse)
    return created


def _ever_passed(agent_ids, modules) -> set[tuple[int, int]]:
    passed = set()
    rows = Score.objects.filter(agent_id__in=agent_ids, module__in=modules).values_list(
        "agent_id", "module_id", "value"
    )
    by_pk = {m.pk: m for m in modules}
    for agent_id, module_id, value in rows:
        if by_pk[module_id].passes(value):
            passed.add((agent_id, module_id))
    return passed


def _record(agent_id: int, module: TrainingModule, status) -> CertificationLapse | None:
    if CertificationLapse.objects.filter(agent_id=agent_id, module=module, basis=status.score).exists():
        return None
    try:
        with transaction.atomic():
            lapse = CertificationLapse.objects.create(
                agent_id=agent_id,
                module=module,
                basis=status.score,
                state=status.state,
                reason=status.reason[:200],
                detected_at=timezone.now(),
            )
            transaction.on_commit(lambda: notify_supervisors(lapse.pk))
    except IntegrityError:  # another sweep recorded it first
        return None
    return lapse


def supervisors_of(agent: User):
    shop_ids = agent.memberships.values_list("shop_id", flat=True)
    return (
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR, memberships__shop_id__in=shop_ids)
        .exclude(pk=agent.pk)
        .distinct()
    )


def notify_supervisors(lapse_id: int) -> None:
    """Tell the agent's supervisors through the cases app's in-app notifications when it offers them;
    the lapse row itself is always shown on the supervisors' team page."""
    lapse = CertificationLapse.objects.select_related("agent", "module").get(pk=lapse_id)
    notify = _find_notifier()
    if notify is None:
        return
    recipients = list(supervisors_of(lapse.agent))
    try:
        notify(lapse=lapse, recipients=recipients)
    except Exception:  # a failed notification must not undo the recorded lapse
        logger.exception("certification lapse %s: notifying supervisors failed", lapse_id)
        return
    CertificationLapse.objects.filter(pk=lapse_id).update(notified=True)


def _find_notifier():
    from training.services.notify import lapse_notifier

    return lapse_notifier()
