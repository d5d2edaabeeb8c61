"""Buyer phone numbers and addresses never leave unmasked (issue 8).

A phone and an address are planted on the reviews of a shop the way they really arrive (an export file
through the intake, then a later file that changes them, so the review's revisions hold the old and new
values too). Cases are routed, alerted, worked; the insights rollup, a stored weekly report and a locked
incentive period are built on them. Then every role fetches every page, fragment, API answer and export it
can reach, and the raw bytes (XLSX unzipped to their XML, JSON with its escapes undone) are searched for the
numbers — digits only, with separators, with +86 — and for the street part of the address. Holders of
``cases.reveal_buyer_contact`` see the same masked pages: the unmasked values only come from the reveal,
which is recorded on the case's timeline without the data. Logs (root at DEBUG), notifications, emails,
robot webhooks and the production error pages are searched the same way.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cases.models import CaseEvent, Delivery, Notification, Review
from tests.hardening.pii.world import (
    NEW_ADDRESS,
    NEW_PHONE,
    ROLES,
    admin_urls,
    body_of,
    leaks_in,
    readable,
    urls_for,
)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_fragment_api_answer_or_export_shows_the_buyers_contact_data(world, role):
    user = world["users"][role]
    client = Client()
    client.force_login(user)
    urls = urls_for(world, role) + (admin_urls(user) if user.is_staff else [])
    fetched, leaks = {}, {}
    for url in urls:
        response = client.get(url, HTTP_HX_REQUEST="true" if "reassign" in url else None)
        fetched[url] = response.status_code
        found = leaks_in(body_of(response))
        if found:
            leaks[url] = found

    assert leaks == {}, json.dumps(leaks, ensure_ascii=False, indent=0)
    assert 500 not in fetched.values()
    # The search saw real content: the case page shows the masked number to every case role.
    if role != "hr":
        case = world["cases"][1]
        page = body_of(client.get(reverse("cases:case_detail", args=[case.pk])))
        assert "139****4321" in page and "上海市浦东" in page


def test_the_exports_did_carry_the_cases_so_the_search_was_not_empty(world):
    """The XLSX/CSV exports the search read hold the planted reviews' cases (by order number)."""
    client = Client()
    client.force_login(world["users"]["manager"])
    period = world["period"].code
    payout = body_of(client.get(reverse("incentives:payout_download", args=[period, "xlsx"])))
    weekly = body_of(client.get(reverse("insights:report_download", args=[world["report"].pk])))

    assert "PII000007" in payout  # the resolved case of the award, with its buyer nick and order
    assert "纯棉四件套" in weekly


def test_the_contact_data_is_only_shown_by_the_reveal_and_the_reveal_is_recorded(world):
    case = world["cases"][1]
    events_before = CaseEvent.objects.filter(case=case).count()
    for role in ("agent", "hr"):
        client = Client()
        client.force_login(world["users"][role])
        web = client.post(reverse("cases:reveal_contact", args=[case.pk]), HTTP_HX_REQUEST="true")
        api = client.post(f"/api/v1/cases/{case.pk}/reveal-contact/")
        assert leaks_in(body_of(web)) == [] and leaks_in(body_of(api)) == []
        assert api.status_code in (403, 404)
    assert CaseEvent.objects.filter(case=case).count() == events_before

    client = Client()
    client.force_login(world["users"]["supervisor"])
    web = client.post(reverse("cases:reveal_contact", args=[case.pk]), HTTP_HX_REQUEST="true")
    api = client.post(f"/api/v1/cases/{case.pk}/reveal-contact/")

    stored = Review.objects.filter(pk=case.review_id).values_list("buyer_phone", "buyer_address").get()
    assert stored == ("+86 139-8765-4321", NEW_ADDRESS)  # as the export file spelled it
    assert leaks_in(body_of(web)) == [NEW_PHONE, NEW_ADDRESS, "陆家嘴环路88号", "陆家嘴环路"]
    assert api.status_code == 200
    assert api.json() == {"buyer_phone": stored[0], "buyer_address": stored[1]}
    reveals = CaseEvent.objects.filter(case=case, action="reveal_contact").order_by("pk")
    assert [(e.actor_id, e.payload) for e in reveals] == [
        (world["users"]["supervisor"].pk, {"fields": ["buyer_phone", "buyer_address"]}),
    ] * 2
    # The timeline records who looked, never what they saw.
    page = body_of(client.get(reverse("cases:case_detail", args=[case.pk])))
    assert leaks_in(page) == []


def test_a_manager_reads_a_review_in_the_admin_without_seeing_or_changing_the_contact_data(world):
    """The review admin is read-only (platform data is corrected by a new import): the page shows the
    phone and address masked, offers no field to type them into, and a POST changes nothing."""
    review = Review.objects.get(pk=world["cases"][0].review_id)
    client = Client()
    client.force_login(world["users"]["manager"])
    url = reverse("admin:cases_review_change", args=[review.pk])
    page = client.get(url)

    assert page.status_code == 200
    text = body_of(page)
    assert leaks_in(text) == []
    assert "139****4321" in text and "上海市浦东" in text
    assert 'name="buyer_phone"' not in text and 'name="buyer_address"' not in text
    assert client.get(reverse("admin:cases_review_add")).status_code == 403
    saved = client.post(url, {"item_title": "纯棉四件套(改)", "buyer_phone": "13900000000"})

    assert saved.status_code == 403
    assert Review.objects.filter(pk=review.pk).values_list(
        "item_title", "buyer_phone", "buyer_address"
    ).get() == (review.item_title, review.buyer_phone, review.buyer_address)


# --- logs, notifications, emails, webhooks -----------------------------------------------------------


def test_logs_notifications_emails_and_webhooks_never_carry_the_contact_data(world):
    records, mails, delivered = (
        world["logs"],
        world["mails"],
        [r["raw"].decode("utf-8") for r in world["requests"]],
    )

    assert [(r.name, leaks_in(r.getMessage())) for r in records if leaks_in(r.getMessage())] == []
    assert [
        r.name for r in records if r.exc_info and leaks_in(logging.Formatter().formatException(r.exc_info))
    ] == []
    assert "django-q" in {r.name for r in records}  # the capture saw the tasks run
    notes = list(Notification.objects.values_list("title", "body"))
    assert len(notes) >= 8 and leaks_in(json.dumps(notes, ensure_ascii=False)) == []
    messages = list(Delivery.objects.values_list("message", flat=True))
    assert len(messages) >= 2 and leaks_in(json.dumps(messages, ensure_ascii=False)) == []
    assert len(mails) >= 1
    for message in mails:
        parts = [message.subject, message.body, *(str(a[0]) for a in getattr(message, "alternatives", []))]
        assert leaks_in("\n".join(parts)) == []
    assert {r["path"] for r in world["requests"]} == {"/feishu", "/dingtalk"}
    assert [leaks_in(json.dumps(json.loads(body), ensure_ascii=False)) for body in delivered] == [[]] * len(
        delivered
    )


# --- error pages in production -----------------------------------------------------------------------


def test_production_error_pages_show_neither_contact_data_nor_the_technical_page(
    world, settings, monkeypatch
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["agent"])
    missing = client.get(reverse("cases:case_detail", args=[999999]))

    from cases.web import workspace

    def broken(*args, **kwargs):
        review = Review.objects.filter(shop=world["shop"]).first()
        raise RuntimeError(f"contact {review.buyer_phone} {review.buyer_address}")

    monkeypatch.setattr(workspace, "case_page_context", broken)
    failed = client.get(reverse("cases:case_detail", args=[world["cases"][1].pk]))

    assert (missing.status_code, failed.status_code) == (404, 500)
    for response in (missing, failed):
        text = body_of(response)
        assert leaks_in(text) == []
        assert "Traceback" not in text and "Request information" not in text and "DEBUG = True" not in text


def test_the_policy_pack_export_command_carries_no_contact_data(world, tmp_path):
    out = tmp_path / "pack.xlsx"
    call_command("policy_pack", "export", "--out", str(out), verbosity=0)

    assert leaks_in(readable(out.read_bytes())) == []
