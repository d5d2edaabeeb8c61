"""Jobs: the lifecycle, progress, cancellation (nothing written), the sweep, expiry, who sees a job, and the
upload → job page → confirm → result flow of a file too large to be previewed within the request."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import ImportBatch, Review
from jobs import progress as board
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import JobContext, run_job
from jobs.services import STALE_MESSAGE, job_cancel, job_start, jobs_sweep
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.VAR_DIR


@pytest.fixture
def uploader(make_user, shop):
    return make_user("supervisor", shops=[shop], display_name="陈主管")


def export(rows: int = 2) -> bytes:
    return xlsx_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, rows + 1)])


def staged_files(var_dir) -> list:
    folder = var_dir / "import-staging"
    return list(folder.iterdir()) if folder.is_dir() else []


def start(kind, owner, shop, data=None, **params):
    from cases.imports.uploads import staged_preview_put

    key = staged_preview_put(data=data or export())
    return job_start(
        kind=kind, owner=owner, shop=shop, params={"staged": key, "file_name": "评价.xlsx", **params}
    )


# --- lifecycle ----------------------------------------------------------------------------------------


def test_a_started_job_waits_in_the_queue_then_runs_once_and_keeps_its_result(uploader, shop, var_dir):
    job = start(JobKind.IMPORT_PREVIEW, uploader, shop)
    assert job.state == JobState.QUEUED and job.started_at is None
    assert job.expires_at - job.created_at == dt.timedelta(days=7)

    assert run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 1
    assert job.counts == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "cases_opened": 2,
        "error_count": 0,
    }
    assert job.message == "校验通过，共2行，尚未写入。"
    assert job.result["ok"] is True and job.result["dry_run"] is True and job.errors == []
    assert Review.objects.count() == 0  # a preview writes nothing
    assert len(staged_files(var_dir)) == 1  # kept for its confirmation
    assert run_job(job.pk) == "skipped"  # a task delivered twice runs once
    assert not list((var_dir / "jobs").iterdir())  # progress files go when the job ends


def test_the_confirmed_import_job_writes_the_rows_and_deletes_the_staged_file(uploader, shop, var_dir):
    job = start(JobKind.IMPORT, uploader, shop)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.counts["created"] == 2
    assert job.message == "导入完成：新增2条，更新0条，新开案件2个。"
    assert Review.objects.count() == 2 and staged_files(var_dir) == []


def test_a_file_with_bad_rows_is_done_with_its_errors_and_nothing_written(uploader, shop, var_dir):
    bad = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(2, **{"评价时间": "不是时间"})])
    before = snapshot()
    job = start(JobKind.IMPORT_PREVIEW, uploader, shop, data=bad)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["ok"] is False
    assert job.counts["error_count"] == 1 and job.errors[0]["row"] == 3
    assert job.message == "有1处错误，整个文件未导入。请修正后重新上传。"
    assert snapshot() == before and staged_files(var_dir) == []


def test_a_crashing_job_fails_with_a_plain_message_and_no_traceback(uploader, shop, var_dir, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("cases.jobs.reviews_import_file", boom)
    job = start(JobKind.IMPORT, uploader, shop)
    assert run_job(job.pk) == JobState.FAILED
    job.refresh_from_db()
    assert job.message == "处理失败，未写入任何数据，请重试。" and "secret" not in str(job.result)
    assert Review.objects.count() == 0 and staged_files(var_dir) == []


def test_the_owner_who_lost_the_shop_since_starting_gets_a_refusal_and_nothing_written(
    uploader, shop, other_shop, var_dir
):
    job = start(JobKind.IMPORT, uploader, other_shop)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.message == "无权导入该店铺，或店铺已停用。"
    assert Review.objects.count() == 0 and staged_files(var_dir) == []


# --- progress -----------------------------------------------------------------------------------------


def test_the_import_reports_its_stored_rows_and_the_page_reads_percent_and_eta(uploader, shop, monkeypatch):
    reports = []
    real = board.write

    def record(job_id, **kwargs):
        reports.append((kwargs["done"], kwargs["total"], kwargs["stage"]))
        real(job_id, **kwargs)

    monkeypatch.setattr(board, "write", record)
    job = start(JobKind.IMPORT, uploader, shop, data=export(3))
    run_job(job.pk)
    assert reports[0] == (0, 0, "") and (3, 3, "store") in reports
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (3, 3)

    from jobs.queries import job_status

    running = Job.objects.create(
        kind=JobKind.IMPORT, owner=uploader, shop=shop, state=JobState.RUNNING, expires_at=timezone.now()
    )
    board.write(running.pk, done=250, total=1000, stage="store", started=time.time() - 10)
    status = job_status(running)
    assert (status["done"], status["total"], status["percent"]) == (250, 1000, 25)
    assert 29 <= status["eta_seconds"] <= 31  # 10 s for 250 rows: 30 s for the 750 left


# --- cancel -------------------------------------------------------------------------------------------


def test_cancelling_a_running_import_rolls_it_back_entirely(uploader, shop, var_dir, monkeypatch):
    """The cancel arrives after rows of the import were already stored in its transaction: none stay."""
    real = JobContext.progress

    def cancel_after_the_first_chunk(self, done, total, stage=""):
        if done > 0:
            assert Review.objects.count() == 3  # stored, not yet committed
            job_cancel(job=Job.objects.get(pk=self.job_id), by=uploader)
        real(self, done, total, stage)

    monkeypatch.setattr(JobContext, "progress", cancel_after_the_first_chunk)
    before = snapshot()
    job = start(JobKind.IMPORT, uploader, shop, data=export(3))
    assert run_job(job.pk) == JobState.CANCELLED
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.cancel_requested
    assert job.message == "已取消，未写入任何数据。"
    assert snapshot() == before and ImportBatch.objects.count() == 0
    assert staged_files(var_dir) == []


def test_a_queued_job_is_cancelled_at_once_and_never_runs(uploader, shop, var_dir):
    job = start(JobKind.IMPORT, uploader, shop)
    assert job_cancel(job=job, by=uploader) is True
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and staged_files(var_dir) == []
    assert run_job(job.pk) == "skipped" and Review.objects.count() == 0
    assert job_cancel(job=job, by=uploader) is False  # finished: nothing to cancel


# --- the sweep ----------------------------------------------------------------------------------------


def test_the_sweep_fails_a_job_whose_worker_stopped_and_spares_one_still_reporting(uploader, shop, var_dir):
    old = timezone.now() - dt.timedelta(minutes=30)
    dead = start(JobKind.IMPORT, uploader, shop)
    alive = start(JobKind.IMPORT, uploader, shop)
    Job.objects.filter(pk__in=[dead.pk, alive.pk]).update(
        state=JobState.RUNNING, started_at=old, heartbeat_at=old
    )
    board.write(alive.pk, done=5000, total=200000)  # its row is old, its progress file fresh
    stale = board.folder() / f"{dead.pk}.json"
    board.write(dead.pk, done=5000, total=200000)
    os.utime(stale, (old.timestamp(), old.timestamp()))

    assert jobs_sweep() == {"failed": 1, "expired": 0}
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == JobState.FAILED and dead.message == STALE_MESSAGE
    assert alive.state == JobState.RUNNING
    assert not stale.exists() and len(staged_files(var_dir)) == 1  # the dead one's staged file went


def test_the_sweep_deletes_expired_results_with_their_files_and_keeps_the_others(uploader, shop, var_dir):
    from django.core.files.base import ContentFile

    jobs = []
    for days in (-1, 3):
        job = Job.objects.create(
            kind=JobKind.PAYOUT_EXPORT,
            owner=uploader,
            state=JobState.DONE,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        job.file.save("payouts.csv", ContentFile(b"a,b\n"))
        jobs.append(job)
    expired, kept = jobs
    expired_path, kept_path = expired.file.path, kept.file.path

    assert jobs_sweep() == {"failed": 0, "expired": 1}
    assert not Job.objects.filter(pk=expired.pk).exists() and not os.path.exists(expired_path)
    assert Job.objects.filter(pk=kept.pk).exists() and os.path.exists(kept_path)


def test_the_sweep_is_scheduled(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="ReviewDesk jobs sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == ("jobs.services.jobs_sweep", "I", 5)


# --- who sees a job -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", True),
        ("supervisor_same_shop", True),
        ("manager_same_shop", True),
        ("agent_same_shop", False),
        ("supervisor_other_shop", False),
        ("hr_same_shop", False),
    ],
)
def test_a_job_is_seen_by_its_owner_and_its_shops_overseers_only(
    client, make_user, uploader, shop, other_shop, who, sees
):
    job = start(JobKind.IMPORT_PREVIEW, uploader, shop)
    run_job(job.pk)
    reader = {
        "owner": uploader,
        "supervisor_same_shop": make_user("supervisor", shops=[shop]),
        "manager_same_shop": make_user("manager", shops=[shop]),
        "agent_same_shop": make_user("agent", shops=[shop]),
        "supervisor_other_shop": make_user("supervisor", shops=[other_shop]),
        "hr_same_shop": make_user("hr", shops=[shop]),
    }[who]
    client.force_login(reader)
    for name in ("detail", "progress"):
        assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == (200 if sees else 404)
    listed = client.get(reverse("jobs:list"))
    assert (f'data-job="{job.pk}"' in listed.content.decode()) is sees
    cancel = client.post(reverse("jobs:cancel", args=[job.pk]))
    assert cancel.status_code == (302 if who == "owner" else 404)


def test_only_the_owner_may_cancel_and_another_shops_user_changes_nothing(
    client, make_user, uploader, shop, var_dir
):
    job = start(JobKind.IMPORT, uploader, shop)
    client.force_login(make_user("supervisor", shops=[shop]))
    assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and len(staged_files(var_dir)) == 1
    client.force_login(uploader)
    assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and staged_files(var_dir) == []


# --- the web flow of a large file ---------------------------------------------------------------------


def test_upload_answers_with_the_job_page_which_polls_then_shows_the_preview_and_confirm_imports(
    client, uploader, shop, settings, var_dir
):
    settings.JOB_INLINE_MAX_BYTES = 0  # every file is "large": queued, not run in the request
    client.force_login(uploader)
    upload = io.BytesIO(export())
    upload.name = "评价.xlsx"

    response = client.post(reverse("cases:import-upload"), {"shop": shop.pk, "file": upload})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.kind == JobKind.IMPORT_PREVIEW and job.state == JobState.QUEUED
    page = client.get(response.url).content.decode()
    assert f'hx-get="{reverse("jobs:progress", args=[job.pk])}"' in page and 'hx-trigger="every 1s"' in page
    assert "<script" not in page.split('id="job-progress"')[1].split("</div>")[0]  # CSP: no inline script

    run_job(job.pk)  # the worker
    fragment = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"  # finished: the page reloads to show the result
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.templates[0].name == "cases/imports/preview.html" and page.context["result"].ok
    assert Review.objects.count() == 0
    token = page.context["token"]

    response = client.post(reverse("cases:import-confirm"), {"token": token})
    confirmed = Job.objects.get(kind=JobKind.IMPORT)
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[confirmed.pk])
    run_job(confirmed.pk)
    result = client.get(response.url)
    assert result.templates[0].name == "cases/imports/result.html"
    assert result.context["result"].created == 2 and len(result.context["opened_cases"]) == 2
    assert Review.objects.count() == 2 and staged_files(var_dir) == []
    again = client.post(reverse("cases:import-confirm"), {"token": token})  # a second click, the back button
    assert again.status_code == 302 and again.url == reverse(
        "jobs:detail", args=[confirmed.pk]
    )  # the same import
    assert Review.objects.count() == 2 and Job.objects.filter(kind=JobKind.IMPORT).count() == 1


def test_a_small_file_is_still_previewed_within_the_request_as_a_listed_job(client, uploader, shop):
    client.force_login(uploader)
    upload = io.BytesIO(export())
    upload.name = "评价.xlsx"
    response = client.post(reverse("cases:import-upload"), {"shop": shop.pk, "file": upload})
    assert response.status_code == 200 and response.context["result"].ok
    job = Job.objects.get()
    assert job.state == JobState.DONE and job.kind == JobKind.IMPORT_PREVIEW
    listed = client.get(reverse("jobs:list")).content.decode()
    assert f'data-job="{job.pk}"' in listed
    assert f"<td>{uploader.display_name}</td>" in listed  # who started it, by the name people know


def test_my_jobs_is_linked_for_who_may_start_one(client, make_user, uploader, shop):
    link = f'href="{reverse("jobs:list")}"'
    client.force_login(uploader)
    assert link in client.get(reverse("cases:import-upload")).content.decode()
    client.force_login(make_user("agent", shops=[shop]))
    assert link not in client.get(reverse("cases:queue")).content.decode()
