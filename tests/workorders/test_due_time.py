"""The due time of a work order counts business time on the department's calendar: across the closing
time, over a holiday, and on the case's shop calendar when the department has none."""

import datetime as dt
import zoneinfo

import pytest

from policies.business_time import add_business_minutes
from policies.choices import ExceptionKind
from policies.models import BusinessCalendar, CalendarException, OpeningHours
from tests.workorders.support import department, open_case, raise_order
from workorders.clock import calendar_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def office_hours():
    """The warehouse works 09:00–18:00 Monday to Friday; 2026-10-01 (Thursday) is a holiday."""
    calendar = BusinessCalendar.objects.create(name="仓库工作时间", shop=None, active=False)
    for weekday in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(18))
    CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 10, 1), kind=ExceptionKind.HOLIDAY)
    calendar.active = True
    calendar.save()
    warehouse = department("warehouse")
    warehouse.calendar = calendar
    warehouse.save()
    return calendar


def test_two_hours_raised_an_hour_before_closing_end_an_hour_after_next_opening(shop, agent, office_hours):
    case = open_case(shop, agent)
    raised = dt.datetime(2026, 9, 29, 17, 0, tzinfo=SH)  # Tuesday 17:00

    order = raise_order(case, agent, now=raised)

    assert order.due_at == dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH)  # Wednesday 10:00
    assert order.warn_at == dt.datetime(2026, 9, 30, 9, 36, tzinfo=SH)  # 80 % = 96 minutes
    assert order.next_check_at == order.warn_at
    assert order.supervisor_at == dt.datetime(2026, 9, 30, 12, 0, tzinfo=SH)


def test_a_holiday_and_the_weekend_do_not_count(shop, agent, office_hours):
    case = open_case(shop, agent)
    raised = dt.datetime(2026, 9, 30, 17, 30, tzinfo=SH)  # Wednesday 17:30; Thursday is a holiday

    order = raise_order(case, agent, now=raised)

    # 30 minutes on Wednesday, Thursday closed, 90 minutes on Friday from 09:00.
    assert order.due_at == dt.datetime(2026, 10, 2, 10, 30, tzinfo=SH)


def test_raised_on_a_saturday_counts_from_monday_opening(shop, agent, office_hours):
    case = open_case(shop, agent)
    order = raise_order(case, agent, now=dt.datetime(2026, 10, 3, 11, 0, tzinfo=SH))
    assert order.due_at == dt.datetime(2026, 10, 5, 11, 0, tzinfo=SH)


def test_logistics_gets_four_hours_on_the_shop_calendar_without_its_own(shop, agent):
    case = open_case(shop, agent)
    logistics = department("logistics")
    assert logistics.calendar_id is None
    raised = dt.datetime(2026, 9, 29, 22, 0, tzinfo=SH)

    order = raise_order(case, agent, "logistics", "trace_parcel", now=raised)

    expected = add_business_minutes(raised, 240, calendar_for(logistics, case))
    assert order.due_at == expected
    assert order.due_at - raised > dt.timedelta(hours=4)  # the shop closes at midnight (default pack)
