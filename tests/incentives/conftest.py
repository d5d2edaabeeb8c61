import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from incentives.choices import EntryKind, Unit
from incentives.services.periods import period_ensure, posting_period
from tests.factories import LedgerEntryFactory


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop], display_name="王小丽", employee_code="A001")


@pytest.fixture
def other_agent(make_user, other_shop):
    return make_user("agent", shops=[other_shop], display_name="李明", employee_code="A002")


@pytest.fixture
def manager(make_user, shop, other_shop):
    return make_user("manager", shops=[shop, other_shop], employee_code="M001")


@pytest.fixture
def hr(make_user, shop, other_shop):
    return make_user("hr", shops=[shop, other_shop], employee_code="H001")


@pytest.fixture
def hr_manager(make_user, shop, other_shop):
    """One person holding both roles: the four-eyes rule is about people, not groups."""
    user = make_user("manager", shops=[shop, other_shop], employee_code="HM01")
    user.groups.add(Group.objects.get(name="hr"))
    return user


@pytest.fixture
def current_period(db):
    return posting_period()


@pytest.fixture
def previous_period(current_period):
    day = current_period.starts_on - dt.timedelta(days=1)
    return period_ensure(year=day.year, month=day.month)


@pytest.fixture
def post():
    """post(user, amount, unit=CNY, kind=AWARD, key=None, **cause) → entry."""

    def do(user, amount, unit=Unit.CNY, kind=EntryKind.AWARD, key=None, **kwargs):
        if key is not None:
            kwargs["key"] = key
        return LedgerEntryFactory(user=user, unit=unit, kind=kind, amount=Decimal(str(amount)), **kwargs)

    return do
