"""POST /api/v1/reviews/: one review or a list, idempotent on (platform, shop, external id), answered
per item, token auth scoped to the token's shops; the OpenAPI schema and docs are served."""

import pytest
from rest_framework.test import APIClient

from cases.hooks import certification_checks
from cases.models import ApiToken, Case, Notification, Review, ReviewRevision
from cases.models.intake import hash_token_key

pytestmark = pytest.mark.usefixtures("policy_pack")
URL = "/api/v1/reviews/"


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


def token_for(user, shops) -> str:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(name="同步任务", user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set(shops)
    return key


@pytest.fixture
def client_for(make_user):
    def make(shops) -> APIClient:
        client = APIClient()
        # A supervisor may import reviews (the upload page's rule); an agent's token is refused (403).
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('supervisor', shops=shops), shops)}"
        )
        return client

    return make


def item(shop, n, **extra):
    return {
        "shop": shop.code,
        "order_no": f"API{n:06d}",
        "sub_order_no": f"API{n:06d}01",
        "item_id": "640012345678",
        "rating": "差评" if n % 2 else "好评",
        "content": "杯子收到就裂了，质量太差" if n % 2 else "很好",
        "reviewed_at": "2026-11-20 13:05:00",
        "buyer_nick": f"t**{n}",
        "order_amount": "￥59.00",
        **extra,
    }


def state():
    return (
        list(Review.objects.order_by("pk").values_list("pk", "fingerprint")),
        list(Case.objects.order_by("pk").values_list("pk", "status", "assignee_id")),
        ReviewRevision.objects.count(),
        Notification.objects.count(),
    )


def test_the_same_batch_twice_creates_once_then_answers_unchanged(
    shop, client_for, make_user, django_capture_on_commit_callbacks
):
    make_user("agent", shops=[shop])
    make_user("supervisor", shops=[shop])
    client = client_for([shop])
    batch = [item(shop, n) for n in range(1, 7)]

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, batch, format="json")

    assert first.status_code == 200, first.json()
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (6, 0, 0, 0)
    assert [r["status"] for r in body["results"]] == ["created"] * 6
    negative = [r for r in body["results"] if r["case_id"]]
    assert len(negative) == 3 and Case.objects.filter(assignee__isnull=False).count() == 3
    before = state()

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(URL, batch, format="json")

    assert second.status_code == 200
    again = second.json()
    assert [r["status"] for r in again["results"]] == ["unchanged"] * 6
    assert [(r["review_id"], r["case_id"]) for r in again["results"]] == [
        (r["review_id"], r["case_id"]) for r in body["results"]
    ]
    assert state() == before


def test_one_review_as_an_object_and_a_changed_one_is_updated(shop, client_for):
    client = client_for([shop])
    assert client.post(URL, item(shop, 1), format="json").json()["results"][0]["status"] == "created"

    changed = client.post(URL, item(shop, 1, rating="中评"), format="json").json()["results"][0]

    assert changed["status"] == "updated"
    assert ReviewRevision.objects.get().rating_after == 3


def test_items_for_a_shop_outside_the_token_are_refused_and_the_rest_stored(shop, other_shop, client_for):
    client = client_for([shop])
    foreign = item(other_shop, 2)

    response = client.post(URL, [item(shop, 1), foreign, item(shop, 3, rating="很差劲")], format="json")

    assert response.status_code == 207
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error"]
    assert "无权写入店铺“dy-main”" in results[1]["errors"][0]["message"]
    assert results[2]["errors"][0]["field"] == "rating"
    assert list(Review.objects.values_list("shop__code", flat=True)) == ["tb-main"]


def test_without_a_valid_token_nothing_is_written(shop):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rd_not-a-real-key")
    response = client.post(URL, item(shop, 1), format="json")
    assert response.status_code in (401, 403)
    assert "令牌无效或已吊销" in response.json()["detail"]
    assert Review.objects.count() == 0


def test_a_logged_in_session_writes_no_review_whatever_its_role(shop, make_user):
    """Reviews are platform data: the session that could post them before (and open a case to work,
    or a "conversion" to be paid) is refused with 403 and a reason; nothing is written."""
    client = APIClient()
    client.force_login(make_user("supervisor", shops=[shop]))
    before = state()

    response = client.post(URL, item(shop, 1), format="json")

    assert response.status_code == 403
    assert "登录会话不能写入评价" in response.json()["detail"]
    assert state() == before and Review.objects.count() == 0


def test_a_body_that_is_not_reviews_is_a_400(shop, client_for):
    client = client_for([shop])
    assert client.post(URL, "just text", format="json").status_code == 400
    assert client.post(URL, [], format="json").json()["detail"] == "没有评价。"
    assert Review.objects.count() == 0


def test_openapi_schema_and_docs_are_served(make_user):
    client = APIClient()
    client.force_login(make_user("agent"))  # the API description needs a login (F16)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/reviews/" in schema.content and b"reviews_submit" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200
