"""Exporting everything of a client (cases.offboarding.export): one zip with a workbook and a JSON file of
its cases, reviews, timeline, replies and offers, and the policy pack in force for its shops per layer;
nothing of another client (even with the same order numbers), buyers' contact data only masked. Run by
the ``client_export`` job (started from the client admin's action) or ``offboard_client``; only a
superuser or a holder of ``reviewdesk.offboard_client`` reaching every shop of the client may run it —
not the client's own manager, nor its viewer."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client as WebClient
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Reply
from cases.offboarding.access import may_offboard, offboard_refusal
from cases.offboarding.export import client_export
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from jobs.services import job_start
from reviewdesk.models import Client, ClientMembership, User
from reviewdesk.roles import sync_role_permissions
from tests.cases.workflow_factories import T0, put_in_state, triaged_case
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def brands(policy_pack):
    sync_role_permissions()
    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    shop_jia = ShopFactory(code="jia-tb", name="甲淘宝店", client=jia)
    shop_yi = ShopFactory(code="yi-tb", name="乙淘宝店", client=yi)
    agent = UserFactory(role="agent", shops=[shop_jia, shop_yi], display_name="王小丽")
    ours = put_in_state(triaged_case(shop_jia, content=f"电话{PHONE}"), "offered", agent=agent)
    Reply.objects.create(case=ours, channel="private", text="您好", by=agent, at=T0)
    theirs = put_in_state(triaged_case(shop_yi), "in_progress", agent=agent)
    theirs.review.order_no = ours.review.order_no  # the same order number in the other client's shop
    theirs.review.content = "乙家独有的评价"
    theirs.review.save()
    return jia, yi, shop_jia, shop_yi, ours, theirs


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_export_holds_every_kind_of_row_of_the_client_and_nothing_of_another(brands):
    jia, _yi, shop_jia, _shop_yi, ours, theirs = brands

    archive, counts = client_export(jia)
    files = unzip(archive.read())

    assert set(files) == {
        "brand-jia.json",
        "brand-jia.xlsx",
        "policies/global.xlsx",
        "policies/client-brand-jia.xlsx",
        "policies/shop-jia-tb.xlsx",
    }
    assert (
        counts["cases"] == 1 and counts["reviews"] == 1 and counts["replies"] == 1 and counts["offers"] == 1
    )
    data = json.loads(files["brand-jia.json"])
    assert data["client"] == {"code": "brand-jia", "name": "品牌甲"}
    assert [c["id"] for c in data["cases"]] == [ours.pk]
    assert [r["shop_id"] for r in data["reviews"]] == [shop_jia.pk]
    assert data["reviews"][0]["content"] == "电话[电话已隐藏]" and "buyer_ip" not in data["reviews"][0]
    assert data["reviews"][0]["buyer_phone"] == "138****5678"
    assert {e["case_id"] for e in data["timeline"]} <= {ours.pk}
    book = load_workbook(io.BytesIO(files["brand-jia.xlsx"]), read_only=True)
    assert book.sheetnames[:5] == ["案件", "评价", "评价变更", "时间线", "联系记录"]
    review_rows = list(book["评价"].iter_rows(values_only=True))
    assert len(review_rows) == 2 and "电话[电话已隐藏]" in review_rows[1]
    cells = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for text in (files["brand-jia.json"].decode(), cells):  # what each file holds, not its zipped bytes
        assert "乙家独有的评价" not in text and PHONE not in text and "乙淘宝店" not in text
    assert ours.review.order_no in cells
    assert theirs.pk not in [c["id"] for c in data["cases"]]
    policies = load_workbook(io.BytesIO(files["policies/global.xlsx"]), read_only=True)
    assert len(policies.sheetnames) > 3  # the default pack's sheets


def test_the_command_writes_the_zip_and_refuses_bad_input(brands, tmp_path, capsys):
    call_command("offboard_client", client="brand-jia", out=str(tmp_path))
    target = tmp_path / "client-brand-jia.zip"
    assert "brand-jia.json" in unzip(target.read_bytes())
    assert "→" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("offboard_client", client="nobody", out=str(tmp_path))
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("offboard_client", client="brand-jia", out=str(tmp_path / "missing"))
    assert [p.name for p in tmp_path.iterdir()] == ["client-brand-jia.zip"]


def test_who_may_offboard_a_client(brands):
    jia, yi, shop_jia, shop_yi, _ours, _theirs = brands
    root = User.objects.create_superuser("root", "root@example.com", "x")
    manager = UserFactory(role="manager")
    ClientMembership.objects.create(client=jia, user=manager)
    viewer = UserFactory(role="client_viewer")
    ClientMembership.objects.create(client=jia, user=viewer)
    admin_person = UserFactory(role="manager", shops=[shop_jia])
    admin_person.user_permissions.add(Permission.objects.get(codename="offboard_client"))
    admin_person = User.objects.get(pk=admin_person.pk)

    assert may_offboard(root) and offboard_refusal(root, jia) == ""
    assert not may_offboard(manager) and offboard_refusal(manager, jia)  # the client's own manager
    assert not may_offboard(viewer)
    assert may_offboard(admin_person) and offboard_refusal(admin_person, jia) == ""
    assert offboard_refusal(admin_person, yi) == "你不能访问该品牌方的全部店铺。"


def test_the_job_exports_for_a_superuser_and_refuses_the_clients_manager(brands):
    jia, *_rest = brands
    root = User.objects.create_superuser("root", "root@example.com", "x")
    manager = UserFactory(role="manager")
    ClientMembership.objects.create(client=jia, user=manager)

    done = job_start(kind=JobKind.CLIENT_EXPORT, owner=root, params={"client": "brand-jia"}, inline=True)
    assert done.state == JobState.DONE and done.file_name == "client-brand-jia.zip"
    assert done.counts["cases"] == 1
    assert "brand-jia.json" in unzip(done.file.read())

    refused = Job.objects.create(
        kind=JobKind.CLIENT_EXPORT,
        owner=manager,
        params={"client": "brand-jia"},
        created_at=done.created_at,
        expires_at=done.expires_at,
    )
    run_job(refused.pk)
    refused.refresh_from_db()
    assert refused.message == "只有系统管理员可以导出或清除品牌方的全部数据。" and not refused.file


def test_the_client_admin_action_starts_the_job_for_a_superuser_only(
    brands, monkeypatch, django_capture_on_commit_callbacks
):
    jia, *_rest = brands
    started = []
    monkeypatch.setattr("jobs.services._enqueue", lambda job_id: started.append(job_id))
    root = User.objects.create_superuser("root", "root@example.com", "x")
    web = WebClient()
    web.force_login(root)
    url = reverse("admin:reviewdesk_client_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(url, {"action": "export_client", "_selected_action": [jia.pk]})
    job = Job.objects.get(kind=JobKind.CLIENT_EXPORT)
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", kwargs={"pk": job.pk}
    )
    assert job.params == {"client": "brand-jia"} and started == [job.pk]

    manager = UserFactory(role="manager", is_staff=True)
    ClientMembership.objects.create(client=jia, user=manager)
    web.force_login(manager)
    page = web.get(url)
    assert page.status_code == 200 and "export_client" not in page.content.decode()
    web.post(url, {"action": "export_client", "_selected_action": [jia.pk]})
    assert Job.objects.filter(kind=JobKind.CLIENT_EXPORT).count() == 1
