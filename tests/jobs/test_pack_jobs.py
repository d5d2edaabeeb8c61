"""The policy pack's export and import as jobs: the same workbook as the page's, the import previewed then
confirmed all or nothing, the owner's rights read when the job runs, and nobody else starting, seeing,
cancelling or downloading them."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from jobs import progress as board
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from policies import models as m
from policies.jobs import STAGED
from tests.factories import ShopFactory
from tests.policies.pack_support import (
    build_pack,
    delete_every_rule,
    every_rule_snapshot,
    workbook_bytes,
    workbook_cells,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop_a(db):
    return ShopFactory(code="tb-a", platform="taobao", name="A店")


@pytest.fixture
def shop_b(db):
    return ShopFactory(code="tb-b", platform="taobao", name="B店")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_a(make_user, shop_a):
    return make_user("manager", is_staff=True, shops=[shop_a])


@pytest.fixture
def owner(make_user, shop_a, shop_b):
    """The policy owner, manager of both shops (may change global rules: a pack round trip writes them)."""
    user = make_user("manager", is_staff=True, shops=[shop_a, shop_b])
    user.groups.add(Group.objects.get(name="policy_owner"))
    return user


def upload(data: bytes, name="pack.xlsx"):
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def _download(client, job) -> bytes:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _cells(data: bytes) -> dict:
    """Sheet cells; the export's time stamp is not a cell, so two exports of one pack are equal."""
    return workbook_cells(data)


def test_the_background_export_is_the_pages_workbook(manager_a, shop_a):
    build_pack(shop_a)
    client = _client(manager_a)
    direct = client.get(reverse("policies:pack_export")).content
    response = client.post(reverse("policies:pack_export_job"))
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.state, job.owner_id) == (JobKind.PACK_EXPORT, JobState.QUEUED, manager_a.pk)

    assert run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.file_name.startswith("policy-pack-") and job.file_name.endswith(".xlsx")
    assert _cells(_download(client, job)) == _cells(direct)
    assert f'href="{reverse("jobs:download", args=[job.pk])}"' in client.get(response.url).content.decode()


def test_the_export_reads_the_owners_shops_when_it_runs(owner, shop_a, shop_b):
    build_pack(shop_a)
    m.ComplianceRule.objects.create(name="B店专属", patterns="x", action="warn", shop=shop_b)
    client = _client(owner)
    client.post(reverse("policies:pack_export_job"))
    job = Job.objects.get()
    owner.memberships.filter(shop=shop_b).delete()  # B is taken from him before the job runs

    run_job(job.pk)
    flat = [
        v for sheet in _cells(_download(client, Job.objects.get())).values() for row in sheet for v in row
    ]
    assert "B店专属" not in flat and "tb-b" not in flat
    assert "tb-a" in flat


def test_a_manager_who_lost_the_right_before_it_ran_gets_no_file(manager_a, shop_a):
    build_pack(shop_a)
    _client(manager_a).post(reverse("policies:pack_export_job"))
    manager_a.is_staff = False
    manager_a.save(update_fields=["is_staff"])

    assert run_job(Job.objects.get().pk) == JobState.DONE
    job = Job.objects.get()
    assert (job.message, job.file_name, bool(job.file)) == ("你没有管理规则包的权限。", "", False)


def test_the_import_job_previews_then_the_confirmation_writes_everything(owner, shop_a):
    build_pack(shop_a)
    client = _client(owner)
    data = client.get(reverse("policies:pack_export")).content
    delete_every_rule()

    response = client.post(reverse("policies:pack_import"), {"pack_file": upload(data), "background": "1"})
    preview = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[preview.pk])
    assert (preview.kind, preview.params["dry_run"]) == (JobKind.PACK_IMPORT, True)
    run_job(preview.pk)
    assert m.IssueType.objects.count() == 0  # a dry run
    page = client.get(response.url).content.decode()
    confirm = reverse("policies:pack_import_confirm_job", args=[preview.pk])
    assert 'id="pack-summary"' in page and f'action="{confirm}"' in page

    done = client.post(confirm)
    job = Job.objects.exclude(pk=preview.pk).get()
    assert done.url == reverse("jobs:detail", args=[job.pk]) and job.params["dry_run"] is False
    assert run_job(job.pk) == JobState.DONE
    assert m.IssueType.objects.count() == 4 and m.CompensationOption.objects.count() == 4
    assert _cells(client.get(reverse("policies:pack_export")).content) == _cells(data)
    job.refresh_from_db()
    assert job.counts["error_count"] == 0 and job.result["written"] is True
    # The staged file went with the import: the preview cannot be confirmed a second time.
    assert STAGED.read(preview.params["staged"]) is None
    assert client.post(confirm).status_code == 404
    assert Job.objects.count() == 2


def test_a_large_file_is_checked_by_a_job_not_in_the_request(owner, shop_a, settings):
    build_pack(shop_a)
    client = _client(owner)
    data = client.get(reverse("policies:pack_export")).content
    settings.JOB_INLINE_MAX_BYTES = len(data) - 1
    response = client.post(reverse("policies:pack_import"), {"pack_file": upload(data)})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.state == JobState.QUEUED


def test_a_refused_pack_writes_nothing_lists_every_error_and_offers_no_confirmation(manager_a, shop_a):
    build_pack(shop_a)
    client = _client(manager_a)
    cells = _cells(client.get(reverse("policies:pack_export")).content)
    sheet = cells["补偿方案"]
    column = sheet[0].index("成本上限(元)")
    for row in sheet[1:]:
        row[column] = 99999999  # a global cap: only the policy owner may change it
    before = every_rule_snapshot()
    client.post(
        reverse("policies:pack_import"), {"pack_file": upload(workbook_bytes(cells)), "background": "1"}
    )
    preview = Job.objects.get()
    key = preview.params["staged"]
    run_job(preview.pk)

    preview.refresh_from_db()
    assert preview.counts["error_count"] >= 1 and preview.message.startswith("规则包有")
    assert every_rule_snapshot() == before
    page = client.get(reverse("jobs:detail", args=[preview.pk])).content.decode()
    assert 'id="pack-errors"' in page and "全局规则只有规则负责人可以修改" in page
    assert "pack-confirm" not in page
    assert STAGED.read(key) is None  # refused: nothing kept on disk
    assert client.post(reverse("policies:pack_import_confirm_job", args=[preview.pk])).status_code == 404
    assert Job.objects.count() == 1


def test_a_cancelled_import_writes_nothing(owner, shop_a):
    build_pack(shop_a)
    client = _client(owner)
    data = client.get(reverse("policies:pack_export")).content
    delete_every_rule()
    client.post(reverse("policies:pack_import"), {"pack_file": upload(data), "background": "1"})
    preview = Job.objects.get()
    run_job(preview.pk)
    client.post(reverse("policies:pack_import_confirm_job", args=[preview.pk]))
    job = Job.objects.exclude(pk=preview.pk).get()
    board.request_cancel(job.pk)  # asked while it runs: seen at its first progress report, mid-transaction

    assert run_job(job.pk) == JobState.CANCELLED
    assert every_rule_snapshot() == {name: [] for name in every_rule_snapshot()}
    assert STAGED.read(job.params["staged"]) is None


def test_another_shops_manager_and_other_roles_cannot_start_see_cancel_or_download(
    manager_a, shop_a, shop_b, make_user
):
    build_pack(shop_a)
    client = _client(manager_a)
    client.post(reverse("policies:pack_export_job"))
    job = Job.objects.get()
    run_job(job.pk)
    before = Job.objects.values_list("pk", "state", "file").get()

    manager_b = _client(make_user("manager", is_staff=True, shops=[shop_b]))
    for name in ("jobs:detail", "jobs:progress", "jobs:download"):
        assert manager_b.get(reverse(name, args=[job.pk])).status_code == 404
    assert manager_b.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    assert manager_b.post(reverse("policies:pack_import_confirm_job", args=[job.pk])).status_code == 404

    hr = _client(make_user("hr", is_staff=True, shops=[shop_a]))
    assert hr.post(reverse("policies:pack_export_job")).status_code == 403
    assert hr.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    supervisor = _client(make_user("supervisor", shops=[shop_a]))
    assert supervisor.post(reverse("policies:pack_export_job")).status_code == 302  # to the admin login
    assert Job.objects.values_list("pk", "state", "file").get() == before
