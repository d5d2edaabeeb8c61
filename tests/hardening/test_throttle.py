"""Request rates (issue #14, "no rate limiting": 150 token requests in 2.8 s, all 200) and the API
description behind a login (F16)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from cases.models import ApiToken
from cases.models.intake import hash_token_key

pytestmark = pytest.mark.django_db


def rates(**changed):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changed},
        }
    )


def token_client(user, shops) -> APIClient:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(name="t", user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_default_rates_are_set_and_reasonable():
    configured = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(configured) == {"token", "user", "anon", "login", "survey"}
    assert configured["token"] == "120/min" and configured["login"] == "60/min"
    assert configured["survey"] == "10/min"  # the buyers' public survey page, per address


def test_a_token_beyond_its_rate_gets_429_with_retry_after(make_user, shop):
    client = token_client(make_user("agent", shops=[shop]), [shop])
    with rates(token="3/min"):
        answers = [client.get("/api/v1/cases/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"].isdigit() and 0 < int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1].json()["code"] == "throttled"


def test_each_token_has_its_own_budget_and_a_session_its_own(make_user, shop):
    agent = make_user("agent", shops=[shop])
    first, second = token_client(agent, [shop]), token_client(agent, [shop])
    session = APIClient()
    session.force_login(agent)
    with rates(token="2/min", user="2/min"):
        assert [first.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]
        assert second.get("/api/v1/cases/").status_code == 200
        assert [session.get("/api/v1/cases/").status_code for _ in range(3)] == [200, 200, 429]


def test_anonymous_api_requests_are_limited_per_address():
    client = APIClient()
    with rates(anon="2/min"):
        answers = [client.get("/api/v1/cases/", REMOTE_ADDR="203.0.113.7") for _ in range(3)]
        other = client.get("/api/v1/cases/", REMOTE_ADDR="203.0.113.8")
        forged = client.get("/api/v1/cases/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert [a.status_code for a in answers] == [401, 401, 429] and "Retry-After" in answers[-1]
    assert other.status_code == 401
    assert forged.status_code == 429  # no trusted proxy: a forged X-Forwarded-For changes nothing


def test_login_posts_beyond_the_rate_get_429_without_checking_the_password(make_user):
    user = make_user("agent")
    client = Client()
    with rates(login="2/min"):
        for _ in range(2):
            assert (
                client.post("/accounts/login/", {"username": user.username, "password": "wrong"}).status_code
                == 200
            )
        attempts = AccessAttempt.objects.get(username=user.username).failures_since_start
        throttled = client.post("/accounts/login/", {"username": user.username, "password": "pw-Review-123"})

    assert throttled.status_code == 429 and throttled["Retry-After"].isdigit()
    assert "登录请求过于频繁" in throttled.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password was not looked at
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == attempts


def test_the_login_throttle_speaks_english_too(make_user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with rates(login="1/min"):
        client.post("/accounts/login/", {"username": "x", "password": "y"})
        throttled = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert throttled.status_code == 429 and "Too many login attempts" in throttled.content.decode()


def test_the_admin_login_is_throttled_as_well():
    client = Client()
    with rates(login="1/min"):
        client.post("/admin/login/", {"username": "x", "password": "y"})
        throttled = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert throttled.status_code == 429 and "Retry-After" in throttled


def test_a_normal_login_still_works_under_the_default_rate(make_user):
    user = make_user("agent")
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw-Review-123"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


# --- F16: the API description needs a login unless published on purpose -----------------------------


def test_f16_anonymous_users_get_neither_the_schema_nor_the_docs():
    client = Client()
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert schema.status_code == 401 and b"reviews_submit" not in schema.content
    assert docs.status_code == 302 and docs.url.startswith("/accounts/login/?next=/api/v1/docs/")
    assert script.status_code == 302


def test_f16_any_logged_in_user_or_token_reads_them(make_user, shop):
    client = Client()
    client.force_login(make_user("agent", shops=[shop]))
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
    token = token_client(make_user("supervisor", shops=[shop]), [shop])
    assert token.get("/api/v1/schema/?format=json").status_code == 200


@override_settings(API_DOCS_PUBLIC=True)
def test_f16_the_setting_publishes_them_on_purpose():
    client = Client()
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_f16_the_setting_is_declared_and_off_by_default():
    assert settings.API_DOCS_PUBLIC is False
