"""The admin's export of the large tables (cases, reviews, ledger entries) as a job: the changelist's
columns of the ticked rows, or of every row of its filters with "select all", read with the owner's
rights when the job runs; another shop's rows never, personal data only as the list shows it; nobody
else starts, sees, cancels or downloads it."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from cases.models import Case
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from tests.factories import CaseFactory, LedgerEntryFactory

pytestmark = pytest.mark.django_db

CASES = reverse("admin:cases_case_changelist")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(make_user, shop, other_shop):
    return make_user("manager", is_staff=True, shops=[shop, other_shop])


@pytest.fixture
def cases(shop, other_shop):
    return {
        "a1": CaseFactory(shop=shop, status="new", buyer_phone="13912345678"),
        "a2": CaseFactory(shop=shop, status="closed"),
        "b1": CaseFactory(shop=other_shop, status="new"),
    }


def _start(client, url, ids, *, across=False):
    body = {"action": "export_in_background", ACTION_CHECKBOX_NAME: [str(pk) for pk in ids]}
    if across:
        body["select_across"] = "1"
    response = client.post(url, body)
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    return job


def _rows(client, job) -> list[list[str]]:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_select_all_exports_every_row_of_the_filters_as_the_list_shows_them(client, manager, cases, shop):
    client.force_login(manager)
    job = _start(client, f"{CASES}?status__exact=new", [cases["a1"].pk], across=True)
    assert (job.kind, job.state, job.params["model"], job.params["query"]) == (
        JobKind.ADMIN_EXPORT,
        JobState.QUEUED,
        "cases.case",
        "status__exact=new",
    )
    assert "ids" not in job.params
    assert run_job(job.pk) == JobState.DONE
    rows = _rows(client, Job.objects.get(pk=job.pk))
    assert rows[0][:4] == ["ID", "店铺", "问题类型", "状态"]
    assert sorted(r[0] for r in rows[1:]) == sorted([str(cases["a1"].pk), str(cases["b1"].pk)])
    assert {r[3] for r in rows[1:]} == {str(Case._meta.get_field("status").flatchoices[0][1])}
    assert "13912345678" not in str(rows)  # the list shows no phone, nor does its export
    job.refresh_from_db()
    assert job.counts["rows"] == 2 and job.file_name.startswith("case-")


def test_ticked_rows_only_and_the_owners_shops_when_it_runs(client, manager, cases, other_shop):
    client.force_login(manager)
    ticked = _start(client, CASES, [cases["a2"].pk, cases["b1"].pk])
    assert ticked.params["ids"] == [str(cases["a2"].pk), str(cases["b1"].pk)]
    manager.memberships.filter(shop=other_shop).delete()  # shop B is taken away before the job runs
    run_job(ticked.pk)
    assert [r[0] for r in _rows(client, ticked)[1:]] == [str(cases["a2"].pk)]


def test_the_reviews_and_the_ledger_are_exported_the_same_way(client, manager, cases, make_user, shop):
    client.force_login(manager)
    reviews = _start(client, reverse("admin:cases_review_changelist"), [cases["a1"].review_id], across=True)
    run_job(reviews.pk)
    rows = _rows(client, reviews)
    assert len(rows) == 4 and "13912345678" not in str(rows)

    hr = make_user("hr", is_staff=True, shops=[shop])
    agent = make_user("agent", shops=[shop], employee_code="A001")
    entry = LedgerEntryFactory(user=agent, amount="12.50")
    client.force_login(hr)
    ledger = _start(client, reverse("admin:incentives_ledgerentry_changelist"), [entry.pk])
    run_job(ledger.pk)
    rows = _rows(client, ledger)
    assert len(rows) == 2 and rows[1][0] == str(entry.pk) and "12.50" in rows[1]


def test_a_formula_in_a_cell_is_neutralised(client, manager, shop):
    case = CaseFactory(shop=shop, review__buyer_nick="=HYPERLINK(1)")
    client.force_login(manager)
    job = _start(client, reverse("admin:cases_review_changelist"), [case.review_id])
    run_job(job.pk)
    assert "'=HYPERLINK(1)" in _rows(client, job)[1]


def test_someone_who_lost_the_admin_gets_nothing(client, manager, cases):
    client.force_login(manager)
    job = _start(client, CASES, [cases["a1"].pk])
    manager.is_staff = False
    manager.save(update_fields=["is_staff"])
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.message, bool(job.file)) == ("你没有查看这些数据的权限。", False)


def test_other_people_cannot_start_see_cancel_or_download(
    client, manager, cases, make_user, shop, other_shop
):
    client.force_login(manager)
    job = _start(client, CASES, [cases["a1"].pk])
    run_job(job.pk)
    before = list(Job.objects.values_list("pk", "state", "file"))
    for user in (
        make_user("manager", is_staff=True, shops=[other_shop]),
        make_user("hr", is_staff=True, shops=[shop]),
        make_user("agent", shops=[shop]),
    ):
        client.force_login(user)
        for name in ("jobs:detail", "jobs:download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404
        assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    # HR works no cases: the case list and its action are closed to them; an agent never reaches the admin.
    client.force_login(make_user("hr", is_staff=True, shops=[shop]))
    body = {"action": "export_in_background", ACTION_CHECKBOX_NAME: [str(cases["a1"].pk)]}
    assert client.post(CASES, body).status_code == 403
    client.force_login(make_user("agent", shops=[shop]))
    assert client.post(CASES, body).status_code == 302  # to the admin's login
    assert list(Job.objects.values_list("pk", "state", "file")) == before


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_rows(client, manager, shop):
    """The changelist's select_related reaches the job: no query per row (a quarter of cases is 100k)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    counts = []
    for n in (2, 20):
        CaseFactory.create_batch(n, shop=shop)
        job = _start(client, CASES, [Case.objects.first().pk], across=True)
        with CaptureQueriesContext(connection) as queries:
            run_job(job.pk)
        counts.append(len(queries))
        assert Job.objects.get(pk=job.pk).counts["rows"] == Case.objects.count()
    assert counts[0] == counts[1]
