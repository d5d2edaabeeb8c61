"""Peak seasons and prevention tasks: a task the sweep opens while a campaign period is in force for the
shop counts its time (the late rule's hours) in the season's staffing calendar and names the season; out
of the season, or in a season without a staffing calendar, the shop's calendar counts. The most specific
layer's season wins (shop over client over global). The sweep asks no more queries for it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from policies.loader import load_policy
from policies.models import BusinessCalendar, CampaignPeriod, OpeningHours
from prevention.choices import OrderStatus
from prevention.models import PreventionTask
from prevention.sweep import late_sweep
from reviewdesk.models import Client as Brand
from tests.factories import ShopFactory
from tests.prevention.conftest import SH, make_order

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
SEASON_START = dt.datetime(2026, 11, 15, tzinfo=SH)
SEASON_END = dt.datetime(2026, 11, 20, tzinfo=SH)
# Wednesday 23:00, inside the season: the default calendar (08:00–24:00) has one hour left today.
LATE_EVENING = dt.datetime(2026, 11, 18, 23, 0, tzinfo=SH)
AFTER_SEASON = dt.datetime(2026, 11, 21, 23, 0, tzinfo=SH)


@pytest.fixture
def all_day(seeded):
    """The season's staffing: around the clock, every day."""
    calendar = BusinessCalendar.objects.create(name="双11全天排班", active=False)
    for weekday in range(7):
        OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(0), closes=dt.time(0))
    return calendar


def season(name="双11", **fields) -> CampaignPeriod:
    row = CampaignPeriod(name=name, starts_at=SEASON_START, ends_at=SEASON_END, **fields)
    row.full_clean()
    row.save()
    return row


def late_order(shop, number: str, at: dt.datetime):
    return make_order(shop, number, status=OrderStatus.AWAITING_SHIPMENT, ship_by=at - 2 * H)


def task_of(order) -> PreventionTask:
    return PreventionTask.objects.get(order=order)


def test_a_task_opened_in_the_season_counts_in_its_staffing_calendar_and_names_it(seeded, shop, all_day):
    row = season(calendar=all_day)
    inside = late_order(shop, "C1", LATE_EVENING)
    late_sweep(now=LATE_EVENING)
    task = task_of(inside)
    # 4 business hours around the clock: 03:00; the shop's calendar would have said Thursday 11:00.
    assert task.due_at == dt.datetime(2026, 11, 19, 3, 0, tzinfo=SH)
    assert (task.campaign_id_ref, task.campaign_name, task.campaign_calendar) == (
        row.pk,
        "双11",
        "双11全天排班",
    )

    after = late_order(shop, "C2", AFTER_SEASON)
    late_sweep(now=AFTER_SEASON)
    task = task_of(after)
    # Saturday 23:00 in the default 08:00–24:00 calendar: 1 hour today, 3 on Sunday morning.
    assert task.due_at == dt.datetime(2026, 11, 22, 11, 0, tzinfo=SH)
    assert (task.campaign_id_ref, task.campaign_name, task.campaign_calendar) == (None, "", "")


def test_a_season_without_a_staffing_calendar_keeps_the_shops_calendar_but_is_named(seeded, shop):
    row = season()
    order = late_order(shop, "D1", LATE_EVENING)
    late_sweep(now=LATE_EVENING)
    task = task_of(order)
    assert task.due_at == dt.datetime(2026, 11, 19, 11, 0, tzinfo=SH)
    assert (task.campaign_id_ref, task.campaign_name, task.campaign_calendar) == (row.pk, "双11", "")


def test_the_most_specific_layers_season_times_the_task(seeded, shop, all_day):
    brand = Brand.objects.create(code="brand-a", name="品牌A")
    own = ShopFactory(code="tb-a1", platform="taobao", client=brand)
    sibling = ShopFactory(code="tb-a2", platform="taobao", client=brand)
    season("全局双11")
    season("品牌A双11", client=brand, calendar=all_day)
    season("旗舰店双11", shop=own)
    orders = {s.code: late_order(s, f"E-{s.code}", LATE_EVENING) for s in (shop, own, sibling)}
    late_sweep(now=LATE_EVENING)
    found = {
        code: (
            task_of(order).campaign_name,
            task_of(order).campaign_calendar,
            task_of(order).due_at.astimezone(SH).hour,
        )
        for code, order in orders.items()
    }
    assert found == {
        "tb-main": ("全局双11", "", 11),  # no client: the global season, the shop's calendar
        "tb-a1": ("旗舰店双11", "", 11),  # its own season (no staffing calendar) over the client's
        "tb-a2": ("品牌A双11", "双11全天排班", 3),  # the client's season and its staffing
    }


def test_the_task_page_and_the_queue_say_which_season_set_the_task(seeded, shop, all_day, client, agent):
    season(calendar=all_day)
    order = late_order(shop, "F1", LATE_EVENING)
    late_sweep(now=LATE_EVENING)
    task = task_of(order)
    client.force_login(agent)
    page = client.get(reverse("prevention:task", args=[task.pk])).content.decode()
    assert "大促期间开启(双11)：处理时限按大促排班日历“双11全天排班”计时。" in page
    queue = client.get(reverse("prevention:queue")).content.decode()
    assert "大促：双11" in queue
    # A task opened outside any season says nothing of one.
    other = late_order(shop, "F2", AFTER_SEASON)
    late_sweep(now=AFTER_SEASON)
    page = client.get(reverse("prevention:task", args=[task_of(other).pk])).content.decode()
    assert "大促" not in page


def test_a_season_costs_the_sweep_no_query(seeded, shop, other_shop, all_day, django_assert_max_num_queries):
    season(calendar=all_day)
    season("抖店双11", shop=other_shop)
    for n in range(30):
        make_order(
            (shop, other_shop)[n % 2],
            f"90{n:02d}",
            shipped_at=LATE_EVENING - 60 * H,
            last_movement_at=LATE_EVENING - 50 * H,
            courier=f"快递{n % 3}",
        )
    for s in (shop, other_shop):
        load_policy(shop=s, platform=s.platform)  # the policy is cached per rule stamp, not per sweep
    # The same budget as without a season (test_late_sweep): orders, shops, rules, stamp, the insert.
    with django_assert_max_num_queries(8):
        result = late_sweep(now=LATE_EVENING)
    assert result.opened == 30
    names = set(PreventionTask.objects.values_list("shop__code", "campaign_name").distinct())
    assert names == {("tb-main", "双11"), ("dy-main", "抖店双11")}
