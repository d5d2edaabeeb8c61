"""The access matrix: every URL of the web UI, the admin and the API (found by walking the URL resolver,
so a new view cannot be forgotten) × every role → the answer it must get, declared in the tables below.

Roles: anonymous, an agent of shop A, an agent of shop B, shop A's supervisor and legal, and a manager
and an HR officer (staff, members of both shops). Path parameters are filled with real objects of shop A
(its case, evidence, follow-up, QA review, ledger entry, dispute, redemption, period, stored report …).

Answers: a number is the status code; ``L`` is a redirect to the login page, ``A`` to the admin's login
page; ``→/x/`` a redirect to /x/. The admin's pages are declared per ModelAdmin as what the manager and
HR may do there (a non-staff user is always sent to the admin login). The world is built in conftest.py;
shop B guessing shop A's ids is in test_object_access.py.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.hardening.access_support import (
    ROLES,
    A,
    L,
    Route,
    admin_models,
    admin_object,
    admin_target,
    answer,
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
    # The OpenAPI document and Swagger UI need a login (F16; settings.API_DOCS_PUBLIC publishes them).
    "api-schema":                       (401, 200, 200, 200, 200, 200, 200),
    "api-docs":                         (L,   200, 200, 200, 200, 200, 200),
    # Reviews are platform data (F3): a session, whatever the role, is refused before the method is asked.
    "api-reviews":                      (401, F,   F,   F,   F,   F,   F),
    # Imports are started by who may import reviews (POST only); a job is read like its page.
    "api-imports":                      (401, F,   F,   M,   F,   M,   F),
    "api-job":                          (401, N,   N,   200, N,   200, N),
    "api-job-download":                 (401, N,   N,   200, N,   200, N),
    "api-cases":                        (401, 200, 200, 200, 200, 200, 200),
    # Shop A's case: shop B's agent cannot tell it from an id that does not exist, and neither can HR,
    # a member of both shops for payouts only (reviewdesk.roles.works_cases). HR's case list is empty.
    "api-case":                         (401, 200, N,   200, 200, 200, N),
    "api-case-compose":                 (401, 200, N,   200, 200, 200, N),
    "api-case-reveal-contact":          (401, M,   M,   M,   M,   M,   M),
    "api-case-evidence":                (401, M,   M,   M,   M,   M,   M),
    "api-case-evidence-download":       (401, 200, N,   200, 200, 200, N),
    # Who could take shop A's case: its overseers only (an agent or legal gets the 404 of a case out of reach).
    "api-case-assignees":               (401, N,   N,   200, N,   200, N),
    "api-case-assign":                  (401, M,   M,   M,   M,   M,   M),
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
    "cases:next_case":                  (L,   M,   M,   M,   M,   M,   M),  # POST: the home's "start my next case"
    "cases:case_detail":                (L,   200, N,   200, 200, 200, N),
    "cases:case_action":                (L,   M,   M,   M,   M,   M,   M),
    "cases:compose_check":              (L,   M,   M,   M,   M,   M,   M),
    "cases:case_macro":                 (L,   M,   M,   M,   M,   M,   M),
    "cases:reveal_contact":             (L,   M,   M,   M,   M,   M,   M),
    "cases:evidence_upload":            (L,   M,   M,   M,   M,   M,   M),
    "cases:evidence_download":          (L,   200, N,   200, 200, 200, N),
    "cases:follow_up_done":             (L,   M,   M,   M,   M,   M,   M),
    "cases:case_reassign":              (L,   M,   M,   M,   M,   M,   M),
    "cases:case_reassign_form":         (L,   N,   N,   200, N,   200, N),
    "connectors:case_delivery":         (L,   200, N,   200, 200, 200, N),   # who sees the case
    "cases:approvals":                  (L,   200, 200, 200, 200, 200, 200),  # only offers waiting for one's role
    "cases:team_load":                  (L,   N,   N,   200, N,   200, N),
    "cases:bulk_assign":                (L,   M,   M,   M,   M,   M,   M),
    "cases:bulk_action":                (L,   M,   M,   M,   M,   M,   M),
    "cases:saved_filters":              (L,   200, 200, 200, 200, 200, F),  # one's own only
    "cases:saved_filter_save":          (L,   M,   M,   M,   M,   M,   M),
    "cases:saved_filter_delete":        (L,   M,   M,   M,   M,   M,   M),
    # The compensation matrix as a grid (policies.admin.compensation_grid): who may view the rules.
    "admin:policies_compensationrule_grid": (A, A,  A,   A,   A,   200, F),
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
    "incentives:period":                (L,   F,   F,   F,   F,   200, 200),  # its figures: the user's shops only
    "incentives:lock":                  (L,   M,   M,   M,   M,   M,   M),
    "incentives:payout_download":       (L,   F,   F,   F,   F,   200, 200),
    "incentives:payout_export_job":     (L,   M,   M,   M,   M,   M,   M),
    "incentives:manage":                (L,   F,   F,   F,   F,   200, F),
    "incentives:resolve":               (L,   M,   M,   M,   M,   M,   M),
    "incentives:decide":                (L,   M,   M,   M,   M,   M,   M),
    "insights:dashboard":               (L,   F,   F,   200, F,   200, F),
    "insights:dashboard_export":        (L,   F,   F,   200, F,   200, F),
    "insights:weekly":                  (L,   F,   F,   200, F,   200, F),
    "insights:weekly_download":         (L,   F,   F,   200, F,   200, F),
    "insights:report_download":         (L,   F,   F,   200, F,   200, F),  # shop A's stored report
    "insights:unresolved":              (L,   F,   F,   200, F,   200, F),
    "insights:attainment":              (L,   F,   F,   200, F,   200, F),
    "insights:attainment_export":       (L,   F,   F,   200, F,   200, F),
    "insights:attainment_cases":        (L,   F,   F,   200, F,   200, F),  # the cases of one figure
    "insights:health":                  (L,   F,   F,   200, F,   200, F),  # DSR trend: its own shops only
    "insights:health_import":           (L,   F,   F,   F,   F,   200, F),  # the managers import the DSR export
    # Shop A's supervisor's job: the owner and the shop's overseers (the manager) see it; nobody else.
    "jobs:list":                        (L,   200, 200, 200, 200, 200, 200),  # each their own
    "jobs:detail":                      (L,   N,   N,   200, N,   200, N),
    "jobs:progress":                    (L,   N,   N,   200, N,   200, N),
    "jobs:cancel":                      (L,   M,   M,   M,   M,   M,   M),
    "jobs:download":                    (L,   N,   N,   200, N,   200, N),
    # Work orders (none in the world: an unknown order is 404 for all). The case's panel is read like its
    # page; raising is POST only; the external answer link needs no login and refuses a missing token.
    "workorders:list":                  (L,   200, 200, 200, 200, 200, 200),  # each their own
    "workorders:weekly":                (L,   200, 200, 200, 200, 200, 200),  # each their own shops' orders
    "workorders:detail":                (L,   200, N,   200, 200, 200, N),   # shop A's order: who sees its case
    "workorders:attachment":            (L,   N,   N,   N,   N,   N,   N),
    "workorders:case_panel":            (L,   200, N,   200, 200, 200, N),
    "workorders:raise":                 (L,   M,   M,   M,   M,   M,   M),
    "workorders:external_answer":       (410, 410, 410, 410, 410, 410, 410),
    # The buyer's survey link (shop B's resolved case, unanswered): no login, the same page for everyone;
    # the case page's panel creates the chat link with a POST (who may not: POSTS below).
    "surveys:answer":                   (200, 200, 200, 200, 200, 200, 200),
    "training:survey_link":             (L,   M,   M,   M,   M,   M,   M),
    "api-case-work-orders":             (401, 200, N,   200, 200, 200, N),
    # The knowledge base (issue #23; no article or attempt in the world: an unknown id is 404 for who may
    # read, 403 for HR, who neither reads it nor sits the exam). The case's panel is read like its page.
    "knowledge:list":                   (L,   200, 200, 200, 200, 200, F),
    "knowledge:create":                 (L,   F,   F,   F,   F,   200, F),
    "knowledge:detail":                 (L,   N,   N,   N,   N,   N,   F),
    "knowledge:edit":                   (L,   F,   F,   F,   F,   N,   F),
    "knowledge:attachment":             (L,   N,   N,   N,   N,   N,   F),
    "knowledge:case_panel":             (L,   200, N,   200, 200, 200, N),
    "knowledge:exam_home":              (L,   200, 200, 200, 200, 200, F),
    "knowledge:exam_attempt":           (L,   N,   N,   N,   N,   N,   F),
    **{f"knowledge:{name}":             (L,   M,   M,   M,   M,   M,   M) for name in (
        "approve", "question_add", "use", "promote", "exam_start")},
    # Prevention (no task in the world: an unknown task is 404). The queue and the risky orders are read by
    # who reads cases (each their own shops'); HR reads none. The effect is the dashboard's; importing
    # orders is for who may import reviews.
    "prevention:queue":                 (L,   200, 200, 200, 200, 200, F),
    "prevention:task":                  (L,   N,   N,   N,   N,   N,   F),
    "prevention:risky":                 (L,   200, 200, 200, 200, 200, F),
    "prevention:effect":                (L,   F,   F,   200, F,   200, F),
    "prevention:import":                (L,   F,   F,   200, F,   200, F),
    "api-work-order-answer":            (401, M,   M,   M,   M,   M,   M),
    # The SMS providers' callbacks: POST only, with the account's token in the URL (a wrong one is 403).
    "outreach:tencent_status":          (M,   M,   M,   M,   M,   M,   M),
    "outreach:tencent_reply":           (M,   M,   M,   M,   M,   M,   M),
    "outreach:case_sms":                (L,   M,   M,   M,   M,   M,   M),  # the case page's SMS: POST only
    "outreach:case_sms_panel":          (L,   200, N,   200, 200, 200, N),  # its panel: who may act on the case
    # Starting a background export or import: POST only (who may not is refused in POSTS below).
    "policies:pack_export_job":         (A,   A,   A,   A,   A,   M,   M),
    "policies:pack_import_confirm_job": (A,   A,   A,   A,   A,   M,   M),
    "training:score_export_job":        (L,   M,   M,   M,   M,   M,   M),
    "insights:dashboard_export_job":    (L,   M,   M,   M,   M,   M,   M),
    "insights:weekly_export_job":       (L,   M,   M,   M,   M,   M,   M),
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
    # The token admin's page that creates an integration account (who may add tokens: the manager).
    "admin:cases_apitoken_integration_account": (A, A, A, A,  A,   200, F),
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
    # Clients and who serves them decide who reaches what: created and changed by a superuser only.
    "reviewdesk.client":                ("v",     ""),
    "reviewdesk.clientmembership":      ("v",     ""),
    "reviewdesk.user":                  ("v",     "v"),
    # The world's rules are global, the policy owner's (F5): the manager views and exports them and adds
    # or imports rows for his own shops, but changes and deletes none of them; issue types are global only.
    **{f"policies.{model}":             ("vaie",  "") for model in (
        "platformrule", "classificationrule", "malicioussignal", "slatier", "businesscalendar",
        "openinghours", "calendarexception", "customertier", "compensationrule", "compensationoption",
        "replytemplate", "compliancerule", "followupplan", "followupstep", "appealchecklist", "contactlimit",
        "macro", "campaignperiod", "campaigncommitment")},
    "policies.issuetype":               ("ve",    ""),
    "cases.review":                     ("v",     ""),    # platform data: read-only, corrected by an import (F3)
    "cases.case":                       ("v",     ""),
    "cases.buyer":                      ("v",     ""),
    "cases.importmapping":              ("v",     ""),   # global: changed by the policy owner (F5)
    "cases.importbatch":                ("v",     ""),
    "cases.apitoken":                   ("vac",   ""),
    "cases.notificationchannel":        ("vacd",  ""),    # his shops' robots: URL and secret write-only (F15)
    "cases.delivery":                   ("v",     ""),
    "knowledge.productline":            ("v",     ""),    # global: the policy owner's (issue #23)
    "connectors.connector":             ("vac",   ""),    # his shops' connectors: credentials write-only
    "connectors.outboxreply":           ("v",     ""),    # written by the workflow and the worker only
    # Prevention's rules (issue #24): layered like the pack's; the order mappings are global (F5).
    "prevention.laterule":              ("vaie",  ""),
    "prevention.riskrule":              ("vaie",  ""),
    "prevention.returnreasonrule":      ("vaie",  ""),
    "prevention.ordermapping":          ("v",     ""),
    "training.trainingmodule":          ("vacd",  "v"),
    "training.modulerequirement":       ("vac",   "v"),   # a global row is deleted by the policy owner only
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
    "incentives.adjustmentlimit":       ("v",     ""),    # dispute caps for every shop: the policy owner's (F13)
    "insights.insightsettings":         ("v",     ""),    # one row for all shops: the policy owner's (F5)
    "insights.reportrecipient":         ("vacd",  ""),
    "insights.weeklyreport":            ("v",     ""),
    "insights.healthwatch":             ("vacd",  ""),    # his shops' DSR alert steps; the default row is the owner's
    # Global departments are the policy owner's; the manager adds his shops' overrides (F5).
    "workorders.department":            ("va",    ""),
    "workorders.automationrule":        ("va",    ""),    # the same: global rules, a shop's overrides
    "workorders.robotpost":             ("v",     ""),    # what the robots were sent: written by the worker only
    # SMS (issue #21): his shops' accounts (key secret write-only), template overrides, alert numbers;
    # what was sent is read-only; an opt-out is recorded, never edited (the number is kept as a hash).
    "outreach.smsaccount":              ("vacd",  ""),
    "outreach.smstemplate":             ("vac",   ""),
    "outreach.smsmessage":              ("v",     ""),
    "outreach.optout":                  ("va",    ""),
    "outreach.supervisorphone":         ("vacd",  ""),
}
# fmt: on

# Which capability each kind of ModelAdmin URL needs (None: any staff member gets the answer).
KIND_NEEDS = {
    "changelist": "vc",
    "change": "vc",
    "history": "vc",
    "simple_history": "vc",
    "add": "a",
    "delete": "d",
    "import": "i",
    "export": "e",
    "preview": "v",  # the reply-template admin's preview (policies.admin.template_preview)
}


def expected(route: Route, role: str, world):
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
    if kind == "history" and not _in_reach(world, label, role):
        return "→/admin/"  # the admin's "no such object" (HR reaches no case, nor its QA review or survey)
    return 200 if set(KIND_NEEDS[kind]) & set(caps) else F


def _in_reach(world, label: str, role: str) -> bool:
    """Is the tables' object of this admin within the role's reach (reviewdesk.access)?"""
    from reviewdesk.access import can_access

    return can_access(admin_object(world, label), world.users[role])


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
    want = expected(route, role, world)
    response = world.clients[role].get(url_for(world, route))
    got = answer(response)
    if want == "→change":  # the admin's short object URL sends staff to the change page
        want = "→" + url_for(world, route) + "change/"
    assert got == want, f"GET {url_for(world, route)} as {role}"


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
    ("training:survey_link",          "anonymous",  L,   lambda w: {}),
    ("training:survey_link",          "agent_b",    N,   lambda w: {}),
    ("training:survey_link",          "hr",         N,   lambda w: {}),
    ("outreach:case_sms",             "anonymous",  L,   lambda w: {"version": w.objects.case_a.version, "template": "contact"}),
    ("outreach:case_sms",             "agent_b",    N,   lambda w: {"version": w.objects.case_a.version, "template": "contact"}),
    ("outreach:case_sms",             "hr",         N,   lambda w: {"version": w.objects.case_a.version, "template": "contact"}),
    ("cases:import-upload",           "agent_a",    F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("cases:import-upload",           "hr",         F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("cases:import-confirm",          "legal",      F,   lambda w: {"token": "x"}),
    ("prevention:import",             "agent_a",    F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("prevention:import",             "hr",         F,   lambda w: {"shop": w.shop_a.pk, "file": _csv(w)}),
    ("cases:next_case",               "anonymous",  L,   lambda w: {}),
    ("cases:next_case",               "hr",         F,   lambda w: {}),  # HR answers no buyer
    ("cases:next_case",               "manager",    F,   lambda w: {}),
    ("cases:case_action",             "anonymous",  L,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("cases:case_action",             "hr",         N,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("cases:case_macro",              "anonymous",  L,   lambda w: {"version": w.objects.case_a.version}),
    ("cases:case_macro",              "hr",         N,   lambda w: {"version": w.objects.case_a.version}),
    ("cases:case_macro",              "agent_b",    N,   lambda w: {"version": w.objects.case_a.version}),
    ("api-case-verify",               "anonymous",  401, lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("api-case-verify",               "hr",         N,   lambda w: {"version": w.objects.case_a.version, "responsibility": "merchant"}),
    ("api-case-reveal-contact",       "hr",         N,   lambda w: {}),  # HR reaches no case
    ("api-case-reveal-contact",       "agent_a",    F,   lambda w: {}),
    ("cases:case_reassign",           "agent_a",    "→case", lambda w: {"user": w.users["legal"].pk, "version": w.objects.case_a.version}),
    ("cases:case_reassign",           "legal",      "→case", lambda w: {"user": w.users["legal"].pk, "version": w.objects.case_a.version}),
    ("cases:bulk_assign",             "agent_a",    N,   lambda w: {"cases": [w.objects.case_a.pk], "user": w.users["legal"].pk, "override": "on", "reason": "x"}),
    ("cases:bulk_assign",             "legal",      N,   lambda w: {"cases": [w.objects.case_a.pk], "user": w.users["legal"].pk, "override": "on", "reason": "x"}),
    ("api-case-assign",               "agent_a",    F,   lambda w: {"version": w.objects.case_a.version, "user_id": w.users["legal"].pk, "override": True, "reason": "x"}),
    ("api-case-assign",               "agent_b",    N,   lambda w: {"version": w.objects.case_a.version, "user_id": w.users["legal"].pk, "override": True, "reason": "x"}),
    ("api-case-assign",               "hr",         N,   lambda w: {"version": w.objects.case_a.version, "user_id": w.users["legal"].pk, "override": True, "reason": "x"}),
    ("policies:pack_import",          "supervisor", A,   lambda w: {}),
    ("policies:pack_import",          "hr",         F,   lambda w: {}),
    # A background job is started only by who may do the same in the request (no job row is created).
    ("policies:pack_export_job",      "supervisor", A,   lambda w: {}),
    ("policies:pack_export_job",      "hr",         F,   lambda w: {}),
    ("policies:pack_import_confirm_job", "hr",      F,   lambda w: {}),
    ("training:score_export_job",     "agent_a",    F,   lambda w: {"period": "2026-11"}),
    ("training:score_export_job",     "supervisor", F,   lambda w: {"period": "2026-11"}),
    ("insights:dashboard_export_job", "agent_a",    F,   lambda w: {}),
    ("insights:dashboard_export_job", "hr",         F,   lambda w: {}),
    ("insights:weekly_export_job",    "legal",      F,   lambda w: {}),
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
