"""A worker SIGKILLed in the middle of an import, on PostgreSQL: nothing of the import is written, the
job is marked failed by the sweep with its plain message, and a second delivery of the task does not run
it again. The worker is the job runner in a real subprocess (what a qcluster worker runs), killed once
its first chunk of rows has been stored inside the import's transaction."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from cases.imports.uploads import staged_preview_put
from cases.models import Buyer, Case, ImportBatch, Review
from jobs import progress as board
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from jobs.services import STALE_MESSAGE, job_start, jobs_sweep
from tests import default_pack
from tests.cases.exports import TAOBAO_HEADERS, csv_bytes, taobao_row
from tests.factories import ShopFactory, UserFactory
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 15_000  # three chunks of cases.imports.storing.CHUNK


def test_a_worker_killed_mid_import_writes_nothing_and_the_sweep_fails_the_job(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    default_pack.insert()
    shop = ShopFactory(code="pg-kill", platform="taobao", name="中断导入店")
    owner = UserFactory(role="supervisor", shops=[shop])
    data = csv_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, ROWS + 1)])
    key = staged_preview_put(data=data)
    job = job_start(
        kind=JobKind.IMPORT, owner=owner, shop=shop, params={"staged": key, "file_name": "评价.csv"}
    )

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviewdesk.settings",
        "PYTHONPATH": str(ROOT),
        "REVIEWDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from jobs.runner import run_job; run_job({job.pk})",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and worker.poll() is None:
            live = board.read(job.pk) or {}
            if live.get("stage") == "store" and live.get("done", 0) >= 5000:
                break  # a chunk is stored in the import's transaction, not committed
            time.sleep(0.05)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        assert (board.read(job.pk) or {}).get("done", 0) >= 5000
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()

    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # nobody has said otherwise yet
    assert Review.objects.count() == 0 and Case.objects.count() == 0
    assert Buyer.objects.count() == 0 and ImportBatch.objects.count() == 0

    assert jobs_sweep() == {"failed": 0, "expired": 0}  # its heartbeat is fresh: not yet
    later = timezone.now() + dt.timedelta(minutes=settings.JOB_STALE_MINUTES + 1)
    assert jobs_sweep(now=later) == {"failed": 1, "expired": 0}
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.message == STALE_MESSAGE
    assert not (Path(tmp_path) / "import-staging" / key).exists()
    assert run_job(job.pk) == "skipped"  # django-q2 delivering the task again does not run it twice
    assert Review.objects.count() == 0


def test_two_import_jobs_of_one_shop_wait_in_line_and_store_the_file_once(settings, tmp_path):
    """Two workers run an import job of the same file for the same shop at once: the second waits on
    the shop's lock until the first commits, then finds every row stored (unchanged)."""
    settings.VAR_DIR = tmp_path
    default_pack.insert()
    shop = ShopFactory(code="pg-line", platform="taobao", name="排队导入店")
    owner = UserFactory(role="supervisor", shops=[shop])
    data = csv_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 41)])
    jobs = [
        job_start(
            kind=JobKind.IMPORT,
            owner=owner,
            shop=shop,
            params={"staged": staged_preview_put(data=data), "file_name": "评价.csv"},
        )
        for _ in range(2)
    ]

    _ran, errors = race_all([lambda pk=job.pk: run_job(pk) for job in jobs], timeout=120)

    assert errors == []
    done = sorted(
        (job.state, job.counts["created"], job.counts["unchanged"])
        for job in (Job.objects.get(pk=j.pk) for j in jobs)
    )
    assert done == [(JobState.DONE, 0, 40), (JobState.DONE, 40, 0)]
    assert Review.objects.count() == 40 and ImportBatch.objects.count() == 2
