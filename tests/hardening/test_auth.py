"""Authentication hardening (issue 8): login lockout by username and by address (django-axes), the client
address behind a proxy, unlock by cool-off or by a manager, weak passwords refused, API tokens revocable
and limited to their shops."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from cases.models import ApiToken, Review
from cases.models.intake import hash_token_key
from reviewdesk.models import User
from tests.cases.workspace_support import triaged_case
from tests.factories import UserFactory

PASSWORD = "pw-Review-123"  # tests.factories.UserFactory's
LIMIT = 5
LOCKED = "登录连续失败 5 次，该账号或本机网络地址已被暂时锁定，请 15 分钟后再试。"


def attempt(client: Client, username: str, password: str, ip: str, **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_defaults_are_five_failures_and_fifteen_minutes_by_username_or_address():
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


@pytest.mark.django_db
def test_a_username_attacked_from_many_addresses_is_locked_even_with_the_right_password(make_user):
    agent = make_user("agent")
    client = Client()
    for n in range(1, LIMIT):
        response = attempt(client, agent.username, "wrong", f"198.51.100.{n}")
        assert response.status_code == 200
        assert "用户名或密码不正确，请重试。" in response.content.decode()
    fifth = attempt(client, agent.username, "wrong", "198.51.100.5")
    assert fifth.status_code == 429

    locked = attempt(client, agent.username, PASSWORD, "203.0.113.77")  # a new address, the right password
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert not logged_in(client)
    assert AccessAttempt.objects.filter(username=agent.username).count() == LIMIT + 1

    other = make_user("agent")  # someone else from that new address is not affected
    assert attempt(Client(), other.username, PASSWORD, "203.0.113.77").status_code == 302


@pytest.mark.django_db
def test_an_address_trying_many_usernames_is_locked_for_every_username(make_user):
    agent = make_user("agent")
    client = Client()
    for n in range(LIMIT):
        assert attempt(client, f"guess{n}", "wrong", "198.51.100.9").status_code == (
            200 if n < LIMIT - 1 else 429
        )

    locked = attempt(client, agent.username, PASSWORD, "198.51.100.9")
    assert locked.status_code == 429
    assert not logged_in(client)

    elsewhere = Client()
    assert attempt(elsewhere, agent.username, PASSWORD, "198.51.100.10").status_code == 302
    assert logged_in(elsewhere)


@pytest.mark.django_db
def test_four_failures_then_the_right_password_logs_in(make_user):
    agent = make_user("agent")
    client = Client()
    for _ in range(LIMIT - 1):
        attempt(client, agent.username, "wrong", "198.51.100.20")
    response = attempt(client, agent.username, PASSWORD, "198.51.100.20")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert logged_in(client)


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_logs_in_again(make_user):
    agent = make_user("agent")
    client = Client()
    for _ in range(LIMIT):
        attempt(client, agent.username, "wrong", "198.51.100.30")
    assert attempt(client, agent.username, PASSWORD, "198.51.100.30").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14, seconds=50))
    assert attempt(client, agent.username, PASSWORD, "198.51.100.30").status_code == 429  # still locked, and
    # that failure during the lockout restarted the cool-off
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    response = attempt(client, agent.username, PASSWORD, "198.51.100.30")
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_a_manager_unlocks_in_the_admin(make_user, shop):
    """A manager unlocks the people of their shops (another shop's lockouts: test_access_matrix_admin)."""
    agent = make_user("agent", shops=[shop])
    manager = make_user("manager", shops=[shop], is_staff=True)
    for _ in range(LIMIT):
        attempt(Client(), agent.username, "wrong", "198.51.100.40")
    assert attempt(Client(), agent.username, PASSWORD, "198.51.100.41").status_code == 429
    locked = AccessAttempt.objects.get(username=agent.username, ip_address="198.51.100.40")

    admin = Client()
    admin.force_login(manager)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"), {"locked_out": "yes"})
    assert listing.status_code == 200 and agent.username in listing.content.decode()
    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=locked.pk).exists()

    client = Client()
    assert attempt(client, agent.username, PASSWORD, "198.51.100.40").status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_an_agent_may_not_see_or_unlock_attempts(make_user):
    agent = make_user("agent", is_staff=True)
    attempt(Client(), "someone", "wrong", "198.51.100.50")
    client = Client()
    client.force_login(agent)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert AccessAttempt.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_login_is_guarded_too(make_user):
    manager = make_user("manager", is_staff=True)
    for _ in range(LIMIT):
        Client().post(
            reverse("admin:login"),
            {"username": manager.username, "password": "wrong"},
            REMOTE_ADDR="198.51.100.60",
        )
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": manager.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.61",
    )
    assert response.status_code == 429
    assert not logged_in(client)


# --- The lockout page speaks the user's language --------------------------------------------------


@pytest.mark.django_db
def test_the_lockout_page_is_chinese_by_default(make_user):
    client = Client()
    for _ in range(LIMIT):
        response = attempt(client, "nobody", "wrong", "198.51.100.70")
    page = response.content.decode()
    assert response.status_code == 429
    assert '<html lang="zh-hans">' in page
    assert LOCKED in page and "如需立即解锁，请联系运营经理在管理后台解除锁定。" in page


@pytest.mark.django_db
def test_the_lockout_page_speaks_english_to_an_english_user():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(LIMIT):
        response = attempt(client, "nobody", "wrong", "198.51.100.71")
    page = response.content.decode()
    assert response.status_code == 429 and '<html lang="en">' in page
    assert (
        "5 failed logins in a row: this account or your network address is locked. Try again in 15 minutes."
        in page
    )


# --- The client address: REMOTE_ADDR unless proxies are trusted ------------------------------------


def settings_under(env: dict) -> dict:
    """Settings as reviewdesk/settings.py computes them from ``env`` (a fresh interpreter)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ('AXES_IPWARE_META_PRECEDENCE_ORDER', "
        "'AXES_IPWARE_PROXY_COUNT', 'AXES_IPWARE_PROXY_ORDER', 'IPWARE_STRICT')}))"
    )
    inherited = {k: v for k, v in os.environ.items() if k not in ("TRUSTED_PROXY_COUNT", "DJANGO_ENV")}
    environment = {**inherited, "DJANGO_SETTINGS_MODULE": "reviewdesk.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    values = json.loads(out.strip().splitlines()[-1])
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if v is not None}


@pytest.fixture(scope="module")
def one_trusted_proxy() -> dict:
    return settings_under({"TRUSTED_PROXY_COUNT": "1"})


def test_by_default_only_remote_addr_counts():
    assert settings_under({}) == {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
        "AXES_IPWARE_PROXY_ORDER": "left-most",
    }


def test_one_trusted_proxy_reads_the_entry_it_appended(one_trusted_proxy):
    assert one_trusted_proxy == {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        "AXES_IPWARE_PROXY_COUNT": 0,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        "IPWARE_STRICT": False,
    }


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_is_ignored_without_a_trusted_proxy(make_user):
    agent = make_user("agent")
    client = Client()
    for n in range(LIMIT):  # one address, a new forged header each time: still one address
        attempt(client, f"guess{n}", "wrong", "198.51.100.80", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.80"}
    response = attempt(client, agent.username, PASSWORD, "198.51.100.80", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert not logged_in(client)


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_client_is_the_address_the_proxy_appended(make_user, one_trusted_proxy):
    agent = make_user("agent")
    proxy = "10.0.0.2"
    with override_settings(**one_trusted_proxy):
        client = Client()
        # the client forged a left part; the proxy appended the address it saw (the right-most)
        for n in range(LIMIT):
            attempt(
                client, f"guess{n}", "wrong", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 198.51.100.90"
            )
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.90"}
        locked = attempt(client, agent.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.90")
        assert locked.status_code == 429

        # another client behind the same proxy is not locked out with the first
        neighbour = Client()
        response = attempt(
            neighbour, agent.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.9, 198.51.100.91"
        )
        assert response.status_code == 302 and logged_in(neighbour)


# --- Passwords ------------------------------------------------------------------------------------


def test_a_weak_password_is_refused_with_the_reasons():
    with pytest.raises(ValidationError) as refused:
        validate_password("12345678")
    assert refused.value.messages == ["这个密码太常见了。", "密码只包含数字。"]
    with translation.override("en"), pytest.raises(ValidationError) as short:
        validate_password("Ab3$x")
    assert short.value.messages == ["This password is too short. It must contain at least 8 characters."]


@pytest.mark.django_db
def test_the_admin_refuses_a_weak_password_for_a_new_user():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    before = User.objects.count()
    response = client.post(
        reverse("admin:reviewdesk_user_add"),
        {
            "username": "newagent",
            "usable_password": "true",
            "password1": "password",
            "password2": "password",
            "employee_code": "E99999",
            "display_name": "新客服",
        },
    )
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.content.decode()
    assert User.objects.count() == before


# --- API tokens: revocable, limited to their shops -------------------------------------------------


def new_token(user, shops, name="同步任务") -> tuple[ApiToken, APIClient]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(name=name, user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return token, client


@pytest.mark.django_db
def test_a_token_revoked_in_the_admin_is_refused_at_once(make_user, shop):
    manager = make_user("manager", shops=[shop], is_staff=True)
    token, client = new_token(make_user("agent", shops=[shop]), [shop])
    assert client.get("/api/v1/cases/").status_code == 200

    admin = Client()
    admin.force_login(manager)
    response = admin.post(
        reverse("admin:cases_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None

    refused = client.get("/api/v1/cases/")
    assert refused.status_code == 401
    assert refused.json() == {"code": "authentication_failed", "message": "令牌无效或已吊销。"}


@pytest.mark.django_db
def test_a_deleted_token_or_a_deactivated_user_is_refused(make_user, shop):
    agent = make_user("agent", shops=[shop])
    token, client = new_token(agent, [shop])
    other_token, other_client = new_token(agent, [shop], name="另一个")
    assert client.get("/api/v1/cases/").status_code == 200
    token.delete()
    assert client.get("/api/v1/cases/").status_code == 401

    assert other_client.get("/api/v1/cases/").status_code == 200
    User.objects.filter(pk=agent.pk).update(is_active=False)
    refused = other_client.get("/api/v1/cases/")
    assert refused.status_code == 401 and refused.json()["message"] == "令牌所属用户已停用。"


@pytest.mark.django_db
def test_someone_without_the_token_permissions_cannot_revoke(make_user, shop):
    supervisor = make_user("supervisor", shops=[shop], is_staff=True)
    token, _ = new_token(make_user("agent", shops=[shop]), [shop])
    admin = Client()
    admin.force_login(supervisor)
    response = admin.post(
        reverse("admin:cases_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_a_view_only_admin_user_is_not_offered_revoke_and_cannot_post_it(make_user, shop):
    from django.contrib.auth.models import Permission

    viewer = make_user("supervisor", shops=[shop], is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_apitoken", content_type__app_label="cases")
    )
    token, _ = new_token(make_user("agent", shops=[shop]), [shop])
    admin = Client()
    admin.force_login(viewer)
    changelist = admin.get(reverse("admin:cases_apitoken_changelist"))
    assert changelist.status_code == 200
    assert 'value="revoke"' not in changelist.content.decode()
    admin.post(
        reverse("admin:cases_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_of_shop_a_cannot_write_reviews_or_read_cases_of_shop_b(
    make_user,
    shop,
    other_shop,
    policy_pack,
):
    # the user is in both shops, the token in one; a supervisor, as only roles that may import write reviews
    agent = make_user("supervisor", shops=[shop, other_shop])
    own_case = triaged_case(shop, assignee=agent)
    foreign_case = triaged_case(other_shop, assignee=agent)
    _, client = new_token(agent, [shop])
    reviews_before = Review.objects.count()

    listed = client.get("/api/v1/cases/")
    assert [row["id"] for row in listed.json()["results"]] == [own_case.pk]
    assert client.get(f"/api/v1/cases/{own_case.pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{foreign_case.pk}/").status_code == 404

    posted = client.post(
        "/api/v1/reviews/",
        [
            {
                "shop": other_shop.code,
                "order_no": "B0001",
                "sub_order_no": "B000101",
                "item_id": "1",
                "rating": "差评",
                "content": "太差了",
                "reviewed_at": "2026-11-20 13:05:00",
                "buyer_nick": "b**1",
                "order_amount": "59.00",
            }
        ],
        format="json",
    )
    assert posted.status_code == 207
    results = posted.json()["results"]
    assert [item["status"] for item in results] == ["error"]
    assert "无权写入店铺“dy-main”" in results[0]["errors"][0]["message"]
    assert Review.objects.count() == reviews_before
