"""Fixtures of the training tests: the seeded matrix (data migration), cases, scores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case
from tests.factories import CaseFactory
from training.models import QaRubric, TrainingModule
from training.periods import parse_period
from training.services.scores import score_upsert


@pytest.fixture
def product_knowledge(db):
    return TrainingModule.objects.get(code="product_knowledge")


@pytest.fixture
def negotiation(db):
    return TrainingModule.objects.get(code="negotiation")


@pytest.fixture
def emotion(db):
    return TrainingModule.objects.get(code="emotion_management")


@pytest.fixture
def rubric(db):
    return QaRubric.objects.get(name="中差评处理质检标准")


def items_by_name(rubric) -> dict[str, int]:
    return {item.name: item.pk for item in rubric.items.all()}


def all_pass(rubric, **overrides) -> dict[int, bool]:
    names = items_by_name(rubric)
    results = {pk: True for pk in names.values()}
    for name, passed in overrides.items():
        results[names[name]] = passed
    return results


def give_score(agent, module, period: str, value, *, source="trainer", recorded_at=None):
    return score_upsert(
        agent=agent,
        module=module,
        period=parse_period(period),
        value=Decimal(str(value)),
        source=source,
        now=recorded_at or timezone.now(),
    )


def make_case(shop, *, status="resolved", opened_at=None, **fields) -> Case:
    """A case of ``shop`` opened a day ago unless told, resolved three hours after it opened."""
    opened_at = opened_at or timezone.now() - dt.timedelta(days=1)
    if status in ("resolved", "closed"):
        fields.setdefault("resolved_at", opened_at + dt.timedelta(hours=3))
    return CaseFactory(
        shop=shop,
        status=status,
        opened_at=opened_at,
        content="快递太慢，包装破损",
        escalation_role="",
        **fields,
    )


def month_key(months_back: int = 0) -> str:
    """The key of the month ``months_back`` before the current one (tests that go through today())."""
    from training.periods import previous_periods

    return previous_periods("monthly", months_back + 1, until=timezone.localdate())[0].key
