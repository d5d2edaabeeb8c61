"""The dashboard's answer times count business minutes on the department's calendar (else the shop's),
as the due times do: an order answered the morning after its closing time, or after a holiday, waited only
the open hours."""

import datetime as dt
import zoneinfo

import pytest

from insights.selectors.dashboard import Filters
from policies.choices import ExceptionKind
from policies.models import BusinessCalendar, CalendarException, OpeningHours
from tests.workorders.support import department, open_case, raise_order
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder
from workorders.reports import figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def office_hours(shop):
    """The warehouse works 09:00–18:00 Monday to Friday; 2026-10-01 (Thursday) is a holiday. The shop
    keeps its service desk's 08:00–24:00 every day (its own row: the policy loader takes the newest
    global calendar for a shop without one, which the warehouse's would be)."""
    desk = BusinessCalendar.objects.create(name="客服营业时间", shop=shop, active=False)
    for weekday in range(7):
        OpeningHours.objects.create(calendar=desk, weekday=weekday, opens=dt.time(8), closes=dt.time(0))
    desk.active = True
    desk.save()
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


def _answered(order, at):
    WorkOrder.objects.filter(pk=order.pk).update(
        status=WorkOrderStatus.ANSWERED, answer="已核实", answered_at=at, next_check_at=None
    )


def test_answer_times_skip_the_night_and_the_holiday(shop, agent, office_hours):
    case = open_case(shop, agent)
    # Tuesday 17:00 → Wednesday 10:00: 60 + 60 business minutes (17 hours on the wall clock).
    _answered(
        raise_order(case, agent, now=dt.datetime(2026, 9, 29, 17, 0, tzinfo=SH)),
        dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH),
    )
    # Wednesday 17:30 → Friday 10:00 over the Thursday holiday: 30 + 60 (40.5 hours on the wall clock).
    _answered(
        raise_order(case, agent, now=dt.datetime(2026, 9, 30, 17, 30, tzinfo=SH)),
        dt.datetime(2026, 10, 2, 10, 0, tzinfo=SH),
    )
    # Logistics has no calendar: the shop's (08:00–24:00). 23:00 → 09:00 next day: 60 + 60 (10 hours).
    _answered(
        raise_order(case, agent, "logistics", "trace_parcel", now=dt.datetime(2026, 9, 29, 23, 0, tzinfo=SH)),
        dt.datetime(2026, 9, 30, 9, 0, tzinfo=SH),
    )
    filters = Filters(shop_ids=(shop.pk,), start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 4))

    rows = {row["department__name"]: row for row in figures(filters, now=dt.datetime(2026, 10, 5, tzinfo=SH))}

    assert (rows["仓库"]["answered"], rows["仓库"]["median"], rows["仓库"]["p90"]) == (2, 105, 120)
    assert (rows["物流"]["answered"], rows["物流"]["median"], rows["物流"]["p90"]) == (1, 120, 120)


def test_an_open_order_has_no_answer_time(shop, agent, office_hours):
    raise_order(open_case(shop, agent), agent, now=dt.datetime(2026, 9, 29, 17, 0, tzinfo=SH))
    filters = Filters(shop_ids=(shop.pk,), start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 4))

    (row,) = figures(filters, now=dt.datetime(2026, 10, 5, tzinfo=SH))

    assert (row["raised"], row["answered"], row["median"], row["p90"]) == (1, 0, None, None)
