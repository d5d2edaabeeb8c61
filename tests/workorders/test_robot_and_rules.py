"""The department's group robot @-mentions its members and links the order (a real HTTP server on
127.0.0.1); automatic rules open an order once: a courier alert to logistics, a SKU over the weekly
quality threshold to QC."""

import datetime as dt

import pytest
from django.utils import timezone

from policies.models import IssueType
from tests.cases.routing_support import RobotServer
from tests.workorders.support import contact, department, member, open_case, raise_order
from workorders.automation import courier_watch_alert, quality_rule_sweep
from workorders.choices import WorkOrderSource
from workorders.models import DepartmentMember, WorkOrder
from workorders.robot import announce

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
QUALITY_THRESHOLD = 3  # the seeded quality rule (workorders 0005)


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def robot():
    with RobotServer() as server:
        yield server


def test_dingtalk_robot_mentions_members_by_mobile_and_links_the_order(shop, agent, make_user, robot):
    warehouse = department("warehouse")
    warehouse.robot_kind, warehouse.robot_webhook_url = (
        "dingtalk",
        f"{robot.base_url}/robot/send?access_token=t",
    )
    warehouse.robot_secret = "SEC123"
    warehouse.save()
    member(make_user, "warehouse", shops=[shop], mobile="13700000001")
    robot.responses["/robot/send"] = (200, {"errcode": 0, "errmsg": "ok"})
    order = raise_order(open_case(shop, agent), agent)

    assert announce(order.pk) is True

    (request,) = robot.requests
    body = request["json"]
    assert body["at"] == {"atMobiles": ["13700000001"], "atUserIds": [], "isAtAll": False}
    assert (
        "@13700000001" in body["markdown"]["text"] and f"/workorders/{order.pk}/" in body["markdown"]["text"]
    )
    assert "仓库 · 核实库存" in body["markdown"]["title"]
    assert set(request["query"]) == {"access_token", "timestamp", "sign"}


def test_feishu_robot_mentions_by_user_id_and_gives_the_contact_their_link(shop, agent, make_user, robot):
    supplier = department("supplier")
    supplier.robot_kind, supplier.robot_webhook_url = "feishu", f"{robot.base_url}/open-apis/bot/v2/hook/x"
    supplier.save()
    clerk = member(make_user, "supplier", shops=[shop])
    DepartmentMember.objects.filter(user=clerk).update(robot_user_id="ou_123")
    order = raise_order(open_case(shop, agent), agent, "supplier", "confirm_defect", contact_id=contact().pk)

    assert announce(order.pk) is True

    content = robot.requests[0]["json"]["content"]["post"]["zh_cn"]["content"]
    assert {"tag": "at", "user_id": "ou_123"} in content[-2]
    link = content[-1][0]["href"]
    assert f"/workorders/answer/{order.pk}/?t=" in link


def test_a_department_without_robot_posts_nothing(shop, agent, robot):
    order = raise_order(open_case(shop, agent), agent)
    assert announce(order.pk) is False and robot.requests == []


def test_a_courier_alert_opens_one_order_to_logistics(shop, agent):
    case = open_case(shop, agent)
    first = courier_watch_alert(case_id=case.pk, reason="包裹3天未更新")
    again = courier_watch_alert(case_id=case.pk, reason="包裹4天未更新")

    assert first is not None and again.pk == first.pk
    (order,) = WorkOrder.objects.filter(case=case)
    assert order.department.code == "logistics" and order.request_type.code == "trace_parcel"
    assert order.source == WorkOrderSource.COURIER_WATCH and order.raised_by is None
    assert "包裹3天未更新" in order.question


def test_a_sku_over_the_weekly_quality_threshold_asks_qc_once(shop, agent):
    quality = IssueType.objects.get(code="quality")
    cases = [open_case(shop, agent, issue_type=quality) for _n in range(QUALITY_THRESHOLD)]
    for case in cases:
        case.review.item_id, case.review.sku = "SKU-42", "1.8米"
        case.review.save(update_fields=["item_id", "sku"])

    opened = quality_rule_sweep()
    assert quality_rule_sweep() == opened  # the same week: the same order, no second one

    (order,) = WorkOrder.objects.all()
    assert order.department.code == "qc" and order.source == WorkOrderSource.QUALITY_THRESHOLD
    assert order.case_id == max(c.pk for c in cases) and f"{QUALITY_THRESHOLD}个质量问题" in order.question


def test_below_the_threshold_or_older_than_a_week_nothing_opens(shop, agent):
    quality = IssueType.objects.get(code="quality")
    cases = [open_case(shop, agent, issue_type=quality) for _n in range(QUALITY_THRESHOLD)]
    for case in cases:
        case.review.item_id = "SKU-1"
        case.review.save(update_fields=["item_id"])
    cases[0].review.received_at = timezone.now() - dt.timedelta(days=8)
    cases[0].review.save(update_fields=["received_at"])
    assert quality_rule_sweep() == [] and not WorkOrder.objects.exists()
