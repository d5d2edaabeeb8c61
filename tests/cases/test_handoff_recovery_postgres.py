"""A new case whose after-commit hand-off (routing, then the supervisors' alert) never ran — the process
died right after the intake's commit — is finished by the SLA sweep: routed once, alerted once, on
PostgreSQL with real commits. The intake leaves one ``PendingHandoff`` row with its new cases; the
normal path deletes it itself, so the sweep finds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.imports import storing as ingest
from cases.imports.uploads import reviews_import_file
from cases.models import Assignment, Case, Notification, PendingHandoff
from cases.sla.sweep import sla_sweep
from tests import default_pack
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.factories import ShopFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_with_team():
    default_pack.insert()
    shop = ShopFactory(code="pg-handoff", platform="taobao", name="交接店")
    supervisor = UserFactory(role="supervisor", shops=[shop])
    UserFactory(role="agent", shops=[shop])
    return shop, supervisor


def _import(shop, n=3):
    rows = [taobao_row(k, 评价等级="差评", 评价内容=f"质量太差，第{k}单") for k in range(1, n + 1)]
    return reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="a.xlsx")


def test_the_sweep_finishes_a_hand_off_that_died_after_the_commit(shop_with_team, monkeypatch):
    shop, supervisor = shop_with_team
    monkeypatch.setattr(ingest, "hand_off_new_cases", lambda **kwargs: None)  # the process dies here
    result = _import(shop)
    monkeypatch.undo()
    ids = sorted(Case.objects.filter(shop=shop).values_list("pk", flat=True))
    assert result.cases_opened == 3 and len(ids) == 3
    assert [sorted(row.case_ids) for row in PendingHandoff.objects.all()] == [ids]
    assert not Assignment.objects.filter(case_id__in=ids).exists() and not Notification.objects.exists()

    now = timezone.now()
    assert sla_sweep(now=now).handoffs_recovered == 0  # the normal path still has its grace period
    assert not Notification.objects.exists()

    later = now + ingest.HANDOFF_GRACE + dt.timedelta(seconds=1)
    assert sla_sweep(now=later).handoffs_recovered == 3
    assert sorted(set(Assignment.objects.filter(case_id__in=ids).values_list("case_id", flat=True))) == ids
    alerted = Notification.objects.filter(user=supervisor, case_id__in=ids)
    assert sorted(alerted.values_list("case_id", flat=True)) == ids
    assert not PendingHandoff.objects.exists()

    assignments, notifications = Assignment.objects.count(), Notification.objects.count()
    assert (
        sla_sweep(now=later + dt.timedelta(minutes=5)).handoffs_recovered == 0
    )  # once, however often it runs
    assert (Assignment.objects.count(), Notification.objects.count()) == (assignments, notifications)


def test_the_normal_hand_off_clears_the_mark_and_leaves_the_sweep_nothing(shop_with_team, monkeypatch):
    from django_q.conf import Conf

    shop, supervisor = shop_with_team
    monkeypatch.setattr(Conf, "SYNC", True)  # the alert task runs in-process now, as the cluster would soon
    _import(shop)
    ids = list(Case.objects.filter(shop=shop).values_list("pk", flat=True))
    assert len(ids) == 3 and not PendingHandoff.objects.exists()
    assert Notification.objects.filter(user=supervisor, case_id__in=ids).count() == 3
    notifications = Notification.objects.count()
    assert sla_sweep(now=timezone.now() + dt.timedelta(minutes=10)).handoffs_recovered == 0
    assert Notification.objects.count() == notifications


def test_two_sweeps_at_once_route_and_alert_each_lost_case_once(shop_with_team, monkeypatch):
    import threading

    from django.db import connection

    shop, supervisor = shop_with_team
    monkeypatch.setattr(ingest, "hand_off_new_cases", lambda **kwargs: None)  # the process dies here
    _import(shop, n=6)
    monkeypatch.undo()
    ids = sorted(Case.objects.filter(shop=shop).values_list("pk", flat=True))
    later = timezone.now() + ingest.HANDOFF_GRACE + dt.timedelta(seconds=1)
    barrier, results, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            barrier.wait()
            results.append(sla_sweep(now=later).handoffs_recovered)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and sorted(results) == [0, 6]  # the second sweep skipped what the first held
    assert not PendingHandoff.objects.exists()
    assert sorted(Assignment.objects.filter(case_id__in=ids).values_list("case_id", flat=True)) == ids
    assert (
        sorted(
            Notification.objects.filter(user=supervisor, case_id__in=ids).values_list("case_id", flat=True)
        )
        == ids
    )
