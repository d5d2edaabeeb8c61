"""The dashboard's workbook and the weekly report's as jobs: the same workbook as the direct download,
built with the owner's shops when the job runs; bad filters start nothing; nobody else starts, sees,
cancels or downloads them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job

pytestmark = pytest.mark.django_db
RANGE = "start=2026-11-09&end=2026-11-22"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


def _download(client, job) -> bytes:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_the_dashboard_workbook_job_is_the_direct_download(client, world):
    client.force_login(world.manager)
    direct = client.get(f"/insights/export.xlsx?{RANGE}&table=all").content
    page = client.get(f"/insights/?{RANGE}").content.decode()
    action = f"{reverse('insights:dashboard_export_job')}?{RANGE.replace('&', '&amp;')}&amp;table=all"
    assert f'action="{action}"' in page

    response = client.post(f"{reverse('insights:dashboard_export_job')}?{RANGE}&table=all")
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.state, job.params) == (
        JobKind.INSIGHTS_EXPORT,
        JobState.QUEUED,
        {"query": f"{RANGE}&table=all"},
    )
    assert run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert job.file_name == "insights-all-2026-11-09-2026-11-22.xlsx"
    assert _sheets(_download(client, job)) == _sheets(direct)


def test_the_dashboard_job_reads_the_owners_shops_when_it_runs(client, world):
    client.force_login(world.manager)
    client.post(f"{reverse('insights:dashboard_export_job')}?{RANGE}&table=share")
    job = Job.objects.get()
    world.manager.memberships.filter(shop=world.shop_b).delete()  # rolled back with the test
    run_job(job.pk)
    only_a = client.get(f"/insights/export.xlsx?{RANGE}&table=share").content  # his rights now
    assert _sheets(_download(client, Job.objects.get())) == _sheets(only_a)
    client.force_login(world.supervisor_a)  # shop A only: the same figures
    assert _sheets(only_a) == _sheets(client.get(f"/insights/export.xlsx?{RANGE}&table=share").content)


def test_the_weekly_report_job_is_the_direct_download(client, world):
    client.force_login(world.manager)
    query = "week=2026-W47&shop=tb-main"
    direct = client.get(f"/insights/weekly/report.xlsx?{query}").content
    page = client.get(f"/insights/weekly/?{query}").content.decode()
    assert f'action="{reverse("insights:weekly_export_job")}?{query.replace("&", "&amp;")}"' in page
    response = client.post(f"{reverse('insights:weekly_export_job')}?{query}")
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.kind == JobKind.WEEKLY_EXPORT
    run_job(job.pk)
    job.refresh_from_db()
    assert job.file_name == "top3-2026-W47-tb-main.xlsx"
    assert _sheets(_download(client, job)) == _sheets(direct)


def test_bad_filters_start_nothing_and_a_lost_right_gives_no_file(client, world):
    client.force_login(world.manager)
    response = client.post(f"{reverse('insights:dashboard_export_job')}?start=2025-01-01&end=2026-11-22")
    assert response.status_code == 400 and "日期范围不能超过366天" in response.content.decode()
    response = client.post(f"{reverse('insights:weekly_export_job')}?week=W99")
    assert response.status_code == 400
    assert Job.objects.count() == 0

    client.post(f"{reverse('insights:dashboard_export_job')}?{RANGE}&table=nope")
    run_job(Job.objects.get().pk)
    assert (Job.objects.get().message, bool(Job.objects.get().file)) == ("没有这个表格。", False)


def test_other_people_cannot_start_see_cancel_or_download(client, world):
    client.force_login(world.manager)
    client.post(f"{reverse('insights:dashboard_export_job')}?{RANGE}&table=all")
    job = Job.objects.get()
    run_job(job.pk)
    for user in (world.agent1, world.supervisor_a):  # the supervisor is not an overseer of this job's shop
        client.force_login(user)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
        assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    client.force_login(world.agent1)
    assert client.post(f"{reverse('insights:dashboard_export_job')}?{RANGE}").status_code == 403
    assert client.post(f"{reverse('insights:weekly_export_job')}?week=2026-W47").status_code == 403
    assert Job.objects.count() == 1
