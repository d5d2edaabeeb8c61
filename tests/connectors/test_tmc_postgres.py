"""A TMC push and a pull of the same shop at once, with real commits on PostgreSQL: both read the same new
review, and the one intake (which locks the shop's row) stores it once and opens one case."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections
from django.utils import timezone

from cases.hooks import certification_checks
from cases.models import Case, Review
from connectors.services.pull import connector_pull
from connectors.services.tmc import tmc_consume
from tests import default_pack
from tests.connectors.conftest import connect
from tests.connectors.top_gateway import TopGateway
from tests.factories import ShopFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def gateway(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with TopGateway() as running:
        yield running


def test_a_push_and_a_pull_of_the_same_review_at_once_store_it_once(gateway):
    default_pack.insert()
    shop = ShopFactory(code="pg-push", platform="taobao", name="推送并发店")
    connector = connect(shop, gateway, seller_nick="旗舰店", tmc_group="default")
    gateway.add_review(770001, created=timezone.now() - dt.timedelta(minutes=20), result="bad")
    gateway.push_rated(770001)
    gateway.delay = 0.3
    barrier = threading.Barrier(2)
    results = {}

    def run(name, work):
        try:
            barrier.wait()
            results[name] = work()
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=run, args=("pull", lambda: connector_pull(connector_id=connector.pk))),
        threading.Thread(target=run, args=("push", tmc_consume)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert results["pull"].ok and results["push"]["stored"] == 1 and results["push"]["failed"] == 0
    assert results["pull"].created + results["push"]["cases_opened"] == 1  # whichever came first
    assert Review.objects.filter(shop=shop).count() == 1 and Case.objects.filter(shop=shop).count() == 1
    assert gateway.tmc == []
