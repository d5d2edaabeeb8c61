"""Two clusters sweeping at once (two threads, real commits on PostgreSQL): no duplicate events,
no duplicate notifications."""

import datetime as dt

import pytest

from cases.models import Notification, SlaEvent
from cases.notifications.choices import NotificationKind
from cases.sla.sweep import sla_sweep
from tests.cases.routing_support import T0, make_case, sla_fields
from tests.factories import ShopFactory, UserFactory
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sweeps_at_once_announce_each_breach_once():
    shop = ShopFactory(code="pg-race", platform="taobao", name="并发店铺")
    supervisors = [UserFactory(role="supervisor", shops=[shop]) for _ in range(2)]
    cases = [
        make_case(shop, **sla_fields(start=T0 + n * dt.timedelta(seconds=7), minutes=60)) for n in range(1200)
    ]
    now = T0 + dt.timedelta(hours=5)

    results, errors = race_all([lambda: sla_sweep(now=now)] * 2)

    assert errors == []
    assert sum(r.breaches for r in results) == len(cases)
    assert SlaEvent.objects.count() == len(cases)
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACH).count() == len(cases) * len(
        supervisors
    )
    # A third run afterwards finds nothing left to do.
    assert sla_sweep(now=now).checked == 0


def test_four_sweeps_racing_for_one_case_announce_its_breach_once():
    shop = ShopFactory(code="pg-race2", platform="taobao", name="并发店铺2")
    UserFactory(role="supervisor", shops=[shop])
    make_case(shop, **sla_fields(start=T0, minutes=60))
    now = T0 + dt.timedelta(hours=2)

    results, errors = race_all([lambda: sla_sweep(now=now)] * 4)

    assert errors == []
    assert sum(r.breaches for r in results) == 1
    assert SlaEvent.objects.count() == 1
    assert Notification.objects.count() == 1


def test_four_sweeps_racing_for_worsened_cases_escalate_each_once():
    shop = ShopFactory(code="pg-race3", platform="taobao", name="并发店铺3")
    supervisor = UserFactory(role="supervisor", shops=[shop])
    cases = [
        make_case(
            shop,
            needs_escalation=True,
            sla_next_check_at=T0,
            rating_worsened_at=T0,
            rating_worsened_from=3,
            rating_worsened_to=1,
        )
        for _ in range(30)
    ]

    results, errors = race_all([lambda: sla_sweep(now=T0 + dt.timedelta(minutes=1))] * 4)

    assert errors == []
    assert sum(r.escalations for r in results) == len(cases)
    assert Notification.objects.filter(kind=NotificationKind.RATING_WORSENED, user=supervisor).count() == len(
        cases
    )
    assert Notification.objects.count() == len(cases)
