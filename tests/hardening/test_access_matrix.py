"""The access matrix: every URL of the web UI, the admin and the API (found by walking the URL resolver,
so a new view cannot be forgotten) × every role → the answer it must get, declared in the tables below.

Roles: anonymous, an agent of shop A, an agent of shop B, shop A's supervisor and legal, and a manager
and an HR officer (staff, members of both shops). Path parameters are filled with real objects of shop A
(its case, evidence, follow-up, QA review, ledger entry, dispute, redemption, period, stored report …).

Answers: a number is the status code; ``L`` is a redirect to the login page, ``A`` to the admin's login
page; ``→/x/`` a redirect to /x/. The admin's pages are declared per ModelAdmin as what the manager and
HR may do there (a non-staff user is always sent to the admin login).
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.forms.actions import ACTION_FORMS
from tests.hardening.access_support import (
    PNG,
    ROLES,
    A,
    L,
    Route,
    admin_models,
    admin_target,
    answer,
    build_world,
    discover,
    state,
    url_for,
)

pytestmark = pytest.mark.django_db

N, F, M = 404, 403, 405

# fmt: off
# Columns:                            anonymous agent_a agent_b supervisor legal manager hr
WEB: dict[str, tuple] = {
    "home":                             (L,   200, 200, 200, 200, 200, 200),
    "login":                            (200, 200, 200, 200, 200, 200, 200),
    "logout":                           (M,   M,   M,   M,   M,   M,   M),  # POST only (Django 5)
    "set_language":                     ("→/", "→/", "→/", "→/", "→/", "→/", "→/"),
    # The OpenAPI document and Swagger UI are public (drf-spectacular's AllowAny): see the report.
    "api-schema":                       (200, 200, 200, 200, 200, 200, 200),
    "api-docs":                         (200, 200, 200, 200, 200, 200, 200),
    "api-reviews":                      (401, M,   M,   M,   M,   M,   M),
    "api-cases":                        (401, 200, 200, 200, 200, 200, 200),
    # Shop A's case: shop B's agent cannot tell it from an id that does not exist, and neither can HR,
    # a member of both shops for payouts only (reviewdesk.roles.works_cases). HR's case list is empty.
    "api-case":                         (401, 200, N,   200, 200, 200, N),
    "api-case-compose":                 (401, 200, N,   200, 200, 200, N),
    "api-case-reveal-contact":          (401, M,   M,   M,   M,   M,   M),
    "api-case-evidence":                (401, M,   M,   M,   M,   M,   M),
    "api-case-evidence-download":       (401, 200, N,   200, 200, 200, N),
    **{f"api-case-{action}":            (401, M,   M,   M,   M,   M,   M) for action in (
        "claim", "record_contact", "buyer_replied", "verify", "offer", "request_approval", "approve", "reject",
        "buyer_accepts", "buyer_declines", "public_reply", "resolve", "mark_malicious", "file_appeal",
        "appeal_outcome", "close", "reopen")},
    # The policy tools live in the admin's look and behind its login.
    "policies:sandbox":                 (A,   A,   A,   A,   A,   200, F),
    "policies:pack_export":             (A,   A,   A,   A,   A,   200, F),
    "policies:pack_import":             (A,   A,   A,   A,   A,   200, F),
    "cases:import-upload":              (L,   F,   F,   200, F,   200, F),
    "cases:import-confirm":             (L,   M,   M,   M,   M,   M,   M),
    "cases:notifications":              (L,   200, 200, 200, 200, 200, 200),  # one's own only
    "cases:notification-bell":          (L,   200, 200, 200, 200, 200, 200),
    "cases:notification-read-all":      (L,   M,   M,   M,   M,   M,   M),
    "cases:notification-read":          (L,   M,   M,   M,   M,   M,   M),
    "cases:notification-open":          (L,   M,   M,   M,   M,   M,   M),
    "cases:queue":                      (L,   200, 200, 200, 200, 200, F),  # HR works no cases
    "cases:queue_shop":                 (L,   200, 200, 200, 200, 200, F),
    "cases:queue_all":                  (L,   N,   N,   200, N,   200, N),
    "cases:queue_breached":             (L,   N,   N,   200, N,   200, N),
    "cases:case_detail":                (L,   200, N,   200, 200, 200, N),
    "cases:case_action":                (L,   M,   M,   M,   M,   M,   M),
    "cases:compose_check":              (L,   M,   M,   M,   M,   M,   M),
    "cases:reveal_contact":             (L,   M,   M,   M,   M,   M,   M),
    "cases:evidence_upload":            (L,   M,   M,   M,   M,   M,   M),
    "cases:evidence_download":          (L,   200, N,   200, 200, 200, N),
    "cases:follow_up_done":             (L,   M,   M,   M,   M,   M,   M),
    "cases:case_reassign":              (L,   M,   M,   M,   M,   M,   M),
    "cases:case_reassign_form":         (L,   N,   N,   200, N,   200, N),
    "cases:approvals":                  (L,   200, 200, 200, 200, 200, 200),  # only offers waiting for one's role
    "cases:team_load":                  (L,   N,   N,   200, N,   200, N),
    "training:my_scorecard":            (L,   200, 200, 200, 200, 200, 200),
    "training:agent_scorecard":         (L,   200, N,   200, N,   200, 200),  # agent A's
    "training:team":                    (L,   F,   F,   200, F,   200, 200),
    "training:score_entry":             (L,   F,   F,   200, F,   200, F),
    "training:score_import":            (L,   F,   F,   200, F,   200, F),
    "training:score_export":            (L,   F,   F,   F,   F,   200, 200),
    "training:qa_queue":                (L,   F,   F,   200, F,   F,   F),
    "training:qa_case":                 (L,   N,   N,   200, N,   N,   N),
    "training:qa_survey":               (L,   M,   M,   M,   M,   M,   M),
    "training:qa_review":               (L,   200, N,   200, N,   200, N),  # agent A's, scored by the supervisor
    "training:qa_dispute":              (L,   M,   M,   M,   M,   M,   M),
    "training:qa_settle":               (L,   M,   M,   M,   M,   M,   M),
    "incentives:statement":             (L,   200, 200, 200, 200, 200, 200),  # one's own only
    "incentives:dispute":               (L,   200, N,   N,   N,   N,   N),  # agent A's entry
    "incentives:redeem":                (L,   M,   M,   M,   M,   M,   M),
    "incentives:redemption_cancel":     (L,   M,   M,   M,   M,   M,   M),
    "incentives:periods":               (L,   F,   F,   F,   F,   200, 200),
    "incentives:lock":                  (L,   M,   M,   M,   M,   M,   M),
    "incentives:payout_download":       (L,   F,   F,   F,   F,   200, 200),
    "incentives:manage":                (L,   F,   F,   F,   F,   200, F),
    "incentives:resolve":               (L,   M,   M,   M,   M,   M,   M),
    "incentives:decide":                (L,   M,   M,   M,   M,   M,   M),
    "insights:dashboard":               (L,   F,   F,   200, F,   200, F),
    "insights:dashboard_export":        (L,   F,   F,   200, F,   200, F),
    "insights:weekly":                  (L,   F,   F,   200, F,   200, F),
    "insights:weekly_download":         (L,   F,   F,   200, F,   200, F),
    "insights:report_download":         (L,   F,   F,   200, F,   200, F),  # shop A's stored report
    "insights:unresolved":              (L,   F,   F,   200, F,   200, F),
    # The admin site's own pages.
    "admin:index":                      (A,   A,   A,   A,   A,   200, 200),
    "admin:login":                      (200, 200, 200, 200, 200, "→/admin/", "→/admin/"),
    "admin:logout":                     ("→/admin/", "→/admin/", "→/admin/", "→/admin/", "→/admin/", M, M),
    "admin:password_change":            (A,   A,   A,   A,   A,   200, 200),
    "admin:password_change_done":       (A,   A,   A,   A,   A,   200, 200),
    "admin:autocomplete":               (A,   A,   A,   A,   A,   F,   F),
    "admin:jsi18n":                     (A,   A,   A,   A,   A,   200, 200),
    "admin:view_on_site":               (A,   A,   A,   A,   A,   N,   N),
    "admin:auth_user_password_change":  (A,   A,   A,   A,   A,   F,   F),  # agent A's password
    "admin:app_list":                   (A,   A,   A,   A,   A,   200, N),  # the cases app
    "admin/(?P<url>.*)$":               (A,   A,   A,   A,   A,   N,   N),
}

# What the manager and HR may do on each ModelAdmin: v view, a add, c change, d delete, i import, e export.
ADMIN: dict[str, tuple[str, str]] = {
    #  model                              manager   hr
    "auth.group":                       ("",      ""),
    "authtoken.tokenproxy":             ("",      ""),
    "django_q.schedule":                ("",      ""),
    "django_q.success":                 ("",      ""),
    "django_q.failure":                 ("",      ""),
    "django_q.ormq":                    ("",      ""),
    "axes.accessattempt":               ("vd",    ""),   # unlock = delete the attempt
    "axes.accesslog":                   ("v",     ""),
    "axes.accessfailurelog":            ("v",     ""),
    "reviewdesk.shop":                  ("vc",    "v"),
    "reviewdesk.user":                  ("v",     "v"),
    **{f"policies.{model}":             ("vacdie", "") for model in (
        "platformrule", "issuetype", "classificationrule", "malicioussignal", "slatier", "businesscalendar",
        "openinghours", "calendarexception", "customertier", "compensationrule", "compensationoption",
        "replytemplate", "compliancerule", "followupplan", "followupstep", "appealchecklist", "contactlimit")},
    "cases.review":                     ("vac",   ""),
    "cases.case":                       ("v",     ""),
    "cases.buyer":                      ("v",     ""),
    "cases.importmapping":              ("vac",   ""),
    "cases.importbatch":                ("v",     ""),
    "cases.apitoken":                   ("vac",   ""),
    "training.trainingmodule":          ("vacd",  "v"),
    "training.modulerequirement":       ("vacd",  "v"),
    "training.qarubric":                ("vacd",  "v"),
    "training.score":                   ("vi",    "v"),
    "training.qareview":                ("v",     ""),
    "training.certificationlapse":      ("v",     "v"),
    "training.satisfactionsurvey":      ("va",    ""),
    "incentives.awardrule":             ("vac",   "v"),
    "incentives.rewarditem":            ("vac",   "v"),
    "incentives.period":                ("v",     "v"),   # lock and export are actions, not edits
    "incentives.ledgerentry":           ("v",     "v"),   # append-only: never added, changed or deleted here
    "incentives.payoutline":            ("v",     "v"),
    "incentives.withheldaward":         ("v",     "v"),
    "incentives.dispute":               ("v",     "v"),
    "incentives.redemption":            ("v",     "v"),
    "insights.insightsettings":         ("vc",    ""),    # one row: never added twice, never deleted
    "insights.reportrecipient":         ("vacd",  ""),
    "insights.weeklyreport":            ("v",     ""),
}
# fmt: on

# Which capability each kind of ModelAdmin URL needs (None: any staff member gets the answer).
KIND_NEEDS = {"changelist": "vc", "change": "vc", "history": "vc", "simple_history": "vc", "add": "a",
              "delete": "d", "import": "i", "export": "e"}  # fmt: skip


def expected(route: Route, role: str):
    """The table's answer for ``route`` and ``role``."""
    if route.key in WEB:
        return WEB[route.key][ROLES.index(role)]
    target = admin_target(route)
    assert target is not None and target[0] in ADMIN, (
        f"{route.key} is in no table of tests/hardening/test_access_matrix.py"
    )
    label, kind = target
    if role not in ("manager", "hr"):
        return A
    if kind == "redirect":
        return "→change"
    if kind == "process_import":
        return M  # POST only, whoever asks
    caps = ADMIN[label][0 if role == "manager" else 1]
    return 200 if set(KIND_NEEDS[kind]) & set(caps) else F


# --- the world and one logged-in client per role --------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            built.clients = {}
            for role in (*ROLES, "supervisor_b", "legal_b", "manager_b", "hr_b"):
                client = Client()
                if role != "anonymous":
                    client.force_login(built.users[role])
                built.clients[role] = client
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the resolver and the tables agree --------------------------------------------------------------

ROUTES = discover()


def test_every_url_pattern_is_in_a_table():
    missing = [r.key for r in ROUTES if r.key not in WEB and (admin_target(r) or ("", ""))[0] not in ADMIN]
    assert missing == [], "add these URL patterns to WEB or ADMIN of tests/hardening/test_access_matrix.py"


def test_the_tables_name_no_pattern_that_is_gone():
    keys = {r.key for r in ROUTES}
    assert sorted(set(WEB) - keys) == []
    assert sorted(set(ADMIN) - set(admin_models())) == []


def test_every_row_has_an_answer_for_every_role():
    assert [key for key, row in WEB.items() if len(row) != len(ROLES)] == []


# --- GET every pattern as every role ------------------------------------------------------------------


# Every non-staff user meets the same gate first (admin_view: not staff → the admin login), and the
# supervisor is the non-staff role with the most permissions: the ModelAdmin URLs are asked as the
# supervisor, the manager and HR; the admin site's own pages (in WEB) as every role, anonymous too.
ADMIN_ROLES = ("supervisor", "manager", "hr")
GETS = [(route, role) for route in ROUTES for role in (ROLES if route.key in WEB else ADMIN_ROLES)]


@pytest.mark.parametrize(("route", "role"), GETS, ids=[f"{route.key}-{role}" for route, role in GETS])
def test_get(world, route, role):
    want = expected(route, role)
    response = world.clients[role].get(url_for(world, route))
    got = answer(response)
    if want == "→change":  # the admin's short object URL sends staff to the change page
        want = "→" + url_for(world, route) + "change/"
    assert got == want, f"GET {url_for(world, route)} as {role}"


# --- object level: shop B guessing shop A's ids --------------------------------------------------------

OUTSIDERS = ("agent_b", "supervisor_b", "legal_b")
WEB_ACTIONS = sorted(ACTION_FORMS)


def _png():
    return SimpleUploadedFile("截图.png", PNG, content_type="image/png")


@pytest.mark.parametrize("role", OUTSIDERS)
def test_shop_b_reaches_nothing_of_shop_a_s_case_on_the_web(world, role):
    o, client = world.objects, world.clients[role]
    case = o.case_a
    before = state(world)
    answers = {
        "page": client.get(f"/cases/{case.pk}/").status_code,
        "evidence": client.get(f"/cases/{case.pk}/evidence/{o.evidence_a.pk}/").status_code,
        "reassign-form": client.get(f"/cases/{case.pk}/reassign/form/").status_code,
        **{
            f"act:{action}": client.post(
                f"/cases/{case.pk}/act/{action}/", {"version": case.version, "note": "x", "text": "x"}
            ).status_code
            for action in WEB_ACTIONS
        },
        "compose": client.post(f"/cases/{case.pk}/compose/public_reply/check/", {"text": "您好"}).status_code,
        "reveal": client.post(f"/cases/{case.pk}/contact/reveal/").status_code,
        "upload": client.post(f"/cases/{case.pk}/evidence/", {"file": _png(), "kind": "image"}).status_code,
        "follow-up": client.post(f"/cases/{case.pk}/follow-ups/{o.follow_up_a.pk}/done/").status_code,
        "reassign": client.post(
            f"/cases/{case.pk}/reassign/", {"user": world.users[role].pk, "version": case.version}
        ).status_code,
        # Shop B's own evidence id under shop A's case, and shop A's evidence under shop B's case.
        "evidence-mixed": client.get(f"/cases/{o.case_b.pk}/evidence/{o.evidence_a.pk}/").status_code,
    }
    assert answers == dict.fromkeys(answers, 404)
    assert state(world) == before


@pytest.mark.parametrize("role", OUTSIDERS)
def test_shop_b_reaches_nothing_of_shop_a_s_case_through_the_api(world, role):
    o = world.objects
    client = APIClient()
    client.force_login(world.users[role])
    case = f"/api/v1/cases/{o.case_a.pk}/"
    before = state(world)
    answers = {
        "detail": client.get(case).status_code,
        "compose": client.get(f"{case}compose/").status_code,
        "reveal": client.post(f"{case}reveal-contact/").status_code,
        "evidence": client.get(f"{case}evidence/{o.evidence_a.pk}/").status_code,
        "evidence-mixed": client.get(f"/api/v1/cases/{o.case_b.pk}/evidence/{o.evidence_a.pk}/").status_code,
        "upload": client.post(
            f"{case}evidence/", {"file": _png(), "kind": "image"}, format="multipart"
        ).status_code,
        **{
            f"action:{action}": client.post(
                f"{case}actions/{action}/", {"version": o.case_a.version}, format="json"
            ).status_code
            for action in WEB_ACTIONS
        },
    }
    assert answers == dict.fromkeys(answers, 404)
    listed = client.get("/api/v1/cases/", {"scope": "all"}).json()["results"]
    assert {row["shop"] for row in listed} == {"dy-main"}
    assert state(world) == before


def test_a_token_of_shop_b_reads_and_writes_only_shop_b(world):
    """The manager belongs to both shops; the token they made for shop B's sync job reaches shop B only."""
    o = world.objects
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {o.token_b_key}")
    before = state(world)
    listed = client.get("/api/v1/cases/", {"scope": "all"}).json()["results"]
    answers = {
        "case-a": client.get(f"/api/v1/cases/{o.case_a.pk}/").status_code,
        "evidence-a": client.get(f"/api/v1/cases/{o.case_a.pk}/evidence/{o.evidence_a.pk}/").status_code,
        "compose-a": client.get(f"/api/v1/cases/{o.case_a.pk}/compose/").status_code,
        "reveal-a": client.post(f"/api/v1/cases/{o.case_a.pk}/reveal-contact/").status_code,
        "verify-a": client.post(f"/api/v1/cases/{o.case_a.pk}/actions/verify/",
                                {"version": o.case_a.version, "responsibility": "merchant"}, format="json").status_code,
        "case-b": client.get(f"/api/v1/cases/{o.case_b.pk}/").status_code,
    }  # fmt: skip
    review = {
        "shop": "tb-main",
        "order_no": "AM0001",
        "rating": "差评",
        "content": "太差",
        "reviewed_at": "2026-11-20 13:05:00",
        "buyer_nick": "t**1",
    }
    submitted = client.post("/api/v1/reviews/", review, format="json")

    assert answers == {
        "case-a": 404,
        "evidence-a": 404,
        "compose-a": 404,
        "reveal-a": 404,
        "verify-a": 404,
        "case-b": 200,
    }
    assert {row["shop"] for row in listed} == {"dy-main"}
    assert (submitted.status_code, submitted.json()["errors"]) == (207, 1), submitted.json()
    assert state(world) == before


def test_another_users_notifications_are_not_found(world):
    o, client = world.objects, world.clients["agent_b"]
    before = state(world)
    answers = {
        "read": client.post(f"/cases/notifications/{o.notification_a.pk}/read/").status_code,
        "open": client.post(f"/cases/notifications/{o.notification_a.pk}/open/").status_code,
    }
    page = client.get("/cases/notifications/")
    assert answers == {"read": 404, "open": 404}
    assert [n.pk for n in page.context["page"].object_list] == [o.notification_b.pk]
    assert state(world) == before


def test_another_agents_ledger_entries_disputes_and_redemptions_are_not_found(world):
    o, client = world.objects, world.clients["agent_b"]
    before = state(world)
    answers = {
        "dispute-page": client.get(f"/incentives/entries/{o.entry_a.pk}/dispute/").status_code,
        "dispute-post": client.post(
            f"/incentives/entries/{o.entry_a.pk}/dispute/", {"reason": "也是我的"}
        ).status_code,
        "cancel": client.post(f"/incentives/redemptions/{o.redemption_a.pk}/cancel/").status_code,
    }
    statement = client.get("/incentives/", {"period": o.period.code}).context
    assert answers == {"dispute-page": 404, "dispute-post": 404, "cancel": 404}
    assert {e["id"] for e in statement["entries"]} == {o.entry_b.pk, o.points_b.pk}
    assert [d["id"] for d in statement["disputes"]] == [o.dispute_b.pk]
    assert state(world) == before


def test_a_shop_b_manager_cannot_settle_shop_a_disputes_or_redemptions(world):
    o, client = world.objects, world.clients["manager_b"]
    before = state(world)
    answers = {
        "resolve": client.post(
            f"/incentives/disputes/{o.dispute_a.pk}/resolve/", {"amount": "5", "note": "x"}
        ).status_code,
        "decide": client.post(
            f"/incentives/redemptions/{o.redemption_a.pk}/decide/", {"decision": "approve"}
        ).status_code,
    }
    queue = client.get("/incentives/manage/").content.decode()
    assert answers == {"resolve": 404, "decide": 404}
    assert "王小丽" not in queue and "外店客服" in queue
    assert state(world) == before


def _sheet_names(content: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(content))
    return {str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if cell}


def test_a_shop_b_hr_officer_downloads_only_shop_b_payouts(world):
    o, client = world.objects, world.clients["hr_b"]
    span = o.period.code
    response = client.get(f"/incentives/payouts/{span}.xlsx")
    assert response.status_code == 200
    names = _sheet_names(response.content)
    assert "外店客服" in names and "王小丽" not in names


def test_shop_b_staff_see_only_their_shops_people_in_the_user_admin(world):
    """Fixed here: the user admin listed and opened every user of every shop."""
    agent_a = world.users["agent_a"]
    for role in ("manager_b", "hr_b"):
        client = world.clients[role]
        listed = {u.username for u in client.get("/admin/reviewdesk/user/").context["cl"].result_list}
        assert agent_a.username not in listed and world.users["agent_b"].username in listed, role
        assert world.users[role].username in listed
        assert answer(client.get(f"/admin/reviewdesk/user/{agent_a.pk}/change/")) == "→/admin/", role
    listed = {u.username for u in world.clients["manager"].get("/admin/reviewdesk/user/").context["cl"].result_list}
    assert {agent_a.username, world.users["agent_b"].username} <= listed  # a member of both shops


def test_a_shop_b_manager_sends_reports_only_within_shop_b(world):
    """Fixed here: any manager saw every recipient and could add one for the all-shops report (every
    shop's figures), or for another shop, or send it to another shop's people."""
    from insights.models import ReportRecipient

    client, users = world.clients["manager_b"], world.users
    assert world.objects.recipient.shop_id is None  # the all-shops report's recipient
    assert list(client.get("/admin/insights/reportrecipient/").context["cl"].result_list) == []
    assert answer(client.get(f"/admin/insights/reportrecipient/{world.objects.recipient.pk}/change/")) == "→/admin/"
    before = set(ReportRecipient.objects.values_list("pk", flat=True))
    form = {"purpose": "operations", "weekly_report": "on", "active": "on"}
    refused = {
        "no shop (all shops)": {**form, "user": users["manager_b"].pk},
        "shop A": {**form, "user": users["manager_b"].pk, "shop": world.shop_a.pk},
        "shop A's agent": {**form, "user": users["agent_a"].pk, "shop": world.shop_b.pk},
    }
    for label, data in refused.items():
        response = client.post("/admin/insights/reportrecipient/add/", data)
        assert response.status_code == 200 and response.context["adminform"].form.errors, label
    assert set(ReportRecipient.objects.values_list("pk", flat=True)) == before
    ok = client.post("/admin/insights/reportrecipient/add/", {**form, "user": users["agent_b"].pk, "shop": world.shop_b.pk})
    assert ok.status_code == 302
    added = ReportRecipient.objects.exclude(pk__in=before).get()
    assert (added.shop_id, added.user_id) == (world.shop_b.pk, users["agent_b"].pk)
    added.delete()


def test_a_shop_b_hr_officer_sees_no_shop_a_ledger_rows_in_the_admin(world):
    """Fixed here: the incentives admin listed and opened every agent's entries, payout lines, disputes,
    redemptions and withheld awards, and its period export wrote every agent's payout."""
    o, client = world.objects, world.clients["hr_b"]
    rows = {
        "ledgerentry": o.entry_a, "payoutline": o.payout_line_a, "dispute": o.dispute_a,
        "redemption": o.redemption_a, "withheldaward": o.withheld_a,
    }  # fmt: skip
    answers = {
        name: answer(client.get(f"/admin/incentives/{name}/{obj.pk}/change/")) for name, obj in rows.items()
    }
    assert answers == dict.fromkeys(rows, "→/admin/")  # "no such object" (the admin's own answer)
    assert answer(world.clients["hr"].get(f"/admin/incentives/ledgerentry/{o.entry_a.pk}/change/")) == 200
    listed = client.get("/admin/incentives/ledgerentry/")
    assert {e.account.user.username for e in listed.context["cl"].result_list} == {
        world.users["agent_b"].username
    }
    export = client.post(
        "/admin/incentives/period/", {"action": "export_xlsx", "_selected_action": [o.period.pk]}
    )
    assert export.status_code == 200
    names = _sheet_names(export.content)
    assert "外店客服" in names and "王小丽" not in names


def test_shop_b_people_reach_no_shop_a_training_or_report(world):
    o = world.objects
    before = state(world)
    supervisor, agent = world.clients["supervisor_b"], world.clients["agent_b"]
    answers = {
        "qa-case": supervisor.get(f"/training/qa/cases/{o.resolved_a.pk}/").status_code,
        "qa-case-post": supervisor.post(
            f"/training/qa/cases/{o.resolved_a.pk}/", {"comment": "x"}
        ).status_code,
        "qa-survey": supervisor.post(
            f"/training/qa/cases/{o.resolved_a.pk}/survey/", {"score": 1}
        ).status_code,
        "qa-review": supervisor.get(f"/training/qa/reviews/{o.qa_review_a.pk}/").status_code,
        "qa-settle": supervisor.post(f"/training/qa/reviews/{o.qa_review_a.pk}/settle/").status_code,
        "qa-dispute": agent.post(
            f"/training/qa/reviews/{o.qa_review_a.pk}/dispute/", {"reason": "x"}
        ).status_code,
        "scorecard": agent.get(f"/training/agents/{world.users['agent_a'].pk}/").status_code,
        "scorecard-sup": supervisor.get(f"/training/agents/{world.users['agent_a'].pk}/").status_code,
        "report": supervisor.get(f"/insights/reports/{o.report_a.pk}/download/").status_code,
    }
    assert answers == dict.fromkeys(answers, 404)
    assert state(world) == before


def test_a_shop_b_manager_opens_no_shop_a_row_in_the_admin(world):
    o, client = world.objects, world.clients["manager_b"]
    rows = {
        "cases/case": o.case_a, "cases/review": o.case_a.review, "cases/buyer": o.buyer_a,
        "cases/importbatch": o.import_batch_a, "training/qareview": o.qa_review_a, "training/score": o.score_a,
        "training/certificationlapse": o.lapse_a, "training/satisfactionsurvey": o.survey_a,
        "incentives/ledgerentry": o.entry_a, "incentives/dispute": o.dispute_a,
    }  # fmt: skip
    answers = {name: answer(client.get(f"/admin/{name}/{obj.pk}/change/")) for name, obj in rows.items()}
    assert answers == dict.fromkeys(rows, "→/admin/")


# --- POSTs by a role that may not: refused, and nothing changed ------------------------------------------


def _csv(world):
    return SimpleUploadedFile(
        "reviews.csv", "订单编号,评分,评价内容\nAM1,差评,太差\n".encode(), content_type="text/csv"
    )


# fmt: off
POSTS = [
    # URL pattern                     role         answer  body (from the world)
    ("incentives:lock",               "anonymous",  L,   lambda w: {}),
    ("incentives:lock",               "agent_a",    F,   lambda w: {}),
    ("incentives:lock",               "supervisor", F,   lambda w: {}),
    ("incentives:lock",               "manager",    F,   lambda w: {}),  # HR locks, not the manager
    ("incentives:resolve",            "agent_a",    F,   lambda w: {"amount": "5", "note": "x"}),
    ("incentives:resolve",            "supervisor", F,   lambda w: {"amount": "5", "note": "x"}),
    ("incentives:resolve",            "hr",         F,   lambda w: {"amount": "5", "note": "x"}),
    ("incentives:decide",             "agent_a",    F,   lambda w: {"decision": "approve"}),
    ("incentives:decide",             "hr",         F,   lambda w: {"decision": "approve"}),
    ("incentives:redemption_cancel",  "supervisor", N,   lambda w: {}),  # agent A's own request
    ("training:score_entry",          "agent_a",    F,   lambda w: {"agent": w.users["agent_a"].pk, "period": "2026-11", "value": "99"}),
    ("training:score_entry",          "legal",      F,   lambda w: {"agent": w.users["agent_a"].pk, "period": "2026-11", "value": "99"}),
    ("training:score_entry",          "hr",         F,   lambda w: {"agent": w.users["agent_a"].pk, "period": "2026-11", "value": "99"}),
    ("training:qa_survey",            "agent_a",    N,   lambda w: {"score": 1}),
    ("training:qa_survey",            "legal",      N,   lambda w: {"score": 1}),
    ("cases:import-upload",           "agent_a",    F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("cases:import-upload",           "hr",         F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("cases:import-confirm",          "legal",      F,   lambda w: {"token": "x"}),
    ("cases:case_action",             "anonymous",  L,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("cases:case_action",             "hr",         N,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("api-case-verify",               "anonymous",  401, lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("api-case-verify",               "hr",         N,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("api-case-reveal-contact",       "hr",         N,   lambda w: {}),  # HR reaches no case
    ("api-case-reveal-contact",       "agent_a",    F,   lambda w: {}),
    ("cases:case_reassign",           "agent_a",    "→case", lambda w: {"user": w.users["legal"].pk, "version": w.objects.case_a.version}),
    ("cases:case_reassign",           "legal",      "→case", lambda w: {"user": w.users["legal"].pk, "version": w.objects.case_a.version}),
    ("policies:pack_import",          "supervisor", A,   lambda w: {}),
    ("policies:pack_import",          "hr",         F,   lambda w: {}),
    ("admin:cases_case_change",       "hr",         F,   lambda w: {"status": "closed"}),
    ("admin:cases_case_change",       "manager",    F,   lambda w: {"status": "closed"}),  # view only
    ("admin:policies_issuetype_add",  "supervisor", A,   lambda w: {"code": "x", "name": "x"}),
    ("admin:policies_issuetype_add",  "hr",         F,   lambda w: {"code": "x", "name": "x"}),
    ("admin:incentives_ledgerentry_delete", "manager", F, lambda w: {"post": "yes"}),
    ("admin:incentives_ledgerentry_delete", "hr",   F,   lambda w: {"post": "yes"}),
    ("admin:auth_group_add",          "manager",    F,   lambda w: {"name": "root"}),
    ("admin:reviewdesk_user_change",  "hr",         F,   lambda w: {"is_superuser": "on"}),
]
# fmt: on
ROUTE_BY_KEY = {r.key: r for r in ROUTES}


@pytest.mark.parametrize(("key", "role", "want", "body"), POSTS, ids=[f"{k}-{r}" for k, r, _, _ in POSTS])
def test_post_by_a_role_that_may_not_is_refused_and_changes_nothing(world, key, role, want, body):
    url = url_for(world, ROUTE_BY_KEY[key])
    client = world.clients[role]
    if key.startswith("api-"):
        client = APIClient()
        if role != "anonymous":
            client.force_login(world.users[role])
    before = state(world)
    data = body(world)
    response = client.post(url, data, format="json") if key.startswith("api-") else client.post(url, data)
    if want == "→case":
        want = f"→/cases/{world.objects.case_a.pk}/"
    assert answer(response) == want
    assert state(world) == before


def test_a_shop_b_manager_can_neither_see_nor_mint_an_api_token_for_shop_a(world):
    """Fixed here: the token admin listed every shop's tokens and let a manager of shop B grant shop A
    to a token of a colleague who belongs to both shops, whose key then read shop A's cases."""
    o, client = world.objects, world.clients["manager_b"]
    before = state(world)
    opened = answer(client.get(f"/admin/cases/apitoken/{o.token_a.pk}/change/"))
    listed = [t.pk for t in client.get("/admin/cases/apitoken/").context["cl"].result_list]
    minted = client.post("/admin/cases/apitoken/add/", {"name": "x", "user": world.users["manager"].pk,
                                                         "shops": [world.shop_a.pk]})  # fmt: skip
    assert (opened, listed) == ("→/admin/", [o.token_b.pk])
    assert minted.status_code == 200 and "shops" in minted.context["adminform"].form.errors
    assert state(world) == before
    every = world.clients["manager"].get("/admin/cases/apitoken/").context["cl"].result_list
    assert {t.pk for t in every} == {o.token_a.pk, o.token_b.pk}  # the manager of both shops sees both


def test_a_shop_b_manager_sees_no_stored_report_of_shop_a_in_the_admin(world):
    """Fixed here: the stored weekly reports (with their figures) were listed to every manager."""
    o, client = world.objects, world.clients["manager_b"]
    opened = answer(client.get(f"/admin/insights/weeklyreport/{o.report_a.pk}/change/"))
    listed = [r.pk for r in client.get("/admin/insights/weeklyreport/").context["cl"].result_list]
    assert (opened, listed) == ("→/admin/", [o.report_b.pk])
    every = world.clients["manager"].get("/admin/insights/weeklyreport/").context["cl"].result_list
    assert {r.pk for r in every} == {o.report_a.pk, o.report_b.pk}


def test_a_shop_b_manager_cannot_open_or_edit_shop_a_in_the_admin(world):
    """Fixed here: every manager could rename or deactivate every shop."""
    client = world.clients["manager_b"]
    before = state(world)
    url = f"/admin/reviewdesk/shop/{world.shop_a.pk}/change/"
    answers = (
        answer(client.get(url)),
        answer(client.post(url, {"code": "tb-main", "name": "改名", "platform": "taobao"})),
    )
    listed = [shop.code for shop in client.get("/admin/reviewdesk/shop/").context["cl"].result_list]
    assert (answers, listed) == (("→/admin/", "→/admin/"), ["dy-main"])
    world.shop_a.refresh_from_db()
    assert world.shop_a.name == "淘宝旗舰店"
    assert state(world) == before
