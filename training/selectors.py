"""Reads of the training app: who may see whom, scorecards, the team view."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from reviewdesk.access import shop_ids_for
from reviewdesk.choices import Role
from reviewdesk.models import User
from training.certification import ModuleStatus, statuses_for, today
from training.choices import QaStatus
from training.models import CertificationLapse, ModuleRequirement, QaReview, Score, TrainingModule
from training.periods import previous_periods

CASE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL)
TREND_PERIODS = 6


def case_handlers() -> QuerySet[User]:
    """Everyone who handles cases (active, in a case role), in every shop."""
    return User.objects.filter(is_active=True, groups__name__in=CASE_ROLES)


def visible_agents(user) -> QuerySet[User]:
    """People whose scores ``user`` may see: case handlers of the shops ``user`` belongs to."""
    if not user.is_authenticated:
        return User.objects.none()
    people = case_handlers()
    if not user.is_superuser:
        people = people.filter(memberships__shop_id__in=shop_ids_for(user))
    return people.distinct().order_by("employee_code", "pk")


def can_view_agent(viewer, agent) -> bool:
    if viewer.pk == agent.pk:
        return True
    if not (viewer.has_perm("training.view_score") or viewer.has_perm("training.view_qareview")):
        return False
    return visible_agents(viewer).filter(pk=agent.pk).exists()


def active_modules() -> list[TrainingModule]:
    return list(TrainingModule.objects.filter(active=True))


@dataclass
class TrendRow:
    module: TrainingModule
    cells: list[tuple[str, object]] = field(default_factory=list)  # (period key, value or None)


def trend(agent, modules: list[TrainingModule], on: dt.date) -> list[TrendRow]:
    """The counted value of each of the last periods per module (latest recorded row per period)."""
    rows = []
    scores = Score.objects.filter(agent=agent, module__in=modules, period_start__lte=on).order_by(
        "-recorded_at", "-pk"
    )
    latest: dict[tuple[int, str], Score] = {}
    for score in scores:
        latest.setdefault((score.module_id, score.period), score)
    for module in modules:
        periods = previous_periods(module.period_kind, TREND_PERIODS, until=on)
        cells = [(p.key, latest.get((module.pk, p.key))) for p in periods]
        rows.append(TrendRow(module, cells))
    return rows


def scorecard(agent, on: dt.date | None = None) -> dict:
    on = on or today()
    modules = active_modules()
    statuses: dict[int, ModuleStatus] = statuses_for([agent.pk], modules, on)[agent.pk]
    reviews = (
        QaReview.objects.filter(agent=agent)
        .select_related("case", "rubric", "reviewer", "settled_by")
        .prefetch_related("results__item")
        .order_by("-scored_at")[:50]
    )
    return {
        "on": on,
        "statuses": [statuses[m.pk] for m in modules],
        "trend": trend(agent, modules, on),
        "reviews": list(reviews),
        "requirements": requirement_rows({agent.pk: statuses}, [agent.pk])[agent.pk],
    }


def requirement_rows(
    statuses: dict[int, dict[int, ModuleStatus]], agent_ids
) -> dict[int, list[tuple[str, bool]]]:
    """Per agent: (requirement label, certified?) for every active requirement group."""
    requirements = list(
        ModuleRequirement.objects.filter(active=True, module__active=True).select_related(
            "module", "issue_type", "shop"
        )
    )
    result = {}
    for agent_id in agent_ids:
        rows = []
        for req in requirements:
            status = statuses.get(agent_id, {}).get(req.module_id)
            rows.append((str(req), bool(status and status.passed)))
        result[agent_id] = rows
    return result


def team_overview(viewer, on: dt.date | None = None) -> dict:
    on = on or today()
    modules = active_modules()
    agents = list(visible_agents(viewer))
    statuses = statuses_for([a.pk for a in agents], modules, on)
    requirements = list(
        ModuleRequirement.objects.filter(active=True, module__active=True).select_related(
            "module", "issue_type", "shop"
        )
    )
    rows = []
    for agent in agents:
        by_module = statuses[agent.pk]
        below = [s for s in by_module.values() if not s.passed]
        certified_for = [
            str(req)
            for req in requirements
            if by_module.get(req.module_id) and by_module[req.module_id].passed
        ]
        rows.append(
            {
                "agent": agent,
                "statuses": [by_module[m.pk] for m in modules],
                "below": below,
                "certified_for": certified_for,
            }
        )
    lapses = (
        CertificationLapse.objects.filter(agent__in=agents)
        .select_related("agent", "module")
        .order_by("-detected_at")[:50]
    )
    disputes = (
        QaReview.objects.filter(status=QaStatus.DISPUTED, agent__in=agents)
        .select_related("agent", "reviewer", "case")
        .order_by("disputed_at")
    )
    return {
        "on": on,
        "modules": modules,
        "rows": rows,
        "lapses": list(lapses),
        "disputes": list(disputes),
        "requirements": requirements,
    }
