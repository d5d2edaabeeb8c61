"""Awards read from training data (QA scores, response KPIs) and the quarterly paid-leave ranking:
commands, the scheduled tasks, and that re-running posts nothing twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from incentives.choices import AwardEvent, Unit
from incentives.models import LedgerEntry
from incentives.services.ledger import balance_for
from incentives.services.sweeps import previous_month_code, previous_quarter_code, qa_awards_sweep
from incentives.tasks import quarter_top_task, training_awards_task
from tests.training.conftest import give_score, make_case
from training.choices import QaStatus
from training.models import QaReview, QaRubric, TrainingModule

pytestmark = pytest.mark.django_db


def qa(agent, reviewer, shop, total, *, status=QaStatus.SCORED, critical_failed=False, when=None):
    case = make_case(shop, assignee=agent)
    return QaReview.objects.create(
        case=case,
        rubric=QaRubric.objects.first(),
        agent=agent,
        reviewer=reviewer,
        scored_at=when or timezone.now(),
        total=Decimal(total),
        critical_failed=critical_failed,
        status=status,
    )


def test_previous_month_and_quarter_codes():
    assert previous_month_code(dt.date(2026, 1, 15)) == "2025-12"
    assert previous_month_code(dt.date(2026, 11, 1)) == "2026-10"
    assert previous_quarter_code(dt.date(2026, 2, 1)) == "2025-Q4"
    assert previous_quarter_code(dt.date(2026, 12, 31)) == "2026-Q3"


def test_qa_scores_at_or_above_the_threshold_earn_points_once(agent, manager, shop):
    month = timezone.localdate().strftime("%Y-%m")
    good = qa(agent, manager, shop, "95")
    qa(agent, manager, shop, "80")  # below the seeded 90
    qa(agent, manager, shop, "98", critical_failed=True)  # a failed critical item is a zero
    qa(agent, manager, shop, "99", status=QaStatus.DISPUTED)  # not counted until settled

    assert qa_awards_sweep(month_code=month) == 3
    qa_awards_sweep(month_code=month)  # again: nothing new

    entries = LedgerEntry.objects.filter(event=AwardEvent.QA_SCORE)
    assert [(e.subject_ref, e.amount) for e in entries] == [(f"qa:{good.pk}", Decimal("10.00"))]
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("10.00")


def test_response_kpi_met_when_every_response_module_passes(agent, other_agent, shop):
    month = previous_month_code()
    sla = TrainingModule.objects.get(computed_metric="first_response_sla")
    minutes = TrainingModule.objects.get(computed_metric="first_response_minutes")
    give_score(agent, sla, month, "95", source="computed")
    give_score(agent, minutes, month, "2", source="computed")
    give_score(other_agent, sla, month, "95", source="computed")
    give_score(other_agent, minutes, month, "500", source="computed")  # too slow

    call_command("award_training", "--period", month)
    call_command("award_training", "--period", month)

    entries = LedgerEntry.objects.filter(event=AwardEvent.RESPONSE_KPI)
    assert [(e.account.user, e.amount, e.subject_ref) for e in entries] == [
        (agent, Decimal("30.00"), f"kpi:{month}:{agent.pk}")
    ]


def test_award_training_refuses_a_bad_month_and_posts_nothing(db):
    with pytest.raises(CommandError, match="期间格式不正确"):
        call_command("award_training", "--period", "2026-Q4")
    assert not LedgerEntry.objects.exists()


def test_quarter_top_command_refuses_an_unfinished_quarter(agent):
    today = timezone.localdate()
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("award_quarter_top", "--quarter", f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    assert not LedgerEntry.objects.exists()


def test_scheduled_tasks_exist_and_run(agent, manager, shop):
    assert Schedule.objects.get(func="incentives.tasks.training_awards_task").schedule_type == Schedule.DAILY
    assert Schedule.objects.get(func="incentives.tasks.quarter_top_task").schedule_type == Schedule.QUARTERLY
    qa(agent, manager, shop, "100")
    assert training_awards_task()["qa"] == 1
    assert quarter_top_task() == 0  # no conversions in the last quarter: nobody ranked
