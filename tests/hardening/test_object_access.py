"""Object level: shop B guessing shop A's ids — its cases, evidence, tokens, notifications, ledger rows,
disputes, payouts, training records and reports — on the web, through the API and in the admin. Each
"Fixed here" names a hole the access matrix found. The world: tests/hardening/conftest.py."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.web.forms.actions import ACTION_FORMS
from tests.hardening.access_support import PNG, answer, state

pytestmark = pytest.mark.django_db

N, F, M = 404, 403, 405


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
        "verify-a": client.post(
            f"/api/v1/cases/{o.case_a.pk}/actions/verify/",
            {"version": o.case_a.version, "responsibility": "merchant"},
            format="json",
        ).status_code,
        "case-b": client.get(f"/api/v1/cases/{o.case_b.pk}/").status_code,
    }
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
    listed = {
        u.username for u in world.clients["manager"].get("/admin/reviewdesk/user/").context["cl"].result_list
    }
    assert {agent_a.username, world.users["agent_b"].username} <= listed  # a member of both shops


def test_a_shop_b_manager_sends_reports_only_within_shop_b(world):
    """Fixed here: any manager saw every recipient and could add one for the all-shops report (every
    shop's figures), or for another shop, or send it to another shop's people."""
    from insights.models import ReportRecipient

    client, users = world.clients["manager_b"], world.users
    assert world.objects.recipient.shop_id is None  # the all-shops report's recipient
    assert list(client.get("/admin/insights/reportrecipient/").context["cl"].result_list) == []
    assert (
        answer(client.get(f"/admin/insights/reportrecipient/{world.objects.recipient.pk}/change/"))
        == "→/admin/"
    )
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
    ok = client.post(
        "/admin/insights/reportrecipient/add/", {**form, "user": users["agent_b"].pk, "shop": world.shop_b.pk}
    )
    assert ok.status_code == 302
    added = ReportRecipient.objects.exclude(pk__in=before).get()
    assert (added.shop_id, added.user_id) == (world.shop_b.pk, users["agent_b"].pk)
    added.delete()


def test_a_shop_b_hr_officer_sees_no_shop_a_ledger_rows_in_the_admin(world):
    """Fixed here: the incentives admin listed and opened every agent's entries, payout lines, disputes,
    redemptions and withheld awards, and its period export wrote every agent's payout."""
    o, client = world.objects, world.clients["hr_b"]
    rows = {
        "ledgerentry": o.entry_a,
        "payoutline": o.payout_line_a,
        "dispute": o.dispute_a,
        "redemption": o.redemption_a,
        "withheldaward": o.withheld_a,
    }
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
        "cases/case": o.case_a,
        "cases/review": o.case_a.review,
        "cases/buyer": o.buyer_a,
        "cases/importbatch": o.import_batch_a,
        "training/qareview": o.qa_review_a,
        "training/score": o.score_a,
        "training/certificationlapse": o.lapse_a,
        "training/satisfactionsurvey": o.survey_a,
        "incentives/ledgerentry": o.entry_a,
        "incentives/dispute": o.dispute_a,
    }
    answers = {name: answer(client.get(f"/admin/{name}/{obj.pk}/change/")) for name, obj in rows.items()}
    assert answers == dict.fromkeys(rows, "→/admin/")


def test_a_shop_b_manager_can_neither_see_nor_mint_an_api_token_for_shop_a(world):
    """Fixed here: the token admin listed every shop's tokens and let a manager of shop B grant shop A
    to a token of a colleague who belongs to both shops, whose key then read shop A's cases."""
    o, client = world.objects, world.clients["manager_b"]
    before = state(world)
    opened = answer(client.get(f"/admin/cases/apitoken/{o.token_a.pk}/change/"))
    listed = [t.pk for t in client.get("/admin/cases/apitoken/").context["cl"].result_list]
    minted = client.post(
        "/admin/cases/apitoken/add/",
        {"name": "x", "user": world.users["manager"].pk, "shops": [world.shop_a.pk]},
    )
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
    assert {r.pk for r in every} == {o.report_a.pk, o.report_b.pk, o.report_client_a.pk}


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
