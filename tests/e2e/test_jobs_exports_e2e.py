"""A manager exports the policy pack in the background: the button answers with the job's page and its
progress; they leave, the bell tells them it is done, they come back through "my jobs" and download the
workbook, which holds the same sheets as the direct export. The worker is the job runner called between
the browser's steps (the test's thread shares the live server's database)."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from policies.pack import export_pack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("policy_pack")]


def test_a_manager_exports_the_policy_pack_in_the_background_and_downloads_it(
    page, live_server, login, make_user, shop, settings, tmp_path, monkeypatch, screenshot
):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("jobs.services._enqueue", lambda job_id: None)  # the worker is this test
    manager = make_user("manager", is_staff=True, shops=[shop])

    login(page, manager)
    page.goto(live_server.url + reverse("policies:pack_import"))
    page.wait_for_load_state("load")
    page.click("#pack-export-job")
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    job = Job.objects.get()
    assert (job.kind, job.owner_id) == (JobKind.PACK_EXPORT, manager.pk)
    expect(page.locator("#job-state")).to_have_text("排队中")
    expect(page.locator("#job-bar")).to_be_visible()
    screenshot(page, "pack-export-queued")

    page.goto(live_server.url + reverse("home"))  # leave
    assert run_job(job.pk) == JobState.DONE
    page.reload()
    expect(page.locator("[data-testid=unread-count]")).to_have_text("1")  # the bell
    page.click(f"nav a[href='{reverse('jobs:list')}']")  # come back
    page.click(f"a[href='{reverse('jobs:detail', args=[job.pk])}']")
    expect(page.locator("#job-state")).to_have_text("已完成")
    expect(page.locator("#job-download")).to_be_visible()
    with page.expect_download() as info:
        page.click("#job-download")
    download = info.value
    assert download.suggested_filename.startswith("policy-pack-")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    expected = load_workbook(io.BytesIO(export_pack(user=manager)))
    assert book.sheetnames == expected.sheetnames and "SLA时效等级" in book.sheetnames
    for name in book.sheetnames:
        assert list(book[name].values) == list(expected[name].values), name
    screenshot(page, "pack-export-done")
