"""F11 / item 10: hostile input never answers 500.

Every URL of the resolver (walked from ``get_resolver()``, as the access matrix does, so a new view
cannot be forgotten) is asked with hostile paging, ordering, search and filter values, and every admin
changelist of the registry with hostile values for each of its filters and date lookups (``?created_at__year=0``
on every date field), as a superuser and as a shop manager. Every answer must be below 500. Requests
whose Content-Type declares a charset that is no text encoding (``charset=rot13``) answer 400 with a
message and change nothing.

The findings themselves, one test each: ``?page=99999999999999999999`` on the queue and the API,
``next=abc`` on reassign, ``charset=rot13`` on the API and the login POST, ``?platform=(`` on the
compliance rules, ``?created_at__year=0``.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client

from tests.hardening.access_support import discover, state, url_for

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
# Every generic parameter at once, one request per value.
HOSTILE_VALUES = [HUGE, "(-1'\" OR 1=1 --%00\x00", "x" * 3000]
GENERIC_PARAMS = [
    "page",
    "p",
    "page_size",
    "o",
    "ordering",
    "sort",
    "q",
    "scope",
    "shop",
    "platform",
    "state",
    "status",
    "tier",
    "issue_type",
    "period",
    "week",
    "month",
    "date",
    "from",
    "to",
    "next",
    "e",
]
# Each its own request: a bad value refused while the filters are built hides the others.
DATE_VALUES = [("__year", "0"), ("__gte", "2026-13-45")]
CHANGELIST_GENERIC = [{"created_at__year": "0"}, {"p": HUGE}, {"o": "99.-abc." + HUGE}, {"q": "\x00(" * 50}]


@pytest.fixture(scope="module")
def fuzzers(world, django_db_blocker):
    from reviewdesk.models import User

    with django_db_blocker.unblock():
        root = User.objects.create(
            username="fuzz-root", employee_code="FZ0001", is_staff=True, is_superuser=True
        )
    superuser = Client()
    superuser.force_login(root)
    return {"superuser": superuser, "manager": world.clients["manager"]}


def _server_errors(client, path: str, queries: list[dict]) -> list[str]:
    failures = []
    for query in queries:
        response = client.get(path, query)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} GET {path} {str(query)[:120]}")
    return failures


def _changelist_queries(model_admin, *, per_field: bool) -> list[dict]:
    """Hostile values for a changelist's own filters (a SimpleListFilter's parameter gets "(" and a huge
    number) and, with ``per_field``, for every date field (``__year=0`` …), the primary key and every
    field filter (a number past 64 bits)."""
    model = model_admin.model
    queries = list(CHANGELIST_GENERIC)
    names = set()
    for entry in model_admin.list_filter:
        name = entry[0] if isinstance(entry, (list, tuple)) else entry
        if isinstance(name, str):
            names.add(name)
        elif isinstance(name, type) and issubclass(name, admin.SimpleListFilter):
            queries += [{name.parameter_name: "("}, {name.parameter_name: HUGE}]
    if per_field:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField):  # DateTimeField too
                queries += [{f"{field.name}{suffix}": value} for suffix, value in DATE_VALUES]
            elif field.name in names or field.primary_key:
                queries.append({field.name: HUGE})
    return queries


def test_every_url_of_the_resolver_survives_hostile_parameters(world, fuzzers):
    failures = []
    for route in discover():
        if route.is_admin or "logout" in route.key:
            continue  # the admin's changelists are fuzzed per filter below; logging out ends the run's session
        path = url_for(world, route)
        queries = [dict.fromkeys(GENERIC_PARAMS, value) for value in HOSTILE_VALUES]
        for client in fuzzers.values():
            failures += _server_errors(client, path, queries)
    assert failures == []


def test_every_admin_changelist_survives_hostile_filter_and_date_values(world, fuzzers):
    failures = []
    checked = 0
    for model, model_admin in admin.site._registry.items():
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        checked += 1
        # Every filter and date field as the superuser (every row); the manager's scoped lists get the
        # changelist's own filters and the generic values.
        failures += _server_errors(
            fuzzers["superuser"], path, _changelist_queries(model_admin, per_field=True)
        )
        failures += _server_errors(
            fuzzers["manager"], path, _changelist_queries(model_admin, per_field=False)
        )
    assert checked == len(admin.site._registry) > 40
    assert failures == []


def test_every_url_answers_an_unusable_charset_with_400_and_changes_nothing(world, fuzzers):
    paths = []
    for route in discover():
        try:
            paths.append(url_for(world, route))  # (a history URL saves its object once: before the count)
        except (KeyError, AssertionError):  # an admin URL of a model the world has no object of
            continue
    before = state(world)
    failures = []
    for path in paths:
        for method in ("GET", "POST"):
            response = fuzzers["manager"].generic(
                method, path, b"a=1", content_type="text/plain; charset=rot13"
            )
            if response.status_code != 400:
                failures.append(f"{response.status_code} {method} {path}")
    assert failures == []
    assert state(world) == before


# --- the findings, one by one -------------------------------------------------------------------


@pytest.mark.parametrize("page", [HUGE, "-5", "0", "abc", "1" * 5000])
def test_queue_pages_past_any_number_answer_a_page(world, page):
    response = world.clients["supervisor"].get("/cases/queue/", {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("page", [HUGE, "999999"])
def test_api_pages_past_any_number_answer_the_last_page(world, page):
    response = world.clients["supervisor"].get("/api/v1/cases/", {"page": page})
    assert response.status_code == 200
    assert response.json()["count"] >= 1 and response.json()["results"]


@pytest.mark.parametrize("page", ["-1", "abc"])
def test_api_page_that_is_no_page_number_is_a_400_with_a_message(world, page):
    response = world.clients["supervisor"].get("/api/v1/cases/", {"page": page})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "next_url", ["abc", "cases:queue", "//evil.example/x", "https://evil.example/", "javascript:alert(1)"]
)
def test_reassign_ignores_a_next_that_is_not_a_path_on_this_site(world, next_url):
    case = world.objects.case_a
    before = state(world)
    response = world.clients["supervisor"].post(f"/cases/{case.pk}/reassign/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert state(world) == before


def test_reassign_keeps_a_next_that_is_a_path_on_this_site(world):
    case = world.objects.case_a
    response = world.clients["supervisor"].post(
        f"/cases/{case.pk}/reassign/", {"next": "/cases/queue/?scope=all"}
    )
    assert (response.status_code, response["Location"]) == (302, "/cases/queue/?scope=all")


def test_api_post_with_charset_rot13_is_a_400_with_a_message(world):
    before = state(world)
    response = world.clients["manager"].generic(
        "POST", "/api/v1/reviews/", b'{"shop": "x"}', content_type="application/json; charset=rot13"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "unsupported_charset",
        "message": "不支持的字符集“rot13”，请使用 UTF-8 (charset=utf-8)。",
    }
    assert state(world) == before


def test_login_post_with_charset_rot13_is_a_400_in_the_users_language(world):
    response = Client().generic(
        "POST",
        "/accounts/login/",
        b"username=a&password=b",
        content_type="application/x-www-form-urlencoded; charset=rot13",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.content.decode() == "Unsupported charset “rot13”: please send UTF-8 (charset=utf-8)."


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "gbk", "latin-1"])
def test_text_charsets_still_pass(world, charset):
    response = Client().get("/accounts/login/", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert response.status_code == 200


def test_compliance_rule_platform_filter_with_a_regex_character_is_an_invalid_filter(world, fuzzers):
    for client in fuzzers.values():
        response = client.get("/admin/policies/compliancerule/", {"platform": "("})
        assert (response.status_code, response["Location"]) == (302, "/admin/policies/compliancerule/?e=1")
    ok = fuzzers["superuser"].get("/admin/policies/compliancerule/", {"platform": "taobao"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "cases/importbatch",
        "cases/delivery",
        "cases/notificationchannel",
        "policies/compliancerule",
        "incentives/ledgerentry",
    ],
)
def test_year_zero_on_created_at_is_an_invalid_filter(world, fuzzers, model):
    response = fuzzers["superuser"].get(f"/admin/{model}/", {"created_at__year": "0"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
