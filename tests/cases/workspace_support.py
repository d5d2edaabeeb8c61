"""Builders for the workspace (web UI) tests: the default policy pack and cases triaged by the real
engine, as intake makes them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.imports import triage
from cases.models import Case, CaseEvent, CompensationOffer, ContactAttempt, Reply, Review

_counter = itertools.count(1)


@pytest.fixture
def seeded(db):
    from policies.loader import clear_policy_cache

    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    yield
    clear_policy_cache()


def business_moment() -> dt.datetime:
    """Today 10:00 in Shanghai (outside quiet hours), a few minutes in the past."""
    local = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    if local > timezone.localtime():
        local -= dt.timedelta(days=1)
    return local


def triaged_case(
    shop,
    *,
    content="质量太差，做工粗糙，开线了",
    amount="599.00",
    rating=1,
    received_at=None,
    phone="13812345678",
    address="浙江省杭州市西湖区文三路100号3栋",
    **fields,
) -> Case:
    """A review stored and triaged by the engine (as intake does), then ``fields`` set on the case."""
    n = next(_counter)
    received_at = received_at or timezone.now() - dt.timedelta(minutes=5)
    values = {
        "rating": rating,
        "content": content,
        "appended_content": "",
        "reviewed_at": received_at,
        "order_amount": Decimal(amount),
        "shipping_fee": Decimal("0.00"),
    }
    review = Review.objects.create(
        platform=shop.platform,
        shop=shop,
        external_id=f"ws-{n}",
        order_no=f"WS{n:08d}",
        item_title="纯棉四件套",
        sku="1.8米",
        rating=rating,
        content=content,
        reviewed_at=received_at,
        received_at=received_at,
        buyer_nick=f"买家{n}",
        buyer_phone=phone,
        buyer_address=address,
        order_amount=values["order_amount"],
        shipping_fee=values["shipping_fee"],
        courier="中通快递",
        fingerprint=f"ws{n}",
        source="api",
    )
    policy = triage.load_policy_for(shop)
    decision = triage.decide_for(triage.facts_for(values, shop=shop, received_at=received_at), policy)
    case = triage.case_for(
        review_id=review.pk,
        shop=shop,
        decision=decision,
        opened_at=received_at,
        clock=triage.WarnClock(policy),
    )
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    return case


def snapshot(case_id: int) -> dict:
    """Everything a refused action must leave as it was."""
    case = Case.objects.filter(pk=case_id).values().get()
    return {
        "case": case,
        "events": list(CaseEvent.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "offers": list(CompensationOffer.objects.filter(case_id=case_id).values()),
        "contacts": list(ContactAttempt.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "replies": list(Reply.objects.filter(case_id=case_id).values_list("pk", flat=True)),
    }
