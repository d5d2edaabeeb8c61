"""Pulls with real commits on PostgreSQL: two clusters pulling the same shop at once (the lease with
SKIP LOCKED lets one pull it), and a worker SIGKILLed mid-pull (its lease runs out, the next pull takes
over from the cursor and stores every review once)."""

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

from cases.hooks import certification_checks
from cases.models import Case, Review
from connectors.models import Connector
from connectors.services.pull import connector_pull
from tests import default_pack
from tests.connectors.conftest import connect
from tests.connectors.top_gateway import TopGateway
from tests.factories import ShopFactory
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def slow_gateway(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with TopGateway() as running:
        for n in range(30):
            running.add_review(
                880000 + n, created=timezone.now() - dt.timedelta(hours=2, minutes=n), result="bad"
            )
        yield running


def test_two_clusters_pulling_one_shop_at_once_pull_it_once(slow_gateway):
    default_pack.insert()
    shop = ShopFactory(code="pg-race", platform="taobao", name="并发拉取店")
    connector = connect(shop, slow_gateway)
    slow_gateway.delay = 0.5

    def pull():
        return connector_pull(connector_id=connector.pk)

    results, errors = race_all([pull, pull], timeout=120)

    assert errors == []
    outcomes = sorted((r.ok, r.skipped) for r in results)
    assert outcomes == [(False, True), (True, False)]
    assert [r.error for r in results if r.skipped] == ["另一个进程正在拉取该店铺。"]
    windows = [m for m, p in slow_gateway.calls if "start_date" in p]
    assert len(windows) == 1  # the window was asked for once
    assert Review.objects.filter(shop=shop).count() == 30 and Case.objects.filter(shop=shop).count() == 30
    assert Connector.objects.get(pk=connector.pk).lease_token == ""


def test_a_worker_killed_mid_pull_leaves_its_lease_to_expire_and_the_next_pull_takes_over(
    slow_gateway, settings
):
    default_pack.insert()
    shop = ShopFactory(code="pg-kill-pull", platform="taobao", name="中断拉取店")
    connector = connect(shop, slow_gateway)
    slow_gateway.delay = 30  # the first answer never comes before the kill
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviewdesk.settings",
        "PYTHONPATH": str(ROOT),
        "OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFY_HTTP_TIMEOUT": "60",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}",
    }
    code = f"import django; django.setup(); from connectors.services.pull import connector_pull; connector_pull(connector_id={connector.pk})"
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not slow_gateway.calls and worker.poll() is None:
            time.sleep(0.05)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        assert slow_gateway.calls  # the worker holds the lease and is waiting on the platform
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    slow_gateway.delay = 0

    held = Connector.objects.get(pk=connector.pk)
    assert held.lease_token and held.lease_until > timezone.now() and held.cursor_at is None
    assert Review.objects.count() == 0
    # while the lease runs, nobody pulls the shop twice
    assert connector_pull(connector_id=connector.pk).skipped
    # after it, the next pull takes over and stores every review once
    later = connector_pull(connector_id=connector.pk, now=timezone.now() + dt.timedelta(minutes=6))
    assert later.ok and later.created == 30
    assert Review.objects.filter(shop=shop).count() == 30
    assert Connector.objects.get(pk=connector.pk).lease_token == ""
