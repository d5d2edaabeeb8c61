"""API tokens as credentials (issue #14, F1, F2, item 2): whom a token may be created for, its scopes,
its shops bounded at every request by the owner's current memberships and roles, integration accounts
that cannot log in, and revocation that is audited."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from cases.api.auth import ApiTokenAuthentication
from cases.models import ApiToken, CaseEvent, CompensationOffer, Review
from cases.models.intake import TokenScope, hash_token_key
from reviewdesk.models import ShopMembership, User
from reviewdesk.roles import sync_role_permissions
from tests.cases.workflow_factories import put_in_state, triaged_case

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/cases/apitoken/add/"
INTEGRATION_URL = "/admin/cases/apitoken/integration-account/add/"
READ, ACT, INTAKE = TokenScope.CASES_READ.value, TokenScope.CASES_ACT.value, TokenScope.INTAKE.value


@pytest.fixture(autouse=True)
def role_permissions(db):
    sync_role_permissions()


@pytest.fixture
def manager(make_user, shop):
    return make_user("manager", shops=[shop], is_staff=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_for(user, shops, scopes=None, name="脚本") -> tuple[ApiToken, APIClient]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        name=name,
        user=user,
        prefix=key[:8],
        key_hash=hash_token_key(key),
        scopes=list(TokenScope.values) if scopes is None else scopes,
    )
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return token, client


def minted_key(response) -> str:
    """The key the admin shows once, in the message after saving."""
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    return next(re.search(r"(rd_\S+)", t).group(1) for t in texts if "rd_" in t)


def review_item(shop, n: int = 1) -> dict:
    return {
        "shop": shop.code,
        "order_no": f"TK{n:04d}",
        "sub_order_no": f"TK{n:04d}01",
        "item_id": "1",
        "rating": "差评",
        "content": "太差了",
        "reviewed_at": "2026-11-20 13:05:00",
        "buyer_nick": "t**1",
        "order_amount": "59.00",
    }


# --- F1: a token only for oneself or an integration account of one's shops -------------------------


@pytest.mark.parametrize("target", ["supervisor", "superuser", "other_shop_agent"])
def test_f1_a_manager_cannot_create_a_token_in_someone_elses_name(
    target, manager, make_user, shop, other_shop
):
    people = {
        "supervisor": make_user("supervisor", shops=[shop]),
        "superuser": make_user(None, is_superuser=True, is_staff=True),
        "other_shop_agent": make_user("agent", shops=[other_shop]),
    }
    response = logged_in(manager).post(
        ADD_URL, {"name": "冒名", "user": people[target].pk, "scopes": [READ, ACT], "shops": [shop.pk]}
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert ApiToken.objects.count() == 0


def test_f1_the_owner_choices_are_the_requester_and_the_integration_accounts_of_his_shops(
    manager, make_user, shop, other_shop
):
    ours = make_user(None, shops=[shop], is_integration=True)
    make_user(None, shops=[other_shop], is_integration=True)
    make_user("supervisor", shops=[shop])
    form = logged_in(manager).get(ADD_URL).context["adminform"].form

    assert set(form.fields["user"].queryset) == {manager, ours}
    assert set(form.fields["shops"].queryset) == {shop}
    superuser = make_user(None, is_superuser=True, is_staff=True)
    assert (
        logged_in(superuser).get(ADD_URL).context["adminform"].form.fields["user"].queryset.count()
        == User.objects.count()
    )


def test_f1_with_his_own_token_the_manager_still_cannot_approve_his_own_request(
    seeded,
    manager,
    make_user,
    shop,
):
    case = put_in_state(
        triaged_case(shop, amount="599.00"), "pending_approval", agent=manager, requester=manager
    )
    created = logged_in(manager).post(
        ADD_URL, {"name": "我的脚本", "user": manager.pk, "scopes": [READ, ACT], "shops": [shop.pk]}
    )
    assert created.status_code == 302
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.scopes) == (manager, manager, [READ, ACT])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {minted_key(created)}")

    refused = client.post(
        f"/api/v1/cases/{case.pk}/actions/approve/", {"version": case.version, "note": "同意"}, format="json"
    )

    assert refused.status_code == 400 and refused.json()["code"] == "self_approval"
    offer = CompensationOffer.objects.get(case=case)
    assert (offer.status, offer.approved_by) == ("pending_approval", None)
    case.refresh_from_db()
    assert case.status == "pending_approval"


def test_f1_a_reveal_through_a_token_is_recorded_as_its_owner(seeded, manager, shop):
    case = put_in_state(triaged_case(shop), "in_progress", agent=manager)
    _, client = token_for(manager, [shop])

    revealed = client.post(f"/api/v1/cases/{case.pk}/reveal-contact/")

    assert revealed.status_code == 200
    assert list(
        CaseEvent.objects.filter(case=case, action="reveal_contact").values_list("actor", flat=True)
    ) == [manager.pk]


# --- F2: reads and writes bounded by the owner's CURRENT memberships and roles ----------------------


def test_f2_an_owner_removed_from_a_shop_takes_his_tokens_reads_and_writes_with_him(seeded, make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    case = put_in_state(triaged_case(shop), "in_progress", agent=supervisor)
    token, client = token_for(supervisor, [shop])
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert client.post("/api/v1/reviews/", [review_item(shop, 1)], format="json").json()["created"] == 1

    ShopMembership.objects.filter(user=supervisor, shop=shop).delete()
    reviews_before, version = Review.objects.count(), case.version

    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get("/api/v1/cases/").json()["results"] == []
    acted = client.post(
        f"/api/v1/cases/{case.pk}/actions/resolve/", {"version": version, "note": "x"}, format="json"
    )
    assert acted.status_code == 404
    posted = client.post("/api/v1/reviews/", [review_item(shop, 2)], format="json")
    assert posted.status_code == 207 and posted.json()["results"][0]["status"] == "error"
    assert Review.objects.count() == reviews_before
    case.refresh_from_db()
    assert case.version == version
    assert ApiToken.objects.get(pk=token.pk).shop_ids("change") == set()


def test_f2_a_token_reaches_only_where_its_owners_role_works_cases(make_user, shop):
    hr = make_user("hr", shops=[shop])
    agent = make_user("agent", shops=[shop])
    account = make_user(None, shops=[shop], is_integration=True)
    hr_token, _ = token_for(hr, [shop])
    agent_token, _ = token_for(agent, [shop])
    account_token, _ = token_for(account, [shop], scopes=[INTAKE])

    assert (hr_token.shop_ids("view"), hr_token.shop_ids("change")) == (set(), set())
    assert agent_token.shop_ids("view") == agent_token.shop_ids("change") == {shop.pk}
    assert account_token.shop_ids("change") == {shop.pk}
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert ApiToken.objects.select_related("user").get(pk=agent_token.pk).shop_ids("view") == set()


# --- scopes -----------------------------------------------------------------------------------------


def test_an_intake_token_reads_and_acts_on_no_case(seeded, make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    case = put_in_state(triaged_case(shop), "in_progress", agent=supervisor)
    _, client = token_for(supervisor, [shop], scopes=[INTAKE])

    for response in (
        client.get("/api/v1/cases/"),
        client.get(f"/api/v1/cases/{case.pk}/"),
        client.post(
            f"/api/v1/cases/{case.pk}/actions/resolve/", {"version": case.version, "note": "x"}, format="json"
        ),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
    assert client.post("/api/v1/reviews/", [review_item(shop)], format="json").status_code == 200
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_a_read_token_cannot_act_compose_reveal_upload_or_submit(seeded, make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    case = put_in_state(triaged_case(shop), "in_progress", agent=supervisor)
    _, client = token_for(supervisor, [shop], scopes=[READ])
    events_before, reviews_before = CaseEvent.objects.count(), Review.objects.count()

    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    refused = [
        client.post(
            f"/api/v1/cases/{case.pk}/actions/resolve/", {"version": case.version, "note": "x"}, format="json"
        ),
        client.get(f"/api/v1/cases/{case.pk}/compose/"),
        client.post(f"/api/v1/cases/{case.pk}/reveal-contact/"),
        client.post(f"/api/v1/cases/{case.pk}/evidence/", {}),
        client.post("/api/v1/reviews/", [review_item(shop)], format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert "cases:act" in refused[0].json()["message"]
    assert (CaseEvent.objects.count(), Review.objects.count()) == (events_before, reviews_before)


def test_an_integration_accounts_token_never_holds_more_than_intake(make_user, shop):
    account = make_user(None, shops=[shop], is_integration=True)
    token, client = token_for(
        account, [shop], scopes=list(TokenScope.values)
    )  # a row written outside the admin

    assert [token.has_scope(s) for s in (INTAKE, READ, ACT)] == [True, False, False]
    assert client.get("/api/v1/cases/").status_code == 403


def _api_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/v1/"):
            yield pattern


def test_every_api_view_a_token_can_call_declares_its_scope():
    """Built from the URL resolver, so a new endpoint cannot be forgotten: a view a token authenticates
    on names the scope it needs (a view without one is closed to tokens by TokenScopePermission)."""
    views = {p.callback.cls for p in _api_patterns() if hasattr(p.callback, "cls")}
    token_views = {v for v in views if ApiTokenAuthentication in getattr(v, "authentication_classes", ())}

    def declared(view) -> bool:
        scope = getattr(view, "required_scope", None)
        scopes = scope.values() if isinstance(scope, dict) else [scope]
        return bool(scopes) and all(s in TokenScope.values for s in scopes)

    assert len(token_views) >= 8
    assert {v.__name__: declared(v) for v in token_views} == {v.__name__: True for v in token_views}


def test_the_admin_refuses_more_than_intake_for_an_integration_account(manager, make_user, shop):
    account = make_user(None, shops=[shop], is_integration=True)
    client = logged_in(manager)

    refused = client.post(
        ADD_URL, {"name": "同步", "user": account.pk, "scopes": [INTAKE, READ], "shops": [shop.pk]}
    )
    assert refused.status_code == 200 and "scopes" in refused.context["adminform"].form.errors
    assert ApiToken.objects.count() == 0
    made = client.post(ADD_URL, {"name": "同步", "user": account.pk, "scopes": [INTAKE], "shops": [shop.pk]})
    assert made.status_code == 302
    assert ApiToken.objects.get().scopes == [INTAKE]


# --- integration accounts ---------------------------------------------------------------------------


def test_a_manager_creates_an_integration_account_only_in_his_shops(manager, shop, other_shop):
    client = logged_in(manager)
    users_before = User.objects.count()

    refused = client.post(INTEGRATION_URL, {"username": "sync-dy", "shops": [other_shop.pk]})
    assert refused.status_code == 200 and "shops" in refused.context["form"].errors
    assert User.objects.count() == users_before

    made = client.post(
        INTEGRATION_URL, {"username": "sync-tb", "display_name": "淘宝同步", "shops": [shop.pk]}
    )
    account = User.objects.get(username="sync-tb")
    assert made.status_code == 302 and made["Location"] == f"{ADD_URL}?user={account.pk}"
    assert account.is_integration and not account.has_usable_password() and not account.is_staff
    assert list(account.memberships.values_list("shop_id", flat=True)) == [shop.pk]


def test_an_integration_account_cannot_log_in_even_with_a_password(make_user, shop):
    account = make_user(None, shops=[shop], is_integration=True)
    account.set_password("Sync-Job-Secret-2026")
    account.save()
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": account.username, "password": "Sync-Job-Secret-2026"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert "_auth_user_id" not in client.session
    admin_login = client.post(
        "/admin/login/", {"username": account.username, "password": "Sync-Job-Secret-2026"}
    )
    assert admin_login.status_code == 200 and "_auth_user_id" not in client.session

    client.force_login(account)  # a session made some other way is not honoured either
    assert client.get("/").status_code == 302
    assert client.get("/").url.startswith("/accounts/login/")


def test_a_person_flagged_as_integration_loses_the_session_he_had(make_user, shop):
    person = make_user("agent", shops=[shop])
    client = logged_in(person)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=person.pk).update(is_integration=True)
    assert client.get("/").status_code == 302


# --- listing and revoking ---------------------------------------------------------------------------


def test_revoking_records_who_and_when_and_the_token_answers_401(manager, make_user, shop):
    agent = make_user("agent", shops=[shop])
    token, client = token_for(agent, [shop])
    assert client.get("/api/v1/cases/").status_code == 200
    admin = logged_in(manager)

    page = admin.get(f"/admin/cases/apitoken/{token.pk}/change/").content.decode()
    assert 'name="_revoke"' in page
    response = admin.post(f"/admin/cases/apitoken/{token.pk}/change/", {"name": "改名", "_revoke": "1"})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == manager
    assert token.name == "脚本"  # the revoke button saves nothing else
    entry = LogEntry.objects.get(object_id=str(token.pk))
    assert entry.user == manager and "revoked_by" in entry.change_message
    refused = client.get("/api/v1/cases/")
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"


def test_the_bulk_revoke_action_is_audited_too(manager, make_user, shop):
    token, _ = token_for(make_user("agent", shops=[shop]), [shop])
    logged_in(manager).post("/admin/cases/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_by == manager and LogEntry.objects.filter(object_id=str(token.pk)).count() == 1


def test_a_manager_neither_sees_nor_revokes_another_shops_tokens(manager, make_user, shop, other_shop):
    foreign, foreign_client = token_for(make_user("agent", shops=[other_shop]), [other_shop])
    own, _ = token_for(make_user("agent", shops=[shop]), [shop])
    admin = logged_in(manager)

    listed = [t.pk for t in admin.get("/admin/cases/apitoken/").context["cl"].result_list]
    assert listed == [own.pk]
    refused = admin.post(f"/admin/cases/apitoken/{foreign.pk}/change/", {"_revoke": "1"})
    assert refused.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and foreign_client.get("/api/v1/cases/").status_code == 200


def test_the_list_shows_owner_scopes_shops_creator_and_revocation(manager, shop):
    logged_in(manager).post(
        ADD_URL, {"name": "我的脚本", "user": manager.pk, "scopes": [READ], "shops": [shop.pk]}
    )
    page = logged_in(manager).get("/admin/cases/apitoken/").content.decode()
    for heading in ("所属用户", "权限范围", "店铺", "创建人", "创建时间", "最近使用", "吊销时间", "吊销人"):
        assert heading in page
    assert "读取案件(cases:read)" in page and shop.code in page


def test_a_tokens_owner_scopes_and_shops_cannot_be_changed_afterwards(manager, make_user, shop):
    token, _ = token_for(manager, [shop], scopes=[READ])
    supervisor = make_user("supervisor", shops=[shop])
    logged_in(manager).post(
        f"/admin/cases/apitoken/{token.pk}/change/",
        {
            "name": "改名",
            "user": supervisor.pk,
            "scopes": [READ, ACT, INTAKE],
            "shops": [shop.pk],
        },
    )
    token.refresh_from_db()
    assert (token.name, token.user, token.scopes) == ("改名", manager, [READ])


def test_a_superuser_may_create_a_token_for_anyone_and_the_key_is_shown_once(make_user, shop):
    superuser = make_user(None, is_superuser=True, is_staff=True)
    supervisor = make_user("supervisor", shops=[shop])
    client = logged_in(superuser)

    created = client.post(
        ADD_URL, {"name": "主管脚本", "user": supervisor.pk, "scopes": [READ], "shops": [shop.pk]}
    )

    assert created.status_code == 302
    token = ApiToken.objects.get()
    key = minted_key(created)
    assert (token.user, token.created_by, token.key_hash) == (supervisor, superuser, hash_token_key(key))
    assert key in client.get("/admin/cases/apitoken/").content.decode()  # the page after saving, once
    assert key not in client.get("/admin/cases/apitoken/").content.decode()
    assert key not in client.get(f"/admin/cases/apitoken/{token.pk}/change/").content.decode()
