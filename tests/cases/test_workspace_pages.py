"""Workspace pages: each renders for the roles that use it, shows only the user's shops (another
shop's case is a 404 by any URL), and stays within its query budget: the queue page ≤ 10 queries
whatever the page size, the case page with a 200-event timeline ≤ 15."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus, WorkflowAction
from cases.hooks import certification_checks
from cases.models import CaseEvent, Evidence, FollowUpTask
from reviewdesk.i18n_text import render
from tests.cases.routing_support import make_case, sla_fields
from tests.cases.workspace_support import triaged_case
from tests.factories import CompensationOfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def supervisor(make_user, shop):
    return make_user("supervisor", shops=[shop])


def _due_in(minutes: int) -> dict:
    now = timezone.now()
    return sla_fields(start=now - dt.timedelta(minutes=60), minutes=60 + minutes)


def queue_ids(response) -> list[int]:
    return [row["id"] for row in response.context["rows"]]


# --- the queue -------------------------------------------------------------------------------------


def test_my_queue_lists_my_open_cases_most_urgent_first(client, shop, agent, make_user):
    other_agent = make_user("agent", shops=[shop])
    later = make_case(shop, assignee=agent, status="assigned", **_due_in(300))
    breached = make_case(shop, assignee=agent, status="in_progress", **_due_in(-10))
    near = make_case(shop, assignee=agent, status="assigned", **_due_in(5))  # past its 80% warn time
    no_clock = make_case(shop, assignee=agent, status="assigned")
    make_case(shop, assignee=other_agent, status="assigned", **_due_in(-30))  # someone else's
    make_case(shop, assignee=agent, status="resolved", **_due_in(-60))  # not open
    client.force_login(agent)

    response = client.get(reverse("cases:queue"))

    assert response.status_code == 200
    assert queue_ids(response) == [breached.pk, near.pk, later.pk, no_clock.pk]
    urgency = {row["id"]: row["urgency_label"] for row in response.context["rows"]}
    assert (urgency[breached.pk], urgency[near.pk], urgency[later.pk]) == ("已超时", "即将超时", "正常")
    html = response.content.decode()
    assert f'href="/cases/{breached.pk}/"' in html
    assert 'class="countdown bad"' in html and "data-due=" in html


def test_shop_queue_shows_unassigned_cases_of_my_shops_only(client, shop, other_shop, agent):
    mine = make_case(shop, assignee=agent, status="assigned")
    unassigned = make_case(shop, **_due_in(30))
    foreign = make_case(other_shop, **_due_in(-30))
    client.force_login(agent)

    response = client.get(reverse("cases:queue_shop"))

    assert queue_ids(response) == [unassigned.pk]
    assert mine.pk not in queue_ids(response) and foreign.pk not in queue_ids(response)


def test_filters_and_search_narrow_the_queue(client, shop, agent):
    a = make_case(shop, assignee=agent, status="assigned", content="物流太慢")
    b = make_case(shop, assignee=agent, status="in_progress")
    client.force_login(agent)
    order_no = a.review.order_no

    assert queue_ids(client.get(reverse("cases:queue"), {"q": order_no})) == [a.pk]
    assert queue_ids(client.get(reverse("cases:queue"), {"q": b.review.buyer_nick})) == [b.pk]
    assert queue_ids(client.get(reverse("cases:queue"), {"state": "in_progress"})) == [b.pk]
    assert queue_ids(client.get(reverse("cases:queue"), {"platform": "douyin"})) == []
    assert queue_ids(client.get(reverse("cases:queue"), {"q": "没有这个订单"})) == []


def test_a_filter_on_another_shop_is_refused_not_obeyed(client, shop, other_shop, agent):
    make_case(shop, assignee=agent, status="assigned")
    client.force_login(agent)
    response = client.get(reverse("cases:queue"), {"shop": other_shop.code})
    assert response.status_code == 200
    assert "shop" in response.context["form"].errors  # not among the choices: shown, and ignored
    assert "没有这个店铺，或你不属于该店铺。" in response.content.decode()
    assert len(queue_ids(response)) == 1


def test_htmx_filter_returns_only_the_results(client, shop, agent):
    make_case(shop, assignee=agent, status="assigned")
    client.force_login(agent)
    response = client.get(reverse("cases:queue"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results")
    html = response.content.decode()
    assert "<table" in html and "<html" not in html


def test_due_follow_ups_head_the_owners_queue(client, shop, agent, make_user):
    resolved = make_case(shop, assignee=agent, status="resolved")
    now = timezone.now()
    due = FollowUpTask.objects.create(
        case=resolved,
        step_ref=1,
        name="满意度回访",
        channel="private_message",
        due_at=now - dt.timedelta(hours=1),
    )
    FollowUpTask.objects.create(
        case=resolved,
        step_ref=2,
        name="七天后回访",
        channel="private_message",
        due_at=now + dt.timedelta(days=7),
    )
    FollowUpTask.objects.create(
        case=resolved,
        step_ref=3,
        name="已完成",
        channel="sms",
        due_at=now - dt.timedelta(hours=2),
        done_at=now,
    )
    client.force_login(agent)

    response = client.get(reverse("cases:queue"))

    assert [t["id"] for t in response.context["follow_ups"]] == [due.pk]
    assert "满意度回访" in response.content.decode()
    other = make_user("agent", shops=[shop])
    client.force_login(other)
    assert client.get(reverse("cases:queue")).context["follow_ups"] == []


def test_queue_pages_by_50(client, shop, agent):
    agent.max_open_cases = 500
    for n in range(55):
        make_case(shop, assignee=agent, status="assigned", **_due_in(n))
    client.force_login(agent)
    first = client.get(reverse("cases:queue"))
    second = client.get(reverse("cases:queue"), {"page": 2})
    assert len(queue_ids(first)) == 50 and len(queue_ids(second)) == 5
    assert set(queue_ids(first)).isdisjoint(queue_ids(second))


@pytest.mark.parametrize("cases", [5, 120])
def test_queue_page_queries_do_not_grow_with_rows(client, shop, agent, django_assert_max_num_queries, cases):
    for n in range(cases):
        make_case(shop, assignee=agent, status="assigned", **_due_in(n - 10))
    resolved = make_case(shop, assignee=agent, status="resolved")
    FollowUpTask.objects.create(case=resolved, step_ref=1, name="回访", channel="sms", due_at=timezone.now())
    client.force_login(agent)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:queue"))
    assert len(queue_ids(response)) == min(cases, 50)
    assert len(response.context["follow_ups"]) == 1


def test_supervisor_scopes_are_for_overseers_only(client, shop, agent, supervisor):
    breached = make_case(shop, assignee=agent, status="assigned", **_due_in(-5))
    make_case(shop, assignee=agent, status="assigned", **_due_in(50))
    client.force_login(agent)
    assert client.get(reverse("cases:queue_all")).status_code == 404
    assert client.get(reverse("cases:queue_breached")).status_code == 404
    client.force_login(supervisor)
    assert queue_ids(client.get(reverse("cases:queue_breached"))) == [breached.pk]
    assert len(queue_ids(client.get(reverse("cases:queue_all")))) == 2
    assert queue_ids(client.get(reverse("cases:queue_all"), {"assignee": agent.pk}))[0] == breached.pk


def test_queue_needs_login(client):
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the case page ---------------------------------------------------------------------------------


def test_case_page_shows_review_decision_clocks_and_only_allowed_actions(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)

    response = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "质量太差，做工粗糙，开线了" in html
    assert render(case.decision["classification"]) in html
    assert [c["label"] for c in response.context["clocks"]][0] == "首次响应"
    # The agent may contact or mark malicious now; not verify (no contact yet), offer, approve, resolve.
    assert set(response.context["allowed"]) >= {"record_contact", "mark_malicious"}
    for action in ("verify", "offer", "approve", "resolve", "reopen"):
        assert f'action="/cases/{case.pk}/act/{action}/"' not in html
    assert f'action="/cases/{case.pk}/act/record_contact/"' in html
    # Masked for an agent, with no reveal button.
    assert "138****5678" in html and "13812345678" not in html
    assert "查看完整信息" not in html


def test_case_page_of_another_shop_is_404_by_every_url(client, shop, other_shop, agent):
    foreign = triaged_case(other_shop)
    client.force_login(agent)
    for name in ("cases:case_detail", "cases:reveal_contact", "cases:evidence_upload"):
        method = client.get if name == "cases:case_detail" else client.post
        assert method(reverse(name, kwargs={"pk": foreign.pk})).status_code == 404
    assert (
        client.post(
            reverse("cases:case_action", kwargs={"pk": foreign.pk, "action": "claim"}),
            {"version": foreign.version},
        ).status_code
        == 404
    )
    assert client.get(reverse("cases:case_detail", kwargs={"pk": 999999})).status_code == 404
    foreign.refresh_from_db()
    assert foreign.assignee_id is None


def test_case_page_with_200_events_stays_within_15_queries(
    client, shop, agent, django_assert_max_num_queries
):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            actor=agent if n % 2 else None,
            action=WorkflowAction.RECORD_CONTACT,
            from_status="in_progress",
            to_status="waiting_buyer",
            version=n + 1,
            payload={"note": f"第{n}次", "changes": {"status": ["a", "b"]}},
            at=now - dt.timedelta(minutes=300 - n),
        )
        for n in range(200)
    )
    FollowUpTask.objects.create(case=case, step_ref=1, name="回访", channel="sms", due_at=now)
    client.force_login(agent)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert len(response.context["timeline"]) == 200
    assert response.content.decode().count("第1") >= 1


def test_supervisor_reveals_contact_and_it_is_recorded(client, shop, agent, supervisor):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(supervisor)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "查看完整信息" in page and "13812345678" not in page

    response = client.post(reverse("cases:reveal_contact", kwargs={"pk": case.pk}), HTTP_HX_REQUEST="true")

    assert "13812345678" in response.content.decode()
    (event,) = CaseEvent.objects.filter(case=case, action=WorkflowAction.REVEAL_CONTACT)
    assert event.actor == supervisor and "13812345678" not in str(event.payload)


def test_agent_cannot_reveal_contact(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    response = client.post(reverse("cases:reveal_contact", kwargs={"pk": case.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not CaseEvent.objects.filter(case=case).exists()


def test_evidence_is_downloadable_only_by_those_who_see_the_case(
    client, shop, other_shop, agent, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    response = client.post(
        reverse("cases:evidence_upload", kwargs={"pk": case.pk}),
        {"file": SimpleUploadedFile("聊天截图.png", PNG, content_type="image/png"), "kind": "image"},
    )
    assert response.status_code == 302
    (evidence,) = Evidence.objects.filter(case=case)
    url = reverse("cases:evidence_download", kwargs={"pk": case.pk, "evidence_id": evidence.pk})

    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]

    stranger = make_user("agent", shops=[other_shop])
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    other_case = triaged_case(other_shop)
    assert (
        client.get(
            reverse("cases:evidence_download", kwargs={"pk": other_case.pk, "evidence_id": evidence.pk})
        ).status_code
        == 404
    )


def test_bad_evidence_upload_shows_the_reason_and_stores_nothing(client, shop, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    response = client.post(
        reverse("cases:evidence_upload", kwargs={"pk": case.pk}),
        {
            "file": SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary", content_type="image/png"),
            "kind": "image",
        },
    )
    assert response.status_code == 400
    assert response.context["refusal"]["message"]
    assert not Evidence.objects.filter(case=case).exists()
    assert list(tmp_path.rglob("*.*")) == []


# --- supervisor pages ------------------------------------------------------------------------------


def test_approvals_page_lists_pending_offers_for_my_role(client, shop, agent, supervisor, make_user):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.PENDING_APPROVAL)
    now = timezone.now()
    offer = CompensationOfferFactory(
        case=case,
        option_id=1,
        option_name="退款100元",
        option_kind="refund",
        rule_ref={},
        amount="100.00",
        cost="100.00",
        requires_approval=True,
        approval_role="supervisor",
        status="pending_approval",
        requested_by=agent,
        requested_at=now,
    )
    client.force_login(supervisor)
    response = client.get(reverse("cases:approvals"))
    assert [row["id"] for row in response.context["rows"]] == [offer.pk]
    assert f'action="/cases/{case.pk}/act/approve/"' in response.content.decode()
    legal = make_user("legal", shops=[shop])
    client.force_login(legal)
    assert client.get(reverse("cases:approvals")).context["rows"] == []


def test_team_load_counts_and_reassigns(client, shop, agent, supervisor, make_user, monkeypatch):
    monkeypatch.setattr(
        certification_checks, "_items", []
    )  # training's certification is not this test's subject
    second = make_user("agent", shops=[shop])
    make_case(shop, assignee=agent, status="assigned", **_due_in(-5))
    make_case(shop, assignee=agent, status="in_progress", **_due_in(60))
    waiting = make_case(shop, **_due_in(30))
    client.force_login(agent)
    assert client.get(reverse("cases:team_load")).status_code == 404
    client.force_login(supervisor)

    response = client.get(reverse("cases:team_load"))

    load = {row["id"]: (row["open"], row["breached"]) for row in response.context["rows"]}
    assert load[agent.pk] == (2, 1) and load[second.pk] == (0, 0)
    assert [row["id"] for row in response.context["unassigned"]] == [waiting.pk]
    done = client.post(
        reverse("cases:case_reassign", kwargs={"pk": waiting.pk}),
        {"user": second.pk, "version": waiting.version, "next": reverse("cases:team_load")},
    )
    assert done.status_code == 302 and done["Location"] == reverse("cases:team_load")
    waiting.refresh_from_db()
    assert (waiting.assignee, waiting.status) == (second, CaseStatus.ASSIGNED)


def test_stale_reassign_is_refused_with_a_message(client, shop, agent, supervisor, make_user):
    second = make_user("agent", shops=[shop])
    case = make_case(shop, assignee=agent, status="assigned")
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": second.pk, "version": case.version - 1 or 99},
        follow=True,
    )
    assert "案件刚被其他人更新" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == agent


def test_the_owner_completes_a_due_follow_up_from_the_case_page(client, shop, agent, make_user):
    case = make_case(shop, assignee=agent, status="resolved")
    task = FollowUpTask.objects.create(
        case=case, step_ref=1, name="满意度回访", channel="sms", due_at=timezone.now()
    )
    stranger = make_user("agent", shops=[shop])
    url = reverse("cases:follow_up_done", kwargs={"pk": case.pk, "task_id": task.pk})
    client.force_login(stranger)
    refused = client.post(url, {"note": "不是我的"})
    assert refused.status_code == 400 and "只有案件处理人" in refused.context["refusal"]["message"]
    task.refresh_from_db()
    assert task.done_at is None

    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert f'action="{url}"' in page
    assert client.post(url, {"note": "买家满意，5分"}).status_code == 302

    task.refresh_from_db()
    assert (task.done_by, task.note) == (agent, "买家满意，5分")
    assert CaseEvent.objects.filter(case=case, action=WorkflowAction.FOLLOW_UP_DONE).count() == 1
    assert client.get(reverse("cases:queue")).context["follow_ups"] == []


def test_case_page_reassign_form_is_for_overseers(client, shop, agent, supervisor, make_user, monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])
    second = make_user("agent", shops=[shop])
    case = make_case(shop, assignee=agent, status="in_progress")
    url = reverse("cases:case_reassign_form", kwargs={"pk": case.pk})
    client.force_login(agent)
    assert client.get(url).status_code == 404
    client.force_login(supervisor)
    form = client.get(url)
    choices = [pk for pk, _label in form.context["form"].fields["user"].choices]
    assert second.pk in choices and agent.pk not in choices
    done = client.post(
        reverse("cases:case_reassign", kwargs={"pk": case.pk}),
        {"user": second.pk, "version": case.version, "reason": "负载均衡"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.assignee, case.status) == (second, CaseStatus.IN_PROGRESS)


def test_a_changed_time_on_the_timeline_reads_as_local_time(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS)
    CaseEvent.objects.create(
        case=case,
        actor=agent,
        action=WorkflowAction.RECORD_CONTACT,
        from_status="in_progress",
        to_status="waiting_buyer",
        version=case.version + 1,
        # stored as the workflow writes it: one value with the local offset, one in UTC
        payload={
            "changes": {
                "last_contact_at": [None, "2026-12-03T09:00:00+08:00"],
                "sla_next_check_at": ["2026-12-03T03:12:00+00:00", "2026-12-04T03:12:00+00:00"],
            }
        },
        at=timezone.now(),
    )
    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    timeline = page[page.index('id="timeline"') :].split("</section>", 1)[0]
    assert "2026-12-03 09:00" in timeline and "2026-12-03 11:12 → 2026-12-04 11:12" in timeline
    assert "T09:00:00" not in timeline and "+00:00" not in timeline
