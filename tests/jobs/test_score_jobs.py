"""Training scores' import and export as jobs: the same results as the pages', all or nothing, a large
file never checked in the request, the owner's rights read when the job runs, and nobody else starting,
seeing, cancelling or downloading them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jobs import progress as board
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from tests.training.conftest import give_score
from tests.training.test_import import csv_bytes, xlsx
from training.jobs import STAGED
from training.models import Score

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def trainer(make_user, shop):
    return make_user("supervisor", shops=[shop])


@pytest.fixture
def agents(make_user, shop):
    return [make_user("agent", shops=[shop], employee_code=f"A{n:03d}") for n in (1, 2)]


@pytest.fixture
def hr(make_user, shop, other_shop):
    return make_user("hr", shops=[shop, other_shop])


def upload(data: bytes, name: str):
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def scores():
    return sorted(
        Score.objects.values_list("agent__employee_code", "module__code", "period", "value", "source")
    )


def _download(client, job) -> bytes:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


GOOD = [["A001", "product_knowledge", "2026-11", 96.5, "月考"], ["A002", "negotiation", "2026-11", 88, ""]]


def test_the_background_import_writes_every_row(client, trainer, agents):
    client.force_login(trainer)
    response = client.post(
        reverse("training:score_import"), {"file": upload(xlsx(GOOD), "成绩.xlsx"), "background": "1"}
    )
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.state, job.params["dry_run"], job.params["file_name"]) == (
        JobKind.SCORE_IMPORT,
        JobState.QUEUED,
        False,
        "成绩.xlsx",
    )
    assert Score.objects.count() == 0  # nothing in the request

    assert run_job(job.pk) == JobState.DONE
    job.refresh_from_db()
    assert (job.message, job.counts) == ("已导入 2 行成绩。", {"rows": 2, "new": 2, "updated": 0})
    assert scores() == [
        ("A001", "product_knowledge", "2026-11", 96.5, "import"),
        ("A002", "negotiation", "2026-11", 88, "import"),
    ]
    assert STAGED.read(job.params["staged"]) is None


def test_a_large_file_is_a_job_and_its_dry_run_writes_nothing(client, trainer, agents, settings):
    settings.JOB_INLINE_MAX_BYTES = 10
    client.force_login(trainer)
    response = client.post(
        reverse("training:score_import"), {"file": upload(csv_bytes(GOOD), "a.csv"), "dry_run": "on"}
    )
    job = Job.objects.get()
    assert response.status_code == 302 and job.params["dry_run"] is True
    run_job(job.pk)
    job.refresh_from_db()
    assert job.message == "预览通过：新增 2 行，更新 0 行，尚未写入。" and Score.objects.count() == 0


def test_one_bad_row_writes_nothing_and_the_job_page_lists_it(client, trainer, agents):
    client.force_login(trainer)
    rows = [*GOOD, ["A999", "product_knowledge", "2026-11", 90, ""]]
    client.post(reverse("training:score_import"), {"file": upload(xlsx(rows), "a.xlsx"), "background": "1"})
    job = Job.objects.get()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.message == "文件有错误，没有写入任何成绩。" and job.counts["error_count"] == 1
    assert Score.objects.count() == 0
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'id="job-errors"' in page and "第4行" in page and "A999" in page


def test_an_unreadable_file_gets_its_message(client, trainer):
    client.force_login(trainer)
    client.post(
        reverse("training:score_import"), {"file": upload(b"not a table", "a.pdf"), "background": "1"}
    )
    run_job(Job.objects.get().pk)
    assert Job.objects.get().message == "只支持 .xlsx 和 .csv 文件。"


def test_a_cancelled_import_writes_nothing(client, trainer, agents):
    client.force_login(trainer)
    client.post(reverse("training:score_import"), {"file": upload(xlsx(GOOD), "a.xlsx"), "background": "1"})
    job = Job.objects.get()
    board.request_cancel(job.pk)
    assert run_job(job.pk) == JobState.CANCELLED
    assert Score.objects.count() == 0 and STAGED.read(job.params["staged"]) is None


def test_the_import_reads_the_owners_shops_when_it_runs(client, trainer, agents, shop):
    client.force_login(trainer)
    client.post(reverse("training:score_import"), {"file": upload(xlsx(GOOD), "a.xlsx"), "background": "1"})
    trainer.memberships.filter(shop=shop).delete()  # moved away before the job ran
    run_job(Job.objects.get().pk)
    assert Score.objects.count() == 0
    assert Job.objects.get().counts["error_count"] == 2


def test_the_background_export_is_the_pages_workbook_for_the_owners_shops(
    client, hr, agents, product_knowledge, make_user, other_shop
):
    give_score(agents[0], product_knowledge, "2026-11", 96)
    stranger = make_user("agent", shops=[other_shop], employee_code="B001")
    give_score(stranger, product_knowledge, "2026-11", 99)
    client.force_login(hr)
    direct = client.get(reverse("training:score_export"), {"period": "2026-11"}).content
    response = client.post(reverse("training:score_export_job"), {"period": "2026-11"})
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.kind == JobKind.SCORE_EXPORT
    run_job(job.pk)
    assert _rows(_download(client, job)) == _rows(direct)
    assert {r[0] for r in _rows(direct)[1:]} == {"A001", "B001"}

    # HR loses the other shop before a second export runs: its people are left out.
    client.post(reverse("training:score_export_job"), {"period": "2026-11"})
    again = Job.objects.latest("pk")
    hr.memberships.filter(shop=other_shop).delete()
    run_job(again.pk)
    assert {r[0] for r in _rows(_download(client, again))[1:]} == {"A001"}


def test_a_bad_period_starts_nothing_and_other_people_cannot_start_see_or_download(
    client, hr, trainer, agents, make_user, other_shop
):
    client.force_login(hr)
    response = client.post(reverse("training:score_export_job"), {"period": "11月"})
    assert response.status_code == 400
    assert "周期“11月”无效" in response.content.decode() and Job.objects.count() == 0

    client.post(reverse("training:score_export_job"), {"period": "2026-11"})
    job = Job.objects.get()
    run_job(job.pk)
    for user in (trainer, make_user("hr", shops=[other_shop]), agents[0]):
        client.force_login(user)
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
        assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    client.force_login(trainer)  # a supervisor may import scores, not export them
    assert client.post(reverse("training:score_export_job"), {"period": "2026-11"}).status_code == 403
    client.force_login(agents[0])
    response = client.post(
        reverse("training:score_import"), {"file": upload(xlsx(GOOD), "a.xlsx"), "background": "1"}
    )
    assert response.status_code == 403
    assert Job.objects.count() == 1
