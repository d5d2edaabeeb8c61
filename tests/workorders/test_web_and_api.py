"""The web pages and the API of work orders: raise from the case page, answer on the order's page,
the case page's panel within its query budget with 10 orders, and the API reaching cases only through
the access path (another shop's case is 404 like an unknown id)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CaseEvent
from tests.workorders.support import PNG, member, open_case, raise_order, request_type
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def clerk(make_user, shop):
    return member(make_user, "warehouse", shops=[shop])


def test_the_case_page_loads_the_panel_and_the_agent_raises_from_it(client, shop, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case(shop, agent)
    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    panel_url = reverse("workorders:case_panel", kwargs={"case_id": case.pk})
    assert f'hx-get="{panel_url}"' in page
    panel = client.get(panel_url).content.decode()
    assert "仓库 · 核实库存" in panel and "物流 · 追踪包裹" in panel and "发起工单" in panel

    response = client.post(
        reverse("workorders:raise", kwargs={"case_id": case.pk}),
        {
            "request_type": request_type("warehouse", "verify_stock").pk,
            "question": "请核实库存",
            "files": [SimpleUploadedFile("截图.png", PNG)],
        },
    )

    assert response.status_code == 302 and response["Location"].endswith("#work-orders")
    (order,) = WorkOrder.objects.filter(case=case)
    assert order.question == "请核实库存" and order.attachments.count() == 1
    follow = client.get(response["Location"]).content.decode()
    assert "已向仓库发起工单" in follow


def test_a_refused_raise_says_why_and_stores_nothing(client, shop, agent):
    case = open_case(shop, agent)
    client.force_login(agent)
    response = client.post(
        reverse("workorders:raise", kwargs={"case_id": case.pk}),
        {"request_type": request_type("warehouse", "verify_stock").pk, "question": ""},
        follow=True,
    )
    assert "请填写问题" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_another_shops_agent_gets_404_everywhere(client, shop, other_shop, agent, make_user):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    client.force_login(make_user("agent", shops=[other_shop]))
    assert client.get(reverse("workorders:case_panel", kwargs={"case_id": case.pk})).status_code == 404
    assert client.get(reverse("workorders:detail", kwargs={"pk": order.pk})).status_code == 404
    response = client.post(
        reverse("workorders:raise", kwargs={"case_id": case.pk}),
        {"request_type": request_type("warehouse", "verify_stock").pk, "question": "越权"},
    )
    assert response.status_code == 404 and WorkOrder.objects.count() == 1


def test_a_member_answers_on_the_order_page(client, shop, agent, clerk):
    order = raise_order(open_case(shop, agent), agent)
    client.force_login(clerk)
    listing = client.get(reverse("workorders:list")).content.decode()
    assert f"#{order.pk} 仓库" in listing
    url = reverse("workorders:detail", kwargs={"pk": order.pk})
    assert 'id="work-order-answer"' in client.get(url).content.decode()

    response = client.post(url, {"answer": "库存充足，已补发", "responsibility": "warehouse"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ANSWERED and order.answer == "库存充足，已补发"
    assert CaseEvent.objects.filter(case_id=order.case_id, action="work_order_answered").count() == 1


def test_the_agent_sees_the_order_page_without_the_answer_form(client, shop, agent):
    order = raise_order(open_case(shop, agent), agent)
    client.force_login(agent)
    page = client.get(reverse("workorders:detail", kwargs={"pk": order.pk})).content.decode()
    assert "等待部门答复" in page and 'id="work-order-answer"' not in page
    response = client.post(reverse("workorders:detail", kwargs={"pk": order.pk}), {"answer": "我来答"})
    assert response.status_code == 400 and "只有“仓库”的成员可以答复" in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.OPEN


def test_the_panel_with_10_orders_stays_within_its_budget(client, shop, agent, django_assert_max_num_queries):
    case = open_case(shop, agent)
    for n in range(10):
        raise_order(case, agent, "logistics", "trace_parcel", question=f"第{n}单")
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        panel = client.get(reverse("workorders:case_panel", kwargs={"case_id": case.pk}))
    assert panel.content.decode().count('data-status="open"') == 10


def test_the_case_page_with_10_orders_stays_within_15_queries(
    client, shop, agent, django_assert_max_num_queries
):
    case = open_case(shop, agent)
    for n in range(10):
        raise_order(case, agent, "logistics", "trace_parcel", question=f"第{n}单")
    client.force_login(agent)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert page.status_code == 200 and "work-orders-panel" in page.content.decode()


# --- the API ---------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_raises_lists_and_answers(shop, agent, clerk):
    case = open_case(shop, agent)
    url = reverse("api-case-work-orders", kwargs={"case_id": case.pk})

    created = api(agent).post(
        url,
        {"request_type": request_type("warehouse", "verify_stock").pk, "question": "库存?"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["department"] == "仓库" and body["status"] == "open" and body["blocking"] is True
    assert WorkOrder.objects.get(pk=body["id"]).source == "api"
    assert [o["id"] for o in api(agent).get(url).json()] == [body["id"]]

    answer_url = reverse("api-work-order-answer", kwargs={"pk": body["id"]})
    refused = api(agent).post(answer_url, {"answer": "我不是仓库"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_member"
    answered = api(clerk).post(answer_url, {"answer": "有货", "responsibility": "merchant"}, format="json")
    assert answered.status_code == 200 and answered.json()["responsibility"] == "商家"


def test_the_api_refuses_bad_input_with_a_message(shop, agent):
    case = open_case(shop, agent)
    url = reverse("api-case-work-orders", kwargs={"case_id": case.pk})
    wrong = api(agent).post(url, {"request_type": 999999, "question": "?"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "bad_department"
    missing = api(agent).post(url, {"question": "?"}, format="json")
    assert missing.status_code == 400 and "request_type" in missing.json()["fields"]
    assert not WorkOrder.objects.exists()


def test_the_api_answers_404_for_another_shops_case(shop, other_shop, agent, make_user):
    case = open_case(shop, agent)
    order = raise_order(case, agent)
    stranger = api(make_user("agent", shops=[other_shop]))
    url = reverse("api-case-work-orders", kwargs={"case_id": case.pk})
    assert stranger.get(url).status_code == 404
    posted = stranger.post(
        url, {"request_type": request_type("warehouse", "verify_stock").pk, "question": "?"}, format="json"
    )
    assert posted.status_code == 404 and WorkOrder.objects.count() == 1
    answer = stranger.post(
        reverse("api-work-order-answer", kwargs={"pk": order.pk}), {"answer": "x"}, format="json"
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "scopes, get_status, post_status",
    [(["cases:read"], 200, 403), (["cases:act"], 403, 201), (["cases:read", "cases:act"], 200, 201)],
)
def test_a_token_reads_with_cases_read_and_raises_with_cases_act(
    shop, agent, scopes, get_status, post_status
):
    """One URL, two scopes (``required_scope`` per method): reading the orders needs cases:read, raising
    one cases:act; a refusal says which scope is missing and raises nothing."""
    from cases.models import ApiToken
    from cases.models.intake import hash_token_key

    case = open_case(shop, agent)
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        name="sync", user=agent, prefix=key[:8], key_hash=hash_token_key(key), scopes=scopes
    )
    token.shops.set([shop])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = reverse("api-case-work-orders", kwargs={"case_id": case.pk})

    read = client.get(url)
    raised = client.post(
        url,
        {"request_type": request_type("warehouse", "verify_stock").pk, "question": "库存?"},
        format="json",
    )

    assert (read.status_code, raised.status_code) == (get_status, post_status)
    for refused in (r for r in (read, raised) if r.status_code == 403):
        assert refused.json()["code"] == "insufficient_scope"
    assert WorkOrder.objects.count() == (1 if post_status == 201 else 0)
