"""Malicious reviews and appeals (the platform's checklist), evidence files (real type and size,
stored privately), revealing buyer contact data, follow-ups, and the events incentives hear."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve

from cases.errors import WorkflowError as E
from cases.models import Appeal, Case, CaseEvent, Evidence, FollowUpTask
from cases.signals import case_event
from cases.workflow import mask_address, mask_phone
from cases.workflow.followups import followup_complete
from cases.workflow.services import case_act, case_reveal_contact, evidence_add
from reviewdesk.i18n_text import render_text
from tests.cases.workflow_factories import NOW, appeal_evidence, member, put_in_state, snapshot, triaged_case
from tests.factories import ShopFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def act(case, by, action, version=3, now=NOW, **data):
    return case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=now)


def refused(code, case, by, action, version=3, now=NOW, **data):
    before = snapshot(case.pk)
    appeals = list(Appeal.objects.filter(case=case).values())
    with pytest.raises(ValidationError) as caught:
        act(case, by, action, version, now, **data)
    assert caught.value.code == code, caught.value.messages
    assert snapshot(case.pk) == before and list(Appeal.objects.filter(case=case).values()) == appeals
    return caught.value.messages[0]


@pytest.fixture
def heard():
    events = []

    def listener(*, event, case_id, payload, **signal_args):
        events.append((event, case_id, payload))

    case_event.connect(listener)
    yield events
    case_event.disconnect(listener)


# --- Appeals -------------------------------------------------------------------------------------


def test_malicious_then_appeal_then_won(shop, heard, django_capture_on_commit_callbacks):
    agent, legal = member("agent", shop), member("legal", shop)
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    act(case, agent, "mark_malicious", note="以差评要挟返现")
    assert Case.objects.get(pk=case.pk).is_malicious
    evidence = appeal_evidence(case, legal)
    act(
        case,
        legal,
        "file_appeal",
        4,
        reason_type="extortion",
        description="买家要挟返现",
        evidence_ids=evidence,
    )
    appeal = Appeal.objects.get(case=case)
    assert (appeal.reason_type, appeal.checklist["reason"]) == ("买家利用评价要挟/敲诈", "extortion")
    assert appeal.checklist["evidence_required"] == ["完整旺旺聊天截图"]
    assert appeal.deadline == case.appeal_until and sorted(
        appeal.evidence.values_list("pk", flat=True)
    ) == sorted(evidence)
    with django_capture_on_commit_callbacks(execute=True):
        act(case, legal, "appeal_outcome", 5, outcome="won", note="平台已删除评价")
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decided_by) == ("won", legal)
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at == NOW
    assert heard == [
        (
            "appeal_won",
            case.pk,
            {"agent_id": agent.pk, "shop_id": shop.pk, "platform": "taobao", "decided_at": NOW.isoformat()},
        )
    ]


def test_appeal_checklist_taobao(shop):
    """Per reason (tests/policies/test_appeals_per_reason.py has the rest): a competitor's attack needs
    the batch data, and the deadline holds for every reason."""
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    one = appeal_evidence(case, legal, items=("完整旺旺聊天截图",))
    assert refused(
        E.APPEAL_REASON, case, legal, "file_appeal", reason_type="同行竞争", evidence_ids=one
    ).startswith("申诉理由须为：买家利用评价要挟/敲诈、同行恶意评价、")
    message = refused(
        E.APPEAL_EVIDENCE_MISSING, case, legal, "file_appeal", reason_type="competitor", evidence_ids=one
    )
    assert message == (
        "以“同行恶意评价”申诉缺少所需证据：同一IP批量差评的后台数据、买家为同行的凭证(店铺信息或批量下单记录)。"
    )
    late = case.appeal_until + dt.timedelta(seconds=1)
    assert refused(
        E.APPEAL_DEADLINE_PASSED,
        case,
        legal,
        "file_appeal",
        now=late,
        reason_type="extortion",
        evidence_ids=one,
    ).startswith("申诉截止时间")
    act(case, legal, "file_appeal", reason_type="extortion", evidence_ids=one)


def test_appeal_checklist_douyin_limits(other_shop):
    legal = member("legal", other_shop)
    case = put_in_state(triaged_case(other_shop), "malicious", agent=legal)
    evidence = appeal_evidence(case, legal, items=("飞鸽聊天记录", "通话录音"))
    images = appeal_evidence(case, legal, items=["截图"] * 6)
    assert (
        refused(
            E.APPEAL_DESCRIPTION_TOO_LONG,
            case,
            legal,
            "file_appeal",
            reason_type="利用评价要挟",
            evidence_ids=evidence,
            description="说" * 101,
        )
        == "申诉说明最多100字(当前101字)。"
    )
    assert (
        refused(
            E.APPEAL_TOO_MANY_IMAGES,
            case,
            legal,
            "file_appeal",
            reason_type="利用评价要挟",
            evidence_ids=evidence + images,
        )
        == "图片最多6张(已选8张)。"
    )
    act(
        case,
        legal,
        "file_appeal",
        reason_type="利用评价要挟",
        evidence_ids=evidence + images[:4],
        description="说" * 100,
    )


def test_jd_allows_one_appeal_per_review():
    shop = ShopFactory(code="jd-main", platform="jd")
    legal, manager = member("legal", shop), member("manager", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    evidence = appeal_evidence(case, legal, items=("咚咚聊天截图",))
    act(case, legal, "file_appeal", reason_type="extortion", evidence_ids=evidence)
    act(case, legal, "appeal_outcome", 4, outcome="lost")
    act(case, manager, "reopen", 5, note="买家又来要挟")
    act(case, legal, "mark_malicious", 6, note="再次要挟")
    message = refused(
        E.APPEAL_ONCE, case, legal, "file_appeal", version=7, reason_type="extortion", evidence_ids=evidence
    )
    assert message == "本平台每条评价只能申诉一次，本案已申诉过。"


def test_no_appeal_where_the_platform_rule_forbids_it():
    from policies.models import PlatformRule

    PlatformRule.objects.filter(platform="pdd", shop__isnull=True).update(appeal_allowed=False)
    shop = ShopFactory(code="pdd-main", platform="pdd")
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    refused(E.APPEAL_NOT_ALLOWED, case, legal, "file_appeal", reason_type="extortion", evidence_ids=[])


# --- Evidence files ------------------------------------------------------------------------------


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["时间", "买家", "内容"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ("chat.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image", "image/png"),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image", "image/jpeg"),
    ("shot.webp", b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 32, "image", "image/webp"),
    ("call.mp3", b"ID3\x03\0" + b"\0" * 64, "audio", "audio/mpeg"),
    ("call.m4a", b"\0\0\0\x20ftypM4A " + b"\0" * 64, "audio", "audio/mp4"),
    ("call.amr", b"#!AMR\n" + b"\0" * 32, "audio", "audio/amr"),
    ("call.wav", b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 32, "audio", "audio/wav"),
    ("chat.txt", "买家：不给返现就差评\n".encode(), "chat_export", "text/plain"),
    ("chat.csv", "时间,内容\n10:00,不给返现就差评\n".encode("gb18030"), "chat_export", "text/csv"),
    ("chat.html", "<html><body>不给返现就差评</body></html>".encode(), "chat_export", "text/html"),
    (
        "chat.xlsx",
        xlsx_bytes(),
        "chat_export",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("record.pdf", b"%PDF-1.7\n" + b"\0" * 32, "document", "application/pdf"),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(("name", "content", "kind", "content_type"), GOOD, ids=[g[0] for g in GOOD])
def test_accepted_evidence_is_stored_privately(shop, media, name, content, kind, content_type):
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    evidence = evidence_add(
        case_id=case.pk,
        by=legal,
        file=SimpleUploadedFile(name, content),
        kind=kind,
        checklist_item="完整旺旺聊天截图",
        now=NOW,
    )
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        name,
        content_type,
        len(content),
    )
    stored = media / evidence.file.name
    assert stored.read_bytes() == content and evidence.file.name.startswith(f"evidence/{case.pk}/")
    assert name.split(".")[0] not in evidence.file.name  # random names on disk
    event = CaseEvent.objects.get(case=case)
    assert event.action == "evidence_added" and event.payload["evidence_id"] == evidence.pk
    with pytest.raises(Resolver404):
        resolve("/media-not-public/" + evidence.file.name)


BAD = [
    ("virus.jpg", b"MZ\x90\0" + b"\0" * 64, "image", E.EVIDENCE_TYPE),
    ("tool.exe", b"MZ\x90\0" + b"\0" * 64, "document", E.EVIDENCE_TYPE),
    ("fake.xlsx", b"PK\x03\x04" + b"\0" * 64, "chat_export", E.EVIDENCE_TYPE),
    ("binary.txt", b"abc\0\0\0def", "chat_export", E.EVIDENCE_TYPE),
    ("png.mp3", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "audio", E.EVIDENCE_TYPE),
    ("call.mp3", b"ID3\x03\0" + b"\0" * 64, "image", E.EVIDENCE_TYPE),  # right file, wrong kind
    ("empty.png", b"", "image", E.EVIDENCE_EMPTY),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "image", E.EVIDENCE_SIZE),
]


@pytest.mark.parametrize(("name", "content", "kind", "code"), BAD, ids=[b[0] for b in BAD])
def test_refused_evidence_leaves_nothing(shop, media, settings, name, content, kind, code):
    settings.EVIDENCE_MAX_BYTES = 100
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    with pytest.raises(ValidationError) as caught:
        evidence_add(case_id=case.pk, by=legal, file=SimpleUploadedFile(name, content), kind=kind, now=NOW)
    assert caught.value.code == code
    assert not Evidence.objects.exists() and not CaseEvent.objects.exists()
    assert not list(media.rglob("*.*"))


def test_evidence_size_message(shop, media, settings):
    settings.EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        evidence_add(case_id=case.pk, by=legal, file=big, kind="image")
    assert caught.value.messages == ["文件“big.png”超过20.0MB上限。"]


def test_zip_named_xlsx_without_a_workbook_is_refused(shop, media):
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.sh", "echo hi")
    with pytest.raises(ValidationError) as caught:
        evidence_add(
            case_id=case.pk,
            by=legal,
            file=SimpleUploadedFile("chat.xlsx", out.getvalue()),
            kind="chat_export",
        )
    assert caught.value.code == E.EVIDENCE_TYPE


# --- Buyer contact data --------------------------------------------------------------------------


def test_masking_helpers():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("0571-8888") == "******88"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_address("浙江省杭州市西湖区文三路100号3栋") == "浙江省杭州市********"
    assert "100号" not in mask_address("浙江省杭州市西湖区文三路100号3栋")


def test_reveal_needs_the_permission_and_is_recorded(shop):
    agent, supervisor = member("agent", shop), member("supervisor", shop)
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    with pytest.raises(ValidationError) as caught:
        case_reveal_contact(case_id=case.pk, by=agent)
    assert caught.value.code == E.ROLE_NOT_ALLOWED and not CaseEvent.objects.filter(case=case).exists()
    revealed = case_reveal_contact(case_id=case.pk, by=supervisor)
    assert revealed == {"phone": "13812345678", "address": "浙江省杭州市西湖区文三路100号3栋"}
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor) == ("reveal_contact", supervisor)
    assert "13812345678" not in str(event.payload)
    legal, manager = member("legal", shop), member("manager", shop)
    assert case_reveal_contact(case_id=case.pk, by=legal)["phone"] == "13812345678"
    assert case_reveal_contact(case_id=case.pk, by=manager)["phone"] == "13812345678"


# --- Follow-ups and what incentives hear ---------------------------------------------------------


def test_resolving_schedules_follow_ups_and_skips_revision_asks_on_taobao(
    shop, heard, django_capture_on_commit_callbacks
):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    assert case.may_request_revision is False
    with django_capture_on_commit_callbacks(execute=True):
        act(case, agent, "resolve")
    tasks = list(FollowUpTask.objects.filter(case=case).order_by("due_at"))
    assert [(t.name, t.due_at - NOW, bool(t.skipped_reason)) for t in tasks] == [
        ("满意度调查(1–5分)", dt.timedelta(hours=1), False),
        ("24小时回访：评价更新指引", dt.timedelta(days=1), True),
        ("3天关怀短信 + 专属优惠券", dt.timedelta(days=3), False),
        ("30天白银会员升级 + 复购券(3个月有效)", dt.timedelta(days=30), False),
    ]
    assert render_text(tasks[1].skipped_reason) == "该步骤请买家修改/追加评价，本平台不允许，自动跳过"
    assert heard == [
        (
            "resolved",
            case.pk,
            {
                "agent_id": agent.pk,
                "within_sla": True,
                "shop_id": shop.pk,
                "platform": "taobao",
                "customer_tier": case.customer_tier,
                "resolved_at": NOW.isoformat(),
            },
        )
    ]


def test_follow_up_asking_for_revision_runs_on_douyin(other_shop):
    agent = member("agent", other_shop)
    case = put_in_state(triaged_case(other_shop), "agreed", agent=agent)
    assert case.may_request_revision is True
    act(case, agent, "resolve")
    assert not FollowUpTask.objects.filter(case=case).exclude(skipped_reason="").exists()
    assert FollowUpTask.objects.filter(case=case).count() == 4


def test_late_resolution_is_not_within_sla(shop, heard, django_capture_on_commit_callbacks):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    late = case.resolution_due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        act(case, agent, "resolve", now=late)
    assert heard[0][0] == "resolved" and heard[0][2]["within_sla"] is False


def test_completing_follow_ups(shop):
    agent, other = member("agent", shop), member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    act(case, agent, "resolve")
    task = FollowUpTask.objects.filter(case=case, skipped_reason="").order_by("due_at").first()
    with pytest.raises(ValidationError) as caught:
        followup_complete(task_id=task.pk, by=other, note="x")
    assert caught.value.code == E.NOT_ASSIGNEE
    done = followup_complete(task_id=task.pk, by=agent, note="买家打了5分", now=NOW)
    assert (done.done_at, done.done_by, done.note) == (NOW, agent, "买家打了5分")
    assert CaseEvent.objects.filter(case=case, action="follow_up_done").count() == 1
    with pytest.raises(ValidationError) as caught:
        followup_complete(task_id=task.pk, by=agent)
    assert caught.value.code == E.TASK_DONE
    skipped = FollowUpTask.objects.filter(case=case).exclude(skipped_reason="").get()
    with pytest.raises(ValidationError):
        followup_complete(task_id=skipped.pk, by=agent)


def test_reopen_cancels_open_follow_ups(shop):
    agent, supervisor = member("agent", shop), member("supervisor", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    act(case, agent, "resolve")
    assert Case.objects.get(pk=case.pk).sla_next_check_at is None  # resolved: nothing for the sweep
    act(case, supervisor, "reopen", 4, note="买家再次投诉")
    assert {
        render_text(r)
        for r in FollowUpTask.objects.filter(case=case).values_list("skipped_reason", flat=True)
    } == {
        "案件已重新打开",
        "该步骤请买家修改/追加评价，本平台不允许，自动跳过",
    }
    case.refresh_from_db()
    assert case.resolved_at is None and case.status == "in_progress"
    assert case.sla_next_check_at == NOW  # the sweep re-checks the reopened case's clocks at once


def test_skipping_a_follow_up_needs_a_reason_and_is_recorded(shop):
    from cases.workflow.followups import followup_skip

    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    act(case, agent, "resolve")
    task = FollowUpTask.objects.filter(case=case, skipped_reason="").order_by("due_at").first()
    with pytest.raises(ValidationError) as caught:
        followup_skip(task_id=task.pk, by=agent, reason=" ")
    assert caught.value.code == E.NOTE_REQUIRED
    skipped = followup_skip(task_id=task.pk, by=agent, reason="买家要求不要再联系", now=NOW)
    assert (skipped.skipped_reason, skipped.done_at, skipped.is_open) == ("买家要求不要再联系", None, False)
    event = CaseEvent.objects.get(case=case, action="follow_up_skipped")
    assert event.payload == {"task_id": task.pk, "step": task.name, "reason": "买家要求不要再联系"}
    with pytest.raises(ValidationError) as caught:
        followup_complete(task_id=task.pk, by=agent)
    assert caught.value.code == E.TASK_DONE
