"""The access matrix's client dimension (issue #18): shop A belongs to client 甲, shop B to client 乙, and
the people of client 乙 — members of the CLIENT, not of a shop: its viewer, agent, supervisor, manager
and HR — ask for every URL of the web UI, the admin and the API (the resolver walked, as in
test_access_matrix.py), filled with client 甲's objects (the world's shop A objects). Whatever the answer
(a refusal, a list, an export, a change form's choices), nothing of client 甲 is in it: not its shop's name
or code, its case's order number, its buyer's nick, nor its agent's name. Exports are read as what they
hold (an XLSX's cells, a download's bytes), not as the bytes of a zip.

A control proves the markers are seen when they are there: client 甲's own viewer reads them on its case
page, and client 甲's manager (through the client) in the admin's case list.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import transaction
from django.test import Client as WebClient

from tests.hardening.access_support import _user, admin_target, discover, url_for

pytestmark = pytest.mark.django_db

WEB_ROLES = ("viewer_b", "agent_b", "supervisor_b", "manager_b", "hr_b")
STAFF_ROLES = ("viewer_b", "manager_b", "hr_b")  # a non-staff user meets the admin's login first


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    """Client 乙's people (the world has clients 甲 of shop A and 乙 of shop B), inside the world's
    transaction."""
    from reviewdesk.models import ClientMembership

    jia, yi = world.client_a, world.client_b
    with django_db_blocker.unblock(), transaction.atomic():
        people = {
            "viewer_b": _user("client_viewer", staff=True),
            "agent_b": _user("agent"),
            "supervisor_b": _user("supervisor"),
            "manager_b": _user("manager", staff=True),
            "hr_b": _user("hr", staff=True),
            "viewer_a": _user("client_viewer", staff=True),
            "manager_a": _user("manager", staff=True),
        }
        for role, user in people.items():
            ClientMembership.objects.create(client=jia if role.endswith("_a") else yi, user=user)
    web = {}
    for role, user in people.items():
        web[role] = WebClient()
        web[role].force_login(user)
    o = world.objects
    # (Not the shop's code: "tb-main" is also the example of a help text.)
    markers = [
        world.shop_a.name,
        o.case_a.review.order_no,
        o.case_a.review.buyer_nick,
        world.users["agent_a"].display_name,
        "品牌甲",
    ]
    return {"web": web, "people": people, "markers": markers, "jia": jia, "yi": yi}


def _body(response) -> str:
    """What a response holds, as text: an XLSX's shared strings and sheets, other bytes decoded."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # a zip: an XLSX workbook
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            parts = [n for n in workbook.namelist() if n.endswith(".xml")]
            return "".join(workbook.read(n).decode("utf-8", "replace") for n in parts)
    return content.decode("utf-8", "replace")


ROUTES = discover()
CASES = [(r, r.key) for r in ROUTES]


@pytest.mark.parametrize(("route", "key"), CASES, ids=[key for _r, key in CASES])
def test_nothing_of_client_jia_reaches_client_yi(world, clients, route, key):
    roles = STAFF_ROLES if admin_target(route) else WEB_ROLES
    url = url_for(world, route)  # a new admin without a world object fails here, as in test_access_matrix.py
    for role in roles:
        response = clients["web"][role].get(url)
        if response.status_code in (301, 302):
            location = response["Location"]
            assert not any(m in location for m in clients["markers"]), f"GET {url} as {role} → {location}"
            continue
        body = _body(response)
        leaked = [m for m in clients["markers"] if m in body]
        assert leaked == [], f"GET {url} as {role} ({response.status_code}) shows client 甲's {leaked}"


def test_the_markers_are_seen_where_they_belong(world, clients):
    """The control: client 甲's viewer reads its case (the buyer's nick masked); its manager, a member of
    the client only, lists shop A's case in the admin."""
    case = world.objects.case_a
    page = _body(clients["web"]["viewer_a"].get(f"/cases/{case.pk}/"))
    assert world.shop_a.name in page and case.review.order_no in page
    assert case.review.buyer_nick not in page
    changelist = _body(clients["web"]["manager_a"].get("/admin/cases/case/"))
    assert f"/admin/cases/case/{case.pk}/change/" in changelist


def test_client_yi_offers_only_its_own_client_in_the_filters(world, clients):
    queue = _body(clients["web"]["viewer_b"].get("/cases/queue/all/"))
    assert "品牌乙" in queue and "品牌甲" not in queue
    refused = _body(clients["web"]["viewer_b"].get("/cases/queue/all/", {"client": "brand-jia"}))
    assert "没有这个品牌方，或你不服务该品牌方。" in refused


def test_a_manager_of_client_yi_cannot_move_or_change_client_jias_shop(world, clients):
    from reviewdesk.models import Shop

    before = list(Shop.objects.order_by("pk").values())
    web = clients["web"]["manager_b"]
    response = web.post(
        f"/admin/reviewdesk/shop/{world.shop_a.pk}/change/",
        {"code": "tb-main", "name": "改名", "platform": "taobao", "client": clients["yi"].pk},
    )
    assert response.status_code in (302, 403) and "改名" not in _body(response)
    # His own shop: the client is not his to change (read-only for all but a superuser).
    web.post(
        f"/admin/reviewdesk/shop/{world.shop_b.pk}/change/",
        {"code": "dy-main", "name": world.shop_b.name, "platform": "douyin", "client": clients["jia"].pk},
    )
    assert list(Shop.objects.order_by("pk").values()) == before


def test_the_client_viewer_changes_nothing_in_the_admin(world, clients):
    from policies.models import PlatformRule

    before = PlatformRule.objects.count()
    response = clients["web"]["viewer_b"].post("/admin/policies/platformrule/add/", {"platform": "douyin"})
    assert response.status_code == 403
    assert PlatformRule.objects.count() == before


# --- client 甲's own viewer: every URL without buyers' personal data, and no money --------------------

# What a client viewer may open (200) among the pages of its own shop A; every other page of the walk
# answers a refusal (403, 404, 405, a redirect to a login). Their own statement, jobs, notifications,
# "my queue" and approvals are empty lists of their own; the unassigned queue is their shops' (masked).
VIEWER_PAGES = {
    "home",
    "login",
    "api-schema",
    "api-docs",
    "cases:queue",
    "cases:queue_shop",
    "cases:queue_all",
    "cases:queue_breached",
    "cases:approvals",
    "cases:saved_filters",  # their own saved queue filters
    "cases:case_detail",
    # Panels of the case page from other apps, read with the case (no buyer data in the world's; their
    # owners mask what people typed for reviewdesk.roles.hides_buyer_data: see issue #18's report).
    "workorders:case_panel",
    # The buyer's survey link (shop B's, no login): the same page for anyone who has it.
    "surveys:answer",
    "connectors:case_delivery",
    # The service level: SLA attainment and its cases, the stored weekly report.
    "insights:attainment",
    "insights:attainment_cases",
    "insights:attainment_export",
    "insights:report_download",
    # The policies in force, and the sandbox that runs them on an example (changes nothing).
    "policies:sandbox",
    "admin:policies_compensationrule_grid",  # the compensation rules in force, read-only for them
    "cases:notifications",
    "cases:notification-bell",
    "insights:dashboard",
    "insights:dashboard_export",
    "insights:weekly",
    "insights:weekly_download",
    "insights:unresolved",
    "insights:health",
    "incentives:statement",
    "training:my_scorecard",
    "jobs:list",
    "workorders:list",
    "workorders:weekly",
    "prevention:queue",
    "prevention:risky",
    "prevention:effect",
    "admin:index",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
}


@pytest.mark.parametrize(("route", "key"), CASES, ids=[key for _r, key in CASES])
def test_client_jias_viewer_sees_no_buyer_data_and_no_money(world, clients, route, key):
    url = url_for(world, route)
    response = clients["web"]["viewer_a"].get(url)
    review = world.objects.case_a.review
    body = _body(response) if response.status_code not in (301, 302) else response["Location"]
    personal = [v for v in (review.buyer_nick, review.buyer_phone, review.buyer_address) if v and v in body]
    assert personal == [], f"GET {url} as client 甲's viewer shows {personal}"
    target = admin_target(route)
    if target and response.status_code == 200:  # the admin: the policies in force (and shops), read only
        readable = ("policies.", "reviewdesk.shop", "insights.weeklyreport")
        assert target[0].startswith(readable), f"GET {url}: {target[0]}"
        assert target[1] in ("changelist", "change", "history", "simple_history", "preview", "export"), url
    elif not target:
        assert (response.status_code == 200) == (key in VIEWER_PAGES), f"GET {url}: {response.status_code}"


# --- money named by client: client 乙's HR and manager ask for client 甲's -----------------------------

# Every incentives page, export and action that takes a client (``?client=`` / a form's ``client``), asked
# for client 甲 by client 乙's people (the world's periods: shop A's entries and payout line).
MONEY_BY_CLIENT = [
    ("get", "incentives:periods", lambda o: []),
    ("get", "incentives:period", lambda o: [o.previous_period.pk]),
    ("get", "incentives:payout_download", lambda o: [o.previous_period.code, "xlsx"]),
    ("get", "incentives:payout_download", lambda o: [o.previous_period.code, "csv"]),
    ("post", "incentives:lock", lambda o: [o.previous_period.pk]),
    ("post", "incentives:payout_export_job", lambda o: [o.previous_period.code, "xlsx"]),
]


@pytest.mark.parametrize(
    ("method", "name", "args"),
    MONEY_BY_CLIENT,
    ids=[f"{m}-{n}-{i}" for i, (m, n, _a) in enumerate(MONEY_BY_CLIENT)],
)
def test_client_yis_people_get_nothing_of_client_jias_money_by_naming_it(world, clients, method, name, args):
    from django.urls import reverse

    from jobs.models import Job
    from tests.hardening.access_support import state

    url = reverse(name, args=args(world.objects))
    for role in ("hr_b", "manager_b", "viewer_b"):
        before, jobs = state(world), Job.objects.count()
        response = getattr(clients["web"][role], method)(url, {"client": "brand-jia"}, follow=True)
        body = _body(response)
        leaked = [m for m in clients["markers"] if m in body]
        assert leaked == [] and response.status_code in (200, 403), f"{method} {url} as {role}: {leaked}"
        assert state(world) == before and Job.objects.count() == jobs, f"{method} {url} as {role}"
