"""An intake that opens cases leaves one ``PendingHandoff`` row with them, in its own transaction; the
alert task deletes it in the transaction that writes the alerts, and a failed alert leaves it for the
SLA sweep. An intake that opens nothing leaves nothing (tests/cases/test_handoff_recovery_postgres.py
has the sweep's side with real commits)."""

import pytest
from django_q.conf import Conf

from cases import alerts
from cases.imports.uploads import reviews_import_file
from cases.models import Case, Notification, PendingHandoff
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("policy_pack")


def _import(shop, grade="差评", n=3):
    rows = [taobao_row(k, 评价等级=grade, 评价内容=f"质量太差，第{k}单") for k in range(1, n + 1)]
    return reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="a.xlsx")


def test_an_intake_leaves_one_row_with_its_new_cases(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the commit, and the process dies
        result = _import(shop)

    ids = sorted(Case.objects.filter(shop=shop).values_list("pk", flat=True))
    assert result.cases_opened == 3
    assert [sorted(row.case_ids) for row in PendingHandoff.objects.all()] == [ids]


def test_an_intake_that_opens_no_case_leaves_no_row(shop):
    result = _import(shop, grade="好评")

    assert result.ok and result.created == 3 and result.cases_opened == 0
    assert not PendingHandoff.objects.exists()


def test_the_alert_task_deletes_the_row_with_its_alerts(
    shop, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    make_user(role="supervisor", shops=[shop])
    monkeypatch.setattr(Conf, "SYNC", True)  # the task runs in-process, as the cluster would soon

    with django_capture_on_commit_callbacks(execute=True):
        _import(shop)

    assert Notification.objects.filter(case__shop=shop).count() == 3
    assert not PendingHandoff.objects.exists()


def test_a_failed_alert_keeps_the_row_for_the_sweep(shop, make_user, monkeypatch):
    make_user(role="supervisor", shops=[shop])

    def broken(_alerts):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(alerts, "notify", broken)
    with pytest.raises(RuntimeError):
        alerts.alert_new_cases_now(
            case_ids=[1],
            handoff_id=PendingHandoff.objects.create(case_ids=[1], opened_at="2026-12-01T00:00:00+08:00").pk,
        )

    assert PendingHandoff.objects.count() == 1
