"""The queue's filters are one FilterSet (cases.queries.filters) behind the web queue and the REST list:
the same parameters give the same rows on both, and a bad value gets the same message (web: beside
the filter bar, the filter left out; API: 400 naming the field), never a 500."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases.choices import OPEN_STATUSES
from cases.models import Case
from cases.queries.filters import QueueFilterSet
from policies.models import IssueType
from tests.cases.api_cases_support import session_client
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shop, other_shop, make_user):
    supervisor = make_user("supervisor", shops=[shop, other_shop])
    agent = make_user("agent", shops=[shop])
    issue = IssueType.objects.create(code="logistics-x", name="物流X", active=True)
    cases = {
        "taobao_new": make_case(shop),
        "taobao_mine": make_case(shop, assignee=agent, status="assigned", issue_type=issue),
        "douyin_talking": make_case(other_shop, status="in_progress"),
    }
    Case.objects.filter(pk=cases["taobao_new"].pk).update(sla_tier_name="物流(2小时)")
    make_case(shop, status="closed")  # in no queue
    web = Client()
    web.force_login(supervisor)
    return {
        "supervisor": supervisor,
        "agent": agent,
        "cases": cases,
        "web": web,
        "api": session_client(supervisor),
    }


def web_ids(world, params) -> list[int]:
    response = world["web"].get(reverse("cases:queue_all"), params)
    assert response.status_code == 200
    return [row["id"] for row in response.context["rows"]]


def api_ids(world, params) -> list[int]:
    response = world["api"].get("/api/v1/cases/", params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def parity_params(world) -> list[tuple[dict, set[str]]]:
    c = world["cases"]
    return [
        ({}, {"taobao_new", "taobao_mine", "douyin_talking"}),
        ({"shop": "dy-main"}, {"douyin_talking"}),
        ({"shop": ""}, {"taobao_new", "taobao_mine", "douyin_talking"}),
        ({"platform": "taobao"}, {"taobao_new", "taobao_mine"}),
        ({"state": "in_progress"}, {"douyin_talking"}),
        ({"issue_type": "logistics-x"}, {"taobao_mine"}),
        ({"tier": "物流(2小时)"}, {"taobao_new"}),
        ({"q": c["douyin_talking"].review.order_no}, {"douyin_talking"}),
        ({"q": f"  {c['taobao_new'].review.buyer_nick} "}, {"taobao_new"}),
        ({"assignee": world["agent"].pk}, {"taobao_mine"}),
        ({"shop": "tb-main", "state": "assigned"}, {"taobao_mine"}),
        ({"q": "没有这个订单"}, set()),
    ]


def test_the_web_queue_and_the_api_list_give_the_same_rows_for_the_same_filters(world):
    by_id = {case.pk: name for name, case in world["cases"].items()}
    for params, expected in parity_params(world):
        web, api = web_ids(world, params), api_ids(world, params)
        assert web == api, params
        assert {by_id[pk] for pk in web} == expected, params


HOSTILE = [
    ({"shop": "tb-nowhere"}, "shop", "没有这个店铺，或你不属于该店铺。"),
    ({"issue_type": "(-1'\" OR 1=1 --"}, "issue_type", "没有这个问题类型。"),
    ({"state": "closed"}, "state", None),  # the queues hold open cases only
    ({"platform": "myspace"}, "platform", None),
    ({"assignee": "99999999999999999999"}, "assignee", None),
    ({"assignee": "abc"}, "assignee", None),
    ({"q": "x" * 101}, "q", None),
    ({"q": "a\x00b"}, "q", None),
    ({"tier": "t" * 65}, "tier", None),
]


@pytest.mark.parametrize(("params", "field", "message"), HOSTILE)
def test_a_bad_filter_value_gets_the_same_message_on_both_edges_and_never_a_500(
    world, params, field, message
):
    with translation.override("zh-hans"):
        expected = [str(m) for m in QueueFilterSet(params, user=world["supervisor"]).errors[field]]
    if message:
        assert expected == [message]

    api = world["api"].get("/api/v1/cases/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 400
    assert api.json()["code"] == "invalid" and api.json()["fields"] == {field: expected}

    web = world["web"].get(reverse("cases:queue_all"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert web.status_code == 200
    assert [str(m) for m in web.context["form"].errors[field]] == expected
    html = web.content.decode()
    assert all(text.replace('"', "&quot;") in html for text in expected)  # shown beside the bar
    assert len(web.context["rows"]) == 3  # the bad filter is left out, not obeyed


def test_another_shops_code_is_refused_by_both_edges_and_leaks_nothing(world, make_user, other_shop):
    agent_client = session_client(world["agent"])
    response = agent_client.get("/api/v1/cases/", {"shop": "dy-main"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"shop"}

    web = Client()
    web.force_login(world["agent"])
    page = web.get(reverse("cases:queue"), {"shop": "dy-main"})
    assert "shop" in page.context["form"].errors
    assert [row["id"] for row in page.context["rows"]] == [world["cases"]["taobao_mine"].pk]


def test_filters_without_codes_to_check_cost_the_api_no_query(world, django_assert_max_num_queries):
    order_no = world["cases"]["taobao_new"].review.order_no
    # session, user, the user's shops, the page with its total: as without filters
    with django_assert_max_num_queries(4):
        response = world["api"].get("/api/v1/cases/", {"platform": "taobao", "state": "new", "q": order_no})
    assert [row["id"] for row in response.json()["results"]] == [world["cases"]["taobao_new"].pk]


def test_the_schema_documents_every_filter_of_the_filterset():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert set(QueueFilterSet.base_filters) <= set(parameters)
    assert parameters["state"]["enum"] == ["", *OPEN_STATUSES]  # the queues hold open cases only
    assert parameters["q"]["maxLength"] == 100 and parameters["assignee"]["type"] == "integer"
