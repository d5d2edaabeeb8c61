"""The jobs API: POST /api/v1/imports/ answers 202 with a queued job, GET /api/v1/jobs/{id}/ reports it;
hostile input is a clear 400 and writes nothing; another shop's token sees no job. And the bell."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from cases.models import ApiToken, Notification, Review
from cases.models.intake import hash_token_key
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.VAR_DIR


def api_client(user, shops, scopes=("intake",)) -> APIClient:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        name="同步任务", user=user, prefix=key[:8], key_hash=hash_token_key(key), scopes=list(scopes)
    )
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def upload(data: bytes | None = None, name="评价.xlsx"):
    handle = io.BytesIO(
        data if data is not None else xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(2)])
    )
    handle.name = name
    return handle


@pytest.fixture
def supervisor(make_user, shop):
    return make_user("supervisor", shops=[shop])


def staged(var_dir) -> list:
    folder = var_dir / "import-staging"
    return list(folder.iterdir()) if folder.is_dir() else []


def test_an_import_is_accepted_with_202_then_read_until_done(supervisor, shop, var_dir):
    client = api_client(supervisor, [shop])
    response = client.post("/api/v1/imports/", {"file": upload(), "shop": shop.code, "dry_run": "false"})
    assert response.status_code == 202
    job = Job.objects.get()
    body = response.json()
    assert body["id"] == job.pk and body["state"] == "queued" and job.kind == JobKind.IMPORT
    assert body["url"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert Review.objects.count() == 0  # nothing before the worker runs

    run_job(job.pk)
    read = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert read["state"] == JobState.DONE and read["percent"] == 100
    assert read["counts"]["created"] == 2 and read["errors"] == [] and read["download"] == ""
    assert Review.objects.count() == 2 and staged(var_dir) == []


def test_a_dry_run_is_a_preview_job_and_its_row_errors_are_reported(supervisor, shop):
    client = api_client(supervisor, [shop])
    bad = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1, **{"评价时间": "不是时间"})])
    response = client.post("/api/v1/imports/", {"file": upload(bad), "shop": str(shop.pk)})
    assert response.status_code == 202
    job = Job.objects.get()
    assert job.kind == JobKind.IMPORT_PREVIEW
    run_job(job.pk)
    read = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert read["counts"]["error_count"] == 1 and read["errors"][0]["row"] == 2
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (lambda shop: {"shop": shop.code}, "invalid"),  # no file
        (lambda shop: {"file": upload(), "shop": "dy-main"}, "shop"),  # a shop outside the token
        (lambda shop: {"file": upload(), "shop": "no-such-shop"}, "shop"),
        (lambda shop: {"file": upload(), "shop": "99999"}, "shop"),
        (lambda shop: {"file": upload(), "shop": "¹"}, "shop"),  # a digit to str.isdigit, not to int()
        (lambda shop: {"file": upload(), "shop": "9" * 40}, "shop"),
        (lambda shop: {"file": upload(), "shop": shop.code, "dry_run": "perhaps"}, "invalid"),
    ],
)
def test_hostile_input_is_a_clear_400_and_nothing_is_started(
    supervisor, shop, other_shop, var_dir, data, code
):
    client = api_client(supervisor, [shop])
    response = client.post("/api/v1/imports/", data(shop))
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["message"]
    assert Job.objects.count() == 0 and staged(var_dir) == []


def test_a_file_over_the_limit_is_a_400_with_the_limit(supervisor, shop, settings, var_dir):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    client = api_client(supervisor, [shop])
    response = client.post("/api/v1/imports/", {"file": upload(b"x" * (1024 * 1024 + 1)), "shop": shop.code})
    assert response.status_code == 400
    assert response.json() == {"code": "too_large", "message": "文件过大：上限为 1 MB。"}
    assert Job.objects.count() == 0 and staged(var_dir) == []


def test_a_token_without_intake_or_an_agents_token_starts_nothing(make_user, supervisor, shop):
    for client in (
        api_client(supervisor, [shop], scopes=("cases:read",)),
        api_client(make_user("agent", shops=[shop]), [shop]),
    ):
        assert client.post("/api/v1/imports/", {"file": upload(), "shop": shop.code}).status_code == 403
    assert Job.objects.count() == 0


def test_another_shops_token_cannot_read_the_job(make_user, supervisor, shop, other_shop):
    client = api_client(supervisor, [shop])
    job_id = client.post("/api/v1/imports/", {"file": upload(), "shop": shop.code}).json()["id"]
    outsider = api_client(make_user("supervisor", shops=[other_shop]), [other_shop])
    assert outsider.get(f"/api/v1/jobs/{job_id}/").status_code == 404
    assert outsider.get(f"/api/v1/jobs/{job_id}/download/").status_code == 404
    assert APIClient().get(f"/api/v1/jobs/{job_id}/").status_code == 401


def test_the_owner_hears_from_the_bell_once_when_the_job_ends(
    supervisor, shop, make_user, settings, django_capture_on_commit_callbacks
):
    client = api_client(supervisor, [shop])
    job_id = client.post("/api/v1/imports/", {"file": upload(), "shop": shop.code}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        run_job(job_id)
    bell = Notification.objects.get()
    assert (bell.user, bell.kind) == (supervisor, "job_finished")
    assert bell.url == f"{settings.SITE_URL}/jobs/{job_id}/"
    assert bell.title == f"【后台任务】评价导入预演 #{job_id} 已完成"
