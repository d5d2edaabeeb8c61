"""The payout export as a job: started from the periods page, the same bytes as the direct download,
downloadable by its owner until it expires; who may not export starts nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hr(make_user, shop):
    return make_user("hr", shops=[shop])


@pytest.mark.parametrize(("fmt", "sheet"), [("csv", "detail"), ("csv", "summary"), ("xlsx", "detail")])
def test_the_export_job_gives_the_same_file_as_the_direct_download(client, hr, fmt, sheet):
    client.force_login(hr)
    direct = client.get(reverse("incentives:payout_download", args=["2026-11", fmt]), {"sheet": sheet})
    response = client.post(reverse("incentives:payout_export_job", args=["2026-11", fmt]), {"sheet": sheet})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.state, job.shop_id, job.params) == (
        JobKind.PAYOUT_EXPORT,
        JobState.QUEUED,
        None,
        {"span": "2026-11", "fmt": fmt, "sheet": sheet},
    )

    run_job(job.pk)
    page = client.get(response.url).content.decode()
    download = reverse("jobs:download", args=[job.pk])
    assert f'href="{download}"' in page
    got = client.get(download)
    body = b"".join(got.streaming_content)
    name = f"payouts-2026-11{'' if fmt == 'xlsx' else '-' + sheet}.{fmt}"
    assert got["Content-Disposition"] == f'attachment; filename="{name}"'
    assert (got["Cache-Control"], got["X-Content-Type-Options"]) == ("private, no-store", "nosniff")
    if fmt == "csv":
        assert body == direct.content
    else:
        assert body[:2] == b"PK" and len(body) > 1000


def test_the_periods_page_offers_the_background_export(client, hr):
    from incentives.services.periods import period_ensure

    period_ensure(year=2026, month=11)
    client.force_login(hr)
    page = client.get(reverse("incentives:periods")).content.decode()
    assert f'action="{reverse("incentives:payout_export_job", args=["2026-11", "xlsx"])}"' in page
    assert f'action="{reverse("incentives:payout_export_job", args=["2026-Q4", "xlsx"])}"' in page


def test_who_may_not_export_starts_nothing_and_a_bad_period_is_refused(client, make_user, shop, hr):
    client.force_login(make_user("agent", shops=[shop]))
    assert client.post(reverse("incentives:payout_export_job", args=["2026-11", "xlsx"])).status_code == 403
    client.force_login(hr)
    response = client.post(reverse("incentives:payout_export_job", args=["2026-13", "xlsx"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("incentives:periods")
    assert client.post(reverse("incentives:payout_export_job", args=["2026-11", "pdf"])).status_code == 404
    assert Job.objects.count() == 0


def test_the_file_is_not_served_once_expired_nor_to_another_hr(client, make_user, hr, other_shop):
    client.force_login(hr)
    client.post(reverse("incentives:payout_export_job", args=["2026-11", "csv"]))
    job = Job.objects.get()
    run_job(job.pk)
    download = reverse("jobs:download", args=[job.pk])
    client.force_login(make_user("hr", shops=[other_shop]))
    assert client.get(download).status_code == 404
    client.force_login(hr)
    assert client.get(download).status_code == 200
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(download).status_code == 404


def test_the_periods_admin_exports_in_the_background_for_who_may_export(
    client, make_user, shop, other_shop, hr
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from incentives.services.periods import period_ensure

    period = period_ensure(year=2026, month=11)
    hr.is_staff = True
    hr.save(update_fields=["is_staff"])
    client.force_login(hr)
    body = {"action": "export_xlsx_job", ACTION_CHECKBOX_NAME: [str(period.pk)]}
    response = client.post(reverse("admin:incentives_period_changelist"), body)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:list")
    assert (job.kind, job.owner_id, job.params) == (
        JobKind.PAYOUT_EXPORT,
        hr.pk,
        {"span": "2026-11", "fmt": "xlsx", "sheet": "detail"},
    )
    assert run_job(job.pk) == JobState.DONE
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200

    client.force_login(make_user("supervisor", is_staff=True, shops=[shop]))  # may not export payouts
    assert client.post(reverse("admin:incentives_period_changelist"), body).status_code == 403
    client.force_login(make_user("hr", is_staff=True, shops=[other_shop]))
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert Job.objects.count() == 1
