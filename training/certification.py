"""Certification: which modules a user has passed, computed from scores on demand.

The rules (also shown to users on the scorecard):

- For each (user, module) the score that counts is the one of the **latest period that has
  started**; within that period the most recently recorded row wins, whatever its source. An older
  pass does not outweigh a newer fail.
- A pass is ``value >= threshold`` (or ``<=`` for "lower is better" modules): exactly at the
  threshold passes.
- A pass is valid until ``period_end + validity_days``; after that the module is *expired*.
  A new period without scores therefore falls back to the latest score while it is still valid.
- A module with no score at all is *missing*: a module added later is not certified for what
  requires it until someone scores it.
- QA-fed scores exclude disputed reviews until they are settled (see ``services.qa_refresh_scores``).
- Requirements (``ModuleRequirement``) say which modules a case needs, by handling role, issue type
  and shop; an empty field matches anything. Inactive modules or requirements are ignored.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

# The reasons are quoted in routing's stored texts ("nobody could take it"): read in each reader's language.
from reviewdesk.i18n_text import deferred as _
from training.choices import CertificationState
from training.models import ModuleRequirement, Score, TrainingModule


@dataclass(frozen=True)
class ModuleStatus:
    module: TrainingModule
    state: str
    score: Score | None
    valid_until: dt.date | None

    @property
    def passed(self) -> bool:
        return self.state == CertificationState.PASSED

    @property
    def value(self) -> Decimal | None:
        return self.score.value if self.score else None

    @property
    def reason(self) -> str:
        module = self.module
        if self.state == CertificationState.PASSED:
            return ""
        if self.state == CertificationState.MISSING:
            return _("未取得“%(module)s”认证：还没有成绩。") % {"module": module.name}
        if self.state == CertificationState.EXPIRED:
            return _("“%(module)s”认证已过期：%(period)s 的成绩只在 %(until)s 之前有效。") % {
                "module": module.name,
                "period": self.score.period,
                "until": self.valid_until.isoformat(),
            }
        return _("未取得“%(module)s”认证：%(period)s 成绩 %(value)s%(unit)s，要求 %(threshold)s。") % {
            "module": module.name,
            "period": self.score.period,
            "value": self.score.value,
            "unit": module.unit,
            "threshold": module.threshold_label,
        }


def today() -> dt.date:
    return timezone.localdate()


def module_status(module: TrainingModule, score: Score | None, on: dt.date) -> ModuleStatus:
    if score is None:
        return ModuleStatus(module, CertificationState.MISSING, None, None)
    valid_until = score.period_end + dt.timedelta(days=module.validity_days)
    if not module.passes(score.value):
        return ModuleStatus(module, CertificationState.BELOW, score, valid_until)
    if on > valid_until:
        return ModuleStatus(module, CertificationState.EXPIRED, score, valid_until)
    return ModuleStatus(module, CertificationState.PASSED, score, valid_until)


def counting_scores(
    agent_ids: Iterable[int], module_ids: Iterable[int], on: dt.date
) -> dict[tuple[int, int], Score]:
    """The score that counts per (agent, module) on ``on``: latest started period, latest recorded."""
    agent_ids, module_ids = list(agent_ids), list(module_ids)
    if not agent_ids or not module_ids:
        return {}
    rows = (
        Score.objects.filter(agent_id__in=agent_ids, module_id__in=module_ids, period_start__lte=on)
        .order_by("agent_id", "module_id", "-period_start", "-recorded_at", "-pk")
        .only(
            "id",
            "agent_id",
            "module_id",
            "period",
            "period_start",
            "period_end",
            "value",
            "source",
            "recorded_at",
        )
    )
    result: dict[tuple[int, int], Score] = {}
    for score in rows:
        result.setdefault((score.agent_id, score.module_id), score)
    return result


def statuses_for(
    agent_ids: Iterable[int], modules: list[TrainingModule], on: dt.date | None = None
) -> dict[int, dict[int, ModuleStatus]]:
    """{agent_id: {module_id: ModuleStatus}} for every agent and module given (two queries at most)."""
    on = on or today()
    agent_ids = list(agent_ids)
    scores = counting_scores(agent_ids, [m.pk for m in modules], on)
    return {
        agent_id: {m.pk: module_status(m, scores.get((agent_id, m.pk)), on) for m in modules}
        for agent_id in agent_ids
    }


def required_modules(
    *, shop_id: int | None, issue_type_code: str | None, handling_role: str | None
) -> list[TrainingModule]:
    requirements = (
        ModuleRequirement.objects.filter(active=True, module__active=True)
        .filter(Q(handling_role="") | Q(handling_role=handling_role or ""))
        .filter(Q(issue_type__isnull=True) | Q(issue_type__code=issue_type_code or ""))
        .filter(Q(shop__isnull=True) | Q(shop_id=shop_id))
        .select_related("module")
    )
    modules = {req.module_id: req.module for req in requirements}
    return sorted(modules.values(), key=lambda m: (m.sort_order, m.code))


def certification_check(
    user,
    *,
    shop_id: int | None,
    issue_type_code: str | None,
    handling_role: str | None,
    on: dt.date | None = None,
) -> str | None:
    """The ``cases.hooks.certification_checks`` hook: None when eligible, else the reason in Chinese."""
    modules = required_modules(shop_id=shop_id, issue_type_code=issue_type_code, handling_role=handling_role)
    if not modules:
        return None
    on = on or today()
    scores = counting_scores([user.pk], [m.pk for m in modules], on)
    for module in modules:
        status = module_status(module, scores.get((user.pk, module.pk)), on)
        if not status.passed:
            return status.reason
    return None
