"""The late-parcel sweep: what "late" means per courier and calendar, one task per order and reason, the
task's own SLA and the offer the rule suggests (checked for compliance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policies.choices import ExceptionKind
from policies.loader import load_policy
from policies.models import BusinessCalendar, CalendarException, OpeningHours
from prevention.choices import LateReason, OrderStatus, TaskOutcome, TaskStatus
from prevention.models import LateRule, PreventionTask
from prevention.services import prevention_task_record_outcome
from prevention.sweep import late_sweep
from tests.prevention.conftest import NOW, SH, make_order

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def reasons(order) -> set[str]:
    return set(
        PreventionTask.objects.filter(order=order, status=TaskStatus.OPEN).values_list("reason", flat=True)
    )


def test_each_kind_of_lateness_opens_its_task_and_a_parcel_on_time_opens_none(seeded, shop):
    # The seeded global rules: any courier 24 h without movement, 36 h at one station, 5 days in transit;
    # 顺丰 12 h, 24 h, 3 days. The default calendar runs 08:00–24:00 every day.
    not_shipped = make_order(shop, "1001", status=OrderStatus.AWAITING_SHIPMENT, ship_by=NOW - H)
    shipped_in_time = make_order(shop, "1002", status=OrderStatus.AWAITING_SHIPMENT, ship_by=NOW + H)
    silent = make_order(shop, "1003", shipped_at=NOW - 60 * H, last_movement_at=NOW - 50 * H)
    moving = make_order(
        shop, "1004", shipped_at=NOW - 20 * H, last_movement_at=NOW - 2 * H, station_since=NOW - 3 * H
    )
    stuck = make_order(
        shop,
        "1005",
        shipped_at=NOW - 70 * H,
        last_movement_at=NOW - 2 * H,
        station="杭州转运中心",
        station_since=NOW - 60 * H,
    )
    overdue = make_order(
        shop, "1006", shipped_at=NOW - 6 * 24 * H, last_movement_at=NOW - 2 * H, station_since=NOW - 2 * H
    )
    delivered = make_order(
        shop,
        "1007",
        status=OrderStatus.DELIVERED,
        shipped_at=NOW - 30 * 24 * H,
        last_movement_at=NOW - 29 * 24 * H,
    )

    result = late_sweep(now=NOW)

    assert reasons(not_shipped) == {LateReason.NOT_SHIPPED}
    assert reasons(silent) == {LateReason.NO_MOVEMENT}
    assert reasons(stuck) == {LateReason.STUCK}
    assert reasons(overdue) == {LateReason.OVERDUE}
    assert reasons(shipped_in_time) == reasons(moving) == reasons(delivered) == set()
    assert (result.watched, result.late, result.opened) == (6, 4, 4)


def test_the_courier_rule_is_stricter_than_the_default(seeded, shop):
    shunfeng = make_order(
        shop, "2001", courier="顺丰速运", shipped_at=NOW - 30 * H, last_movement_at=NOW - 26 * H
    )
    zhongtong = make_order(
        shop, "2002", courier="中通快递", shipped_at=NOW - 30 * H, last_movement_at=NOW - 26 * H
    )
    late_sweep(now=NOW)
    # Tuesday 10:00 → Wednesday 12:00 in the default 08:00–24:00 calendar: 14 + 4 = 18 business hours.
    assert reasons(shunfeng) == {LateReason.NO_MOVEMENT}  # 18 h > 顺丰's 12 h
    assert reasons(zhongtong) == set()  # 18 h < the default 24 h


def test_a_shop_rule_replaces_the_global_one_and_an_inactive_one_switches_it_off(seeded, shop, other_shop):
    LateRule.objects.create(name="本店：顺丰关闭", shop=shop, courier="顺丰", active=False)
    here = make_order(
        shop, "3001", courier="顺丰速运", shipped_at=NOW - 30 * H, last_movement_at=NOW - 26 * H
    )
    there = make_order(
        other_shop, "3001", courier="顺丰速运", shipped_at=NOW - 30 * H, last_movement_at=NOW - 26 * H
    )
    late_sweep(now=NOW)
    # The shop falls back to the catch-all rule (24 h): not late; the other shop keeps 顺丰's 12 h.
    assert reasons(here) == set()
    assert reasons(there) == {LateReason.NO_MOVEMENT}


@pytest.fixture
def holiday_calendar(shop):
    """The shop works 09:00–18:00 every day; 2026-11-17 (the day before NOW) is a holiday."""
    calendar = BusinessCalendar.objects.create(name="节假日日历", shop=shop, active=False)
    for weekday in range(7):
        OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(18))
    CalendarException.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 17), kind=ExceptionKind.HOLIDAY
    )
    calendar.active = True
    calendar.save()
    return calendar


def test_business_hours_skip_nights_and_holidays(seeded, shop, other_shop, holiday_calendar):
    # Last movement Monday 16:00. By Wednesday noon: Monday 16–18 (2 h) + Tuesday (holiday) + Wednesday
    # 09–12 (3 h) = 5 business hours in the shop's calendar; 44 hours on the wall clock.
    moved = dt.datetime(2026, 11, 16, 16, 0, tzinfo=SH)
    shunfeng = make_order(shop, "4001", courier="顺丰速运", shipped_at=moved - H, last_movement_at=moved)
    late_sweep(now=NOW)
    assert reasons(shunfeng) == set()  # 5 business hours < 12
    # The other shop keeps the default 08:00–24:00 calendar: 8 + 16 + 4 = 28 business hours > 12.
    elsewhere = make_order(
        other_shop, "4001", courier="顺丰速运", shipped_at=moved - H, last_movement_at=moved
    )
    late_sweep(now=NOW)
    assert reasons(elsewhere) == {LateReason.NO_MOVEMENT}
    # A rule counting wall-clock hours ignores the calendar: 44 h > 12 h.
    LateRule.objects.filter(courier="顺丰").update(business_hours=False)
    late_sweep(now=NOW)
    assert reasons(shunfeng) == {LateReason.NO_MOVEMENT}


def test_the_task_is_due_in_the_rules_business_hours(seeded, shop, holiday_calendar):
    order = make_order(shop, "5001", status=OrderStatus.AWAITING_SHIPMENT, ship_by=NOW - H)
    late_sweep(now=NOW)
    task = PreventionTask.objects.get(order=order)
    # 4 business hours from Wednesday 12:00 in a 09:00–18:00 calendar: 16:00 the same day.
    assert task.due_at == dt.datetime(2026, 11, 18, 16, 0, tzinfo=SH)
    assert task.opened_at == NOW
    late_sweep(now=dt.datetime(2026, 11, 18, 17, 0, tzinfo=SH))  # later sweeps change nothing
    assert PreventionTask.objects.filter(order=order).count() == 1


def test_the_sweep_is_idempotent_and_a_handled_task_is_not_reopened_until_the_parcel_moves(
    seeded, shop, agent
):
    order = make_order(shop, "6001", shipped_at=NOW - 60 * H, last_movement_at=NOW - 50 * H)
    late_sweep(now=NOW)
    late_sweep(now=NOW + H)
    task = PreventionTask.objects.get(order=order)
    prevention_task_record_outcome(task=task, by=agent, outcome=TaskOutcome.CONTACTED)
    late_sweep(now=NOW + 2 * H)
    assert PreventionTask.objects.filter(order=order).count() == 1  # still the same silence: handled
    # It moved once after the task, then went silent again for two days: a new lateness, a new task.
    order.last_movement_at = NOW + 3 * H
    order.save()
    late_sweep(now=NOW + 60 * H)
    assert list(
        PreventionTask.objects.filter(order=order).order_by("pk").values_list("status", flat=True)
    ) == [
        TaskStatus.DONE,
        TaskStatus.OPEN,
    ]


def test_the_task_carries_the_rules_offer_and_a_review_tied_offer_is_refused(seeded, shop):
    first = make_order(shop, "7001", status=OrderStatus.AWAITING_SHIPMENT, ship_by=NOW - H)
    late_sweep(now=NOW)
    task = PreventionTask.objects.get(order=first)
    assert "5元无门槛优惠券" in task.offer_text
    assert task.offer_amount == Decimal("5.00") and task.offer_refused is False
    LateRule.objects.update(offer_text="包裹延迟了，给个好评就返5元红包")
    second = make_order(shop, "7002", status=OrderStatus.AWAITING_SHIPMENT, ship_by=NOW - H)
    late_sweep(now=NOW)
    refused = PreventionTask.objects.get(order=second)
    assert (refused.offer_text, refused.offer_amount, refused.offer_refused) == ("", None, True)


def test_the_sweep_reads_only_the_watched_orders(seeded, shop, django_assert_max_num_queries):
    for n in range(30):
        make_order(
            shop, f"80{n:02d}", shipped_at=NOW - 60 * H, last_movement_at=NOW - 50 * H, courier=f"快递{n % 3}"
        )
    load_policy(shop=shop, platform=shop.platform)  # the policy is cached per rule stamp, not per sweep
    with django_assert_max_num_queries(8):  # orders, shops, rules, stamp, tasks, the insert in a savepoint
        result = late_sweep(now=NOW)
    assert result.opened == 30
