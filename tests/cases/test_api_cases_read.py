"""GET /api/v1/cases/ and /api/v1/cases/{id}/: scoping per shop, role and token, filters, masking,
the reveal endpoint and bounded query counts."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import (
    Appeal,
    Case,
    CaseEvent,
    ContactAttempt,
    Evidence,
    FollowUpTask,
    Reply,
    ReviewRevision,
    Verification,
)
from tests.cases.api_cases_support import case_url, session_client, token_client
from tests.cases.routing_support import make_case
from tests.factories import CompensationOfferFactory, ShopFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def soon(minutes: int) -> dict:
    return {"first_response_due_at": NOW + dt.timedelta(minutes=minutes)}


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_only_the_users_shops_most_urgent_first(agent, shop, other_shop):
    later = make_case(shop, **soon(120))
    sooner = make_case(shop, **soon(30))
    make_case(other_shop, **soon(10))  # not the agent's shop
    make_case(shop, status="closed")  # closed: in no queue

    response = session_client(agent).get("/api/v1/cases/")

    assert response.status_code == 200
    assert ids(response) == [sooner.pk, later.pk]
    assert response.json()["count"] == 2
    row = response.json()["results"][0]
    assert row["shop"] == "tb-main" and row["order_no"] == sooner.review.order_no
    assert "buyer_phone" not in row and "buyer_address" not in row


def test_scopes_mine_and_shop_unassigned(agent, make_user, shop):
    colleague = make_user("agent", shops=[shop])
    mine = make_case(shop, status="assigned", assignee=agent)
    make_case(shop, status="assigned", assignee=colleague)
    unassigned = make_case(shop)
    client = session_client(agent)

    assert ids(client.get("/api/v1/cases/", {"scope": "mine"})) == [mine.pk]
    assert ids(client.get("/api/v1/cases/", {"scope": "shop"})) == [unassigned.pk]
    assert len(ids(client.get("/api/v1/cases/", {"scope": "all"}))) == 3


def test_filters_as_in_the_ui(make_user, shop, other_shop):
    supervisor = make_user("supervisor", shops=[shop, other_shop])
    taobao = make_case(shop)
    Case.objects.filter(pk=taobao.pk).update(sla_tier_name="物流(2小时)")
    douyin = make_case(other_shop, status="in_progress")
    client = session_client(supervisor)

    assert ids(client.get("/api/v1/cases/", {"shop": "dy-main"})) == [douyin.pk]
    assert ids(client.get("/api/v1/cases/", {"platform": "taobao"})) == [taobao.pk]
    assert ids(client.get("/api/v1/cases/", {"state": "in_progress"})) == [douyin.pk]
    assert ids(client.get("/api/v1/cases/", {"tier": "物流(2小时)"})) == [taobao.pk]
    assert ids(client.get("/api/v1/cases/", {"q": douyin.review.order_no})) == [douyin.pk]
    assert ids(client.get("/api/v1/cases/", {"q": taobao.review.buyer_nick})) == [taobao.pk]


def test_a_shop_the_user_is_not_in_is_a_bad_filter_not_a_leak(agent, other_shop):
    make_case(other_shop)

    response = session_client(agent).get("/api/v1/cases/", {"shop": "dy-main"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "shop" in response.json()["fields"]


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "请求内容有误，请检查各字段。"), ("en", "The request is invalid; please check the fields.")],
)
def test_bad_scope_is_refused_with_a_clear_message_in_the_users_language(agent, language, message):
    response = session_client(agent).get(
        "/api/v1/cases/", {"scope": "everything"}, HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "scope" in response.json()["fields"]
    assert response.json()["message"] == message


def test_pagination_and_page_size_cap(agent, shop):
    for minutes in range(5):
        make_case(shop, **soon(10 + minutes))
    client = session_client(agent)

    first = client.get("/api/v1/cases/", {"page_size": 2}).json()
    second = client.get("/api/v1/cases/", {"page_size": 2, "page": 2}).json()

    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"]
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert client.get("/api/v1/cases/", {"page": 9, "page_size": 2}).json()["results"] == last_page(client)
    too_big = client.get("/api/v1/cases/", {"page_size": 201})
    assert too_big.status_code == 400 and set(too_big.json()["fields"]) == {"page_size"}


def last_page(client) -> list:
    return client.get("/api/v1/cases/", {"page": 3, "page_size": 2}).json()["results"]


@pytest.mark.parametrize("page_size", [5, 60])
def test_list_query_count_does_not_grow_with_the_page(agent, shop, page_size, django_assert_max_num_queries):
    other = ShopFactory(code="jd-main", platform="jd")
    for n in range(60):
        make_case(shop if n % 2 else other, **soon(n + 5))
    client = session_client(agent)

    # session, user, the user's shops, the page with its total (review, shop, issue type, assignee joined)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/cases/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 30)


def test_list_query_count_with_a_token(make_user, shop, django_assert_max_num_queries):
    for n in range(30):
        make_case(shop, **soon(n + 5))
    client = token_client(make_user("agent", shops=[shop]), [shop])
    client.get("/api/v1/cases/")  # the token's last_used_at is touched at most once a minute

    # the token (user joined), the token's shops, the user's shops, the page with its total
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/cases/", {"page_size": 30})
    assert len(response.json()["results"]) == 30


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "身份认证信息未提供。"), ("en", "Authentication credentials were not provided.")],
)
def test_refusals_speak_the_users_language(language, message):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.json() == {"code": "not_authenticated", "message": message}


def test_unauthenticated_is_401(shop):
    make_case(shop)
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/cases/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- tokens ------------------------------------------------------------------------------------


def test_a_token_reaches_only_its_shops(make_user, shop, other_shop):
    user = make_user("supervisor", shops=[shop, other_shop])
    mine = make_case(shop)
    theirs = make_case(other_shop)
    client = token_client(user, [shop])

    assert ids(client.get("/api/v1/cases/")) == [mine.pk]
    assert client.get(case_url(mine)).status_code == 200
    assert client.get(case_url(theirs)).status_code == 404


def test_a_token_of_a_shop_its_user_left_reaches_nothing(make_user, shop, other_shop):
    user = make_user("agent", shops=[other_shop])
    case = make_case(shop)
    client = token_client(user, [shop])

    assert ids(client.get("/api/v1/cases/")) == []
    assert client.get(case_url(case)).status_code == 404


# --- the detail --------------------------------------------------------------------------------


def test_detail_shows_the_case_with_masked_buyer_contact_and_allowed_actions(agent, shop):
    case = make_case(shop, buyer_phone="13812345678", buyer_address="浙江省杭州市西湖区文三路100号3幢")

    body = session_client(agent).get(case_url(case)).json()

    assert body["id"] == case.pk and body["version"] == case.version
    assert body["review"]["buyer_phone"] == "138****5678"
    assert (
        body["review"]["buyer_address"].startswith("浙江省杭州市")
        and "文三路" not in body["review"]["buyer_address"]
    )
    assert body["allowed_actions"] == ["claim"]
    assert body["can_reveal_contact"] is False
    assert body["timeline"] == [] and body["offers"] == [] and body["evidence"] == []


@pytest.mark.parametrize("case_id", ["other-shop", 999999])
def test_detail_of_another_shops_case_is_not_found_like_a_missing_id(agent, other_shop, case_id):
    if case_id == "other-shop":
        case_id = make_case(other_shop).pk

    response = session_client(agent).get(case_url(case_id))

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"]}


def populate(case, user, *, events: int) -> None:
    """One row of every kind the detail shows (users on each), and ``events`` timeline lines."""
    evidence = Evidence(
        case=case,
        original_name="聊天.png",
        kind="image",
        size=3,
        content_type="image/png",
        uploaded_by=user,
        uploaded_at=NOW,
    )
    evidence.file.save("x.png", ContentFile(b"png"), save=True)
    ReviewRevision.objects.create(
        review=case.review,
        before={"rating": 1},
        after={"rating": 3},
        changed_fields=["rating"],
        rating_before=1,
        rating_after=3,
        source="api",
        at=NOW,
    )
    ContactAttempt.objects.create(case=case, channel="phone", reached=True, by=user, at=NOW)
    Reply.objects.create(case=case, channel="private_message", text="您好", by=user, at=NOW)
    CompensationOfferFactory(
        case=case,
        option_id=1,
        option_name="5元券",
        option_kind="coupon",
        rule_ref={},
        amount=5,
        cost=5,
        status="offered",
        requested_by=user,
        requested_at=NOW,
        approved_by=user,
        approved_at=NOW,
    )
    Verification.objects.create(
        case=case, responsibility="courier", note="快递压坏", by=user, at=NOW
    ).evidence.add(evidence)
    Appeal.objects.create(case=case, reason_type="恶意", filed_by=user, filed_at=NOW).evidence.add(evidence)
    FollowUpTask.objects.create(
        case=case, step_ref=1, name="回访", channel="private_message", due_at=NOW, done_at=NOW, done_by=user
    )
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, actor=user, action="record_contact", version=1, payload={"n": n}, at=NOW)
        for n in range(events)
    )


def test_detail_queries_are_bounded_and_do_not_grow_with_the_timeline(agent, shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    short, long = make_case(shop), make_case(shop)
    populate(short, agent, events=1)
    populate(long, agent, events=200)
    client = session_client(agent)
    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(case_url(case)).json()
        counts.append(len(queries))

    assert len(body["timeline"]) == 200
    assert (
        body["verifications"][0]["evidence_ids"]
        == body["appeals"][0]["evidence_ids"]
        == [body["evidence"][0]["id"]]
    )
    assert body["offers"][0]["approved_by"]["id"] == agent.pk
    # session, user, shops, the case (review, shop, issue type, assignee joined), one per kind of row
    # (9) plus the evidence links of verifications and appeals (2), roles, permissions (2)
    assert counts[0] == counts[1] <= 18


def test_timeline_payload_never_carries_buyer_contact(agent, shop):
    case = make_case(shop)
    CaseEvent.objects.create(
        case=case,
        actor=agent,
        action="reveal_contact",
        version=1,
        payload={"phone": "13812345678", "fields": ["buyer_phone"]},
        at=NOW,
    )

    event = session_client(agent).get(case_url(case)).json()["timeline"][0]

    assert event["payload"] == {"fields": ["buyer_phone"]}


# --- reveal ------------------------------------------------------------------------------------


def test_reveal_needs_the_permission_and_records_nothing_when_refused(agent, shop):
    case = make_case(shop, buyer_phone="13812345678")

    response = session_client(agent).post(f"{case_url(case)}reveal-contact/")

    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert not CaseEvent.objects.filter(case=case).exists()


def test_reveal_answers_the_full_contact_and_records_it_in_the_timeline(make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    supervisor.user_permissions.add(Permission.objects.get(codename="reveal_buyer_contact"))
    case = make_case(shop, buyer_phone="13812345678", buyer_address="浙江省杭州市西湖区文三路100号")
    client = session_client(supervisor)

    assert client.get(case_url(case)).json()["can_reveal_contact"] is True
    response = client.post(f"{case_url(case)}reveal-contact/")

    assert response.status_code == 200
    assert response.json() == {"buyer_phone": "13812345678", "buyer_address": "浙江省杭州市西湖区文三路100号"}
    event = CaseEvent.objects.get(case=case)
    assert event.action == "reveal_contact" and event.actor == supervisor
    assert "13812345678" not in str(event.payload)
    # the detail stays masked afterwards
    assert client.get(case_url(case)).json()["review"]["buyer_phone"] == "138****5678"


def test_reveal_of_another_shops_case_is_not_found(make_user, shop, other_shop):
    supervisor = make_user("supervisor", shops=[shop])
    supervisor.user_permissions.add(Permission.objects.get(codename="reveal_buyer_contact"))
    case = make_case(other_shop, buyer_phone="13812345678")

    response = session_client(supervisor).post(f"{case_url(case)}reveal-contact/")

    assert response.status_code == 404
    assert not CaseEvent.objects.filter(case=case).exists()


# --- session clients are browsers: CSRF applies ---------------------------------------------------


def test_a_session_post_without_the_csrf_token_is_refused_and_changes_nothing(agent, shop):
    from rest_framework.test import APIClient

    case = make_case(shop)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(f"{case_url(case)}actions/claim/", {"version": 1}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and "CSRF" in response.json()["message"]
    case.refresh_from_db()
    assert (case.status, case.version, case.assignee_id) == ("new", 1, None)
