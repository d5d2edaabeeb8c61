"""A supervisor uploads an export too large to preview within the request: the answer is the job's page
with its progress polled by htmx; they leave, come back through "my jobs", see the preview, confirm, and
watch the import job turn into its result without reloading the page themselves. The worker is the job
runner called between the browser's steps (the test's thread shares the live server's database)."""

import pytest
from django.urls import reverse

from cases.models import Review
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("policy_pack")]


def test_an_upload_runs_as_a_job_the_user_can_leave_and_come_back_to(
    page, live_server, login, make_user, shop, settings, tmp_path, monkeypatch, screenshot
):
    settings.JOB_INLINE_MAX_BYTES = 0
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("jobs.services._enqueue", lambda job_id: None)  # the worker is this test
    supervisor = make_user("supervisor", shops=[shop])
    export = tmp_path / "评价.xlsx"
    export.write_bytes(xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(2)]))

    login(page, supervisor)
    page.goto(live_server.url + reverse("cases:import-upload"))
    page.locator("input[type=file]").set_input_files(str(export))
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    preview = Job.objects.get()
    assert page.locator("#job-state").inner_text() == "排队中"
    assert page.locator("#job-bar").is_visible()
    screenshot(page, "job-queued")

    page.goto(live_server.url + reverse("home"))  # leave
    run_job(preview.pk)
    page.click(f"nav a[href='{reverse('jobs:list')}']")  # come back
    page.click(f"a[href='{reverse('jobs:detail', args=[preview.pk])}']")
    assert page.locator("h1").inner_text().startswith("导入预演")
    assert page.locator("#preview-rows tbody tr").count() == 2 and Review.objects.count() == 0

    page.click("button[type=submit].primary")  # confirm
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    imported = Job.objects.get(kind=JobKind.IMPORT)
    assert page.locator("#job-progress[data-state=queued]").is_visible()
    run_job(imported.pk)
    page.wait_for_selector("h1:has-text('导入完成')", timeout=15_000)  # the poll reloads the page
    assert page.locator("#opened-cases tbody tr").count() == 2
    assert Review.objects.count() == 2 and Job.objects.get(pk=imported.pk).state == JobState.DONE
    screenshot(page, "job-import-done")
