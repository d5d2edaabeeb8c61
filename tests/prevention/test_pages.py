"""The prevention pages: the queue scoped by shop, working a task, the case's link and panel, the risky
orders, the measured effect, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.signals import cases_opened
from prevention.choices import LateReason, OrderStatus, TaskOutcome, TaskStatus
from prevention.models import Order, PreventionTask, RiskFlag
from prevention.queries import effect_figures
from tests.factories import CaseFactory, ReviewFactory
from tests.prevention.conftest import make_order

pytestmark = pytest.mark.django_db


def open_task(shop, number: str, **fields) -> PreventionTask:
    order = make_order(shop, number, buyer_nick="王小明真名", **fields)
    now = timezone.now()
    return PreventionTask.objects.create(
        shop=shop,
        order=order,
        reason=LateReason.NO_MOVEMENT,
        opened_at=now,
        due_at=now + dt.timedelta(hours=4),
        offer_text="亲，包裹延迟了，为您准备了5元优惠券。",
    )


@pytest.fixture
def tasks(shop, other_shop):
    return open_task(shop, "A1"), open_task(other_shop, "B1")


def test_an_agent_sees_the_tasks_of_their_shops_only(client, agent, tasks):
    mine, theirs = tasks
    client.force_login(agent)
    page = client.get(reverse("prevention:queue")).content.decode()
    assert f"prevention-task-{mine.pk}" in page and "王小明真名" in page
    assert f"prevention-task-{theirs.pk}" not in page
    assert client.get(reverse("prevention:task", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("prevention:task", args=[theirs.pk]), {"outcome": "contacted", "version": 1}
    )
    assert response.status_code == 404
    assert PreventionTask.objects.get(pk=theirs.pk).status == TaskStatus.OPEN


def test_a_supervisor_sees_every_shop_of_theirs(client, make_user, shop, other_shop, tasks):
    client.force_login(make_user("supervisor", shops=[shop, other_shop]))
    page = client.get(reverse("prevention:queue")).content.decode()
    assert all(f"prevention-task-{task.pk}" in page for task in tasks)


def test_an_agent_records_the_outcome_once(client, agent, make_user, shop, tasks):
    task = tasks[0]
    client.force_login(agent)
    page = client.get(reverse("prevention:task", args=[task.pk])).content.decode()
    assert "5元优惠券" in page and 'name="outcome"' in page
    response = client.post(
        reverse("prevention:task", args=[task.pk]),
        {"outcome": TaskOutcome.COMPENSATED, "note": "已发券", "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome, task.note, task.done_by) == (
        TaskStatus.DONE,
        "compensated",
        "已发券",
        agent,
    )
    # A second agent on the stale page: refused in words, the first outcome kept.
    other = make_user("agent", shops=[shop])
    client.force_login(other)
    response = client.post(
        reverse("prevention:task", args=[task.pk]), {"outcome": TaskOutcome.NO_ACTION, "version": 1}
    )
    assert response.status_code == 400 and "已处理" in response.content.decode()
    task.refresh_from_db()
    assert (task.outcome, task.done_by) == ("compensated", agent)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"outcome": "bribe", "version": "1"}, "请选择处理结果"),
        ({"outcome": "contacted", "note": "x" * 501}, "500"),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(client, agent, tasks, data, words):
    task = tasks[0]
    client.force_login(agent)
    response = client.post(reverse("prevention:task", args=[task.pk]), data)
    assert response.status_code == 400 and words in response.content.decode()
    assert PreventionTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_client_viewer_reads_masked_and_changes_nothing(client, make_user, shop, tasks):
    viewer = make_user("client_viewer", shops=[shop])
    client.force_login(viewer)
    page = client.get(reverse("prevention:queue")).content.decode()
    assert f"prevention-task-{tasks[0].pk}" in page
    assert "王小明真名" not in page and "王***名" in page
    detail = client.get(reverse("prevention:task", args=[tasks[0].pk])).content.decode()
    assert 'name="outcome"' not in detail and "王小明真名" not in detail
    response = client.post(
        reverse("prevention:task", args=[tasks[0].pk]), {"outcome": "contacted", "version": 1}
    )
    assert response.status_code == 403
    assert PreventionTask.objects.get(pk=tasks[0].pk).status == TaskStatus.OPEN


def test_hr_reads_no_task(client, make_user, shop, tasks):
    client.force_login(make_user("hr", shops=[shop]))
    assert client.get(reverse("prevention:queue")).status_code == 403


def test_a_bad_review_arriving_later_links_the_task_and_the_case_page_shows_it(
    client, agent, shop, other_shop, tasks, django_assert_max_num_queries
):
    task = tasks[0]
    case = CaseFactory(shop=shop, review=ReviewFactory(shop=shop, order_no="A1", rating=1))
    unrelated = CaseFactory(shop=other_shop, review=ReviewFactory(shop=other_shop, order_no="A1", rating=1))
    cases_opened.send_robust(sender=Case, case_ids=[case.pk, unrelated.pk])
    task.refresh_from_db()
    assert task.case_id == case.pk  # same shop and order number; the other shop's A1 is another order
    assert PreventionTask.objects.get(pk=tasks[1].pk).case_id is None
    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="prevention-panel"' in page and f"#{task.pk}" in page
    detail = client.get(reverse("prevention:task", args=[task.pk])).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) in detail


def test_the_case_panel_costs_one_query(rf, agent, shop, tasks, django_assert_max_num_queries):
    from prevention.views import case_panel

    case = CaseFactory(shop=shop, review=ReviewFactory(shop=shop, order_no="A1"))
    PreventionTask.objects.filter(pk=tasks[0].pk).update(case=case)
    request = rf.get("/")
    request.user = agent
    from reviewdesk.access import load_access

    load_access(agent)
    with django_assert_max_num_queries(1):
        panel = case_panel(request, case)
    assert [t["id"] for t in panel["context"]["tasks"]] == [tasks[0].pk]


def test_the_effect_compares_prevented_and_unprevented_late_orders(shop, agent):
    now = timezone.now()
    tasks = [open_task(shop, f"E{n}") for n in range(4)]
    for task in tasks[:2]:
        PreventionTask.objects.filter(pk=task.pk).update(
            status=TaskStatus.DONE, outcome=TaskOutcome.COMPENSATED
        )
    PreventionTask.objects.filter(pk=tasks[2].pk).update(
        status=TaskStatus.DONE, outcome=TaskOutcome.UNREACHABLE
    )
    # A negative review came for one prevented order and for both unprevented ones; a good one for E1.
    for number, rating in (("E0", 1), ("E1", 5), ("E2", 2), ("E3", 1)):
        ReviewFactory(shop=shop, order_no=number, rating=rating)
    [figures] = effect_figures([shop.pk], start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1))
    assert figures["late_orders"] == 4 and figures["tasks"] == 4 and figures["done"] == 3
    assert (figures["prevented"], figures["prevented_negative"]) == (2, 1)
    assert (figures["unprevented"], figures["unprevented_negative"]) == (2, 2)


def test_the_effect_page_and_the_dashboard_show_it(client, make_user, shop):
    open_task(shop, "D1")
    manager = make_user("manager", shops=[shop], is_staff=True)
    client.force_login(manager)
    page = client.get(reverse("prevention:effect")).content.decode()
    assert 'id="prevention-effect"' in page and shop.name in page
    dashboard = client.get(reverse("insights:dashboard")).content.decode()
    assert "事前预防：延迟订单与差评率" in dashboard


def test_the_import_page_imports_and_flags(client, make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    client.force_login(supervisor)
    data = (
        "订单编号,买家会员名,订单付款时间,订单状态\n1001,buyer1,2026-11-16 10:00:00,等待卖家发货\n".encode()
    )
    response = client.post(
        reverse("prevention:import"),
        {"shop": shop.pk, "file": SimpleUploadedFile("o.csv", data)},
        follow=True,
    )
    assert "新增1" in response.content.decode()
    assert Order.objects.get(shop=shop, order_no="1001").status == OrderStatus.AWAITING_SHIPMENT
    bad = client.post(
        reverse("prevention:import"),
        {"shop": shop.pk, "file": SimpleUploadedFile("o.csv", data.replace(b"10:00:00", b"soon"))},
    )
    assert bad.status_code == 400 and "未导入任何订单" in bad.content.decode()


def test_the_import_refuses_another_shop(client, make_user, shop, other_shop):
    client.force_login(make_user("supervisor", shops=[shop]))
    data = "订单编号,订单状态\n1001,已发货\n".encode()
    response = client.post(
        reverse("prevention:import"), {"shop": other_shop.pk, "file": SimpleUploadedFile("o.csv", data)}
    )
    assert response.status_code == 400
    assert Order.objects.count() == 0 and RiskFlag.objects.count() == 0
