"""The weekly Top-3 report for the departments: each department robot gets one message per week and
scope with its own work orders behind each top issue (a re-run sends nothing twice), and a department's
lead, who may not open insights' report, opens a page of his departments' orders behind the week's top
issues; another shop's lead sees nothing of it."""

import datetime as dt

import pytest
from django.urls import reverse

from insights.hooks import weekly_sent
from insights.periods import local_today, week_of
from insights.services.reports import weekly_report_store
from insights.services.rollup import rollup_rebuild
from tests.cases.routing_support import RobotServer
from tests.workorders.support import department, member, open_case, raise_order
from workorders.choices import RobotPostStatus
from workorders.models import RobotPost
from workorders.weekly import weekly_department_posts, weekly_report_sent, weekly_robot_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def world(shop, other_shop, make_user):
    agent = make_user("agent", shops=[shop])
    case = open_case(shop, agent)
    stock = raise_order(case, agent, question="请核实这批货的库存")
    defect = raise_order(case, agent, "supplier", "confirm_defect", question="请确认做工问题")
    stranger = make_user("agent", shops=[other_shop])
    elsewhere = raise_order(open_case(other_shop, stranger), stranger)
    week = week_of(local_today(case.opened_at))
    for each in (shop, other_shop):
        rollup_rebuild(shop_id=each.pk, days=[week.monday + dt.timedelta(days=i) for i in range(7)])
    return {"case": case, "stock": stock, "defect": defect, "elsewhere": elsewhere, "week": week}


@pytest.fixture
def robot():
    with RobotServer() as server:
        warehouse = department("warehouse")
        warehouse.robot_kind = "dingtalk"
        warehouse.robot_webhook_url = f"{server.base_url}/robot/send?access_token=t"
        warehouse.save()
        server.responses["/robot/send"] = (200, {"errcode": 0, "errmsg": "ok"})
        yield server


def test_each_department_robot_gets_the_week_once_per_scope(
    shop, world, robot, django_capture_on_commit_callbacks
):
    week = world["week"]
    with django_capture_on_commit_callbacks(execute=True):
        made = weekly_department_posts(week=week, shop_id=shop.pk)

    (post,) = RobotPost.objects.filter(pk__in=made)
    assert post.department.code == "warehouse" and post.status == RobotPostStatus.SENT
    (request,) = robot.requests
    text = request["json"]["markdown"]["text"]
    assert f"【差评TOP3周报】{week.key} · {shop.name} · 仓库" in text
    assert f"#{world['stock'].pk} 核实库存" in text  # the warehouse's order behind the top issue
    assert f"#{world['defect'].pk}" not in text and f"#{world['elsewhere'].pk}" not in text
    assert f"{reverse('workorders:weekly')}?week={week.key}&shop={shop.pk}" in text

    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_department_posts(week=week, shop_id=shop.pk) == []  # the same week and scope: nothing
    assert len(robot.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert len(weekly_department_posts(week=week, shop_id=None)) == 1  # the all-shops report is its own
    assert len(robot.requests) == 2 and "全部店铺" in robot.requests[1]["json"]["markdown"]["text"]


def test_a_sent_report_reaches_the_robots_through_the_registry_and_the_sweep_adds_nothing(
    shop, world, robot, django_capture_on_commit_callbacks
):
    week = world["week"]
    assert weekly_report_sent in weekly_sent.all()
    report = weekly_report_store(week=week, shop=shop)

    with django_capture_on_commit_callbacks(execute=True):
        for sent in weekly_sent.all():
            sent(report=report)
    assert len(robot.requests) == 1

    after_the_week = week.end + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_robot_sweep(now=after_the_week) == 0
    assert len(robot.requests) == 1 and RobotPost.objects.count() == 1


def test_the_sweep_posts_a_report_that_was_sent_without_its_robot_posts(
    shop, world, robot, django_capture_on_commit_callbacks
):
    week = world["week"]
    weekly_report_store(week=week, shop=shop)
    weekly_report_store(week=week, shop=None)

    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_robot_sweep(now=week.end + dt.timedelta(days=1)) == 2
        assert weekly_robot_sweep(now=week.end + dt.timedelta(days=1)) == 0
    assert len(robot.requests) == 2


def test_a_department_without_robot_gets_no_post(shop, world):
    assert weekly_department_posts(week=world["week"], shop_id=shop.pk) == []
    assert not RobotPost.objects.exists()


def test_the_lead_opens_his_departments_orders_behind_the_top_issues(
    client, shop, other_shop, world, make_user
):
    lead = member(make_user, "warehouse", shops=[shop], lead=True)
    client.force_login(lead)
    week = world["week"]
    listing = client.get(reverse("workorders:list")).content.decode()
    assert f'href="{reverse("workorders:weekly")}" id="weekly-link"' in listing  # his list links there too

    page = client.get(reverse("workorders:weekly"), {"week": week.key, "shop": shop.pk})

    assert page.status_code == 200
    (issue,) = page.context["issues"]
    assert [o["id"] for o in issue["orders"]] == [world["stock"].pk]  # not the supplier's, not shop B's
    assert f'id="work-order-{world["stock"].pk}"' in page.content.decode()
    report = weekly_report_store(week=week, shop=shop)
    assert client.get(reverse("insights:report_download", kwargs={"pk": report.pk})).status_code == 403


def test_another_shops_lead_sees_nothing_of_it(client, shop, other_shop, world, make_user):
    stranger = member(make_user, "warehouse", shops=[other_shop], lead=True)
    client.force_login(stranger)
    week = world["week"]

    assert client.get(reverse("workorders:weekly"), {"week": week.key, "shop": shop.pk}).status_code == 404
    page = client.get(reverse("workorders:weekly"), {"week": week.key})
    assert page.status_code == 200
    shown = [o["id"] for issue in page.context["issues"] for o in issue["orders"]]
    assert shown == [world["elsewhere"].pk]  # his own shop's warehouse order only
    assert f"work-order-{world['stock'].pk}" not in page.content.decode()


def test_a_bad_week_is_not_found(client, shop, make_user):
    client.force_login(member(make_user, "warehouse", shops=[shop], lead=True))
    assert client.get(reverse("workorders:weekly"), {"week": "2026-W99"}).status_code == 404


def test_a_clients_report_goes_to_no_lead_and_no_robot(
    shop, other_shop, make_user, robot, django_capture_on_commit_callbacks
):
    """A client's report is the brand's own (its recipients); the departments hear of the agency's
    reports of the same shops (each shop's and the all-shops one)."""
    from cases.models import Notification
    from insights.services.reports import weekly_report_notify
    from reviewdesk.models import Client, Shop

    brand = Client.objects.create(code="brand-wo", name="工单品牌")
    Shop.objects.filter(pk__in=[shop.pk, other_shop.pk]).update(client=brand)
    both = member(make_user, "warehouse", shops=[shop, other_shop], lead=True)
    one = member(make_user, "qc", shops=[shop], lead=True)
    week = week_of(local_today() - dt.timedelta(days=7))
    report = weekly_report_store(week=week, shop=None, client=brand)

    with django_capture_on_commit_callbacks(execute=True):
        weekly_report_notify(report=report, recipients=[])
        weekly_report_sent(report=report)

    assert not Notification.objects.filter(user__in=[both, one]).exists()
    assert not RobotPost.objects.exists() and robot.requests == []
