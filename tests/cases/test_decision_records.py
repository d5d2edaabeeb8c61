"""The rule-only part of a decision is stored once and shared by every case it opened
(cases.models.DecisionRecord); a case reads back the whole decision, as the engine made it."""

import datetime as dt
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.imports import triage
from cases.imports.uploads import reviews_import_file
from cases.models import Case, DecisionRecord, Review
from policies.models import SlaTier
from reviewdesk.i18n_text import render
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("policy_pack")


def same_complaint(count: int, *, start: int = 1) -> list[dict]:
    """``count`` reviews that differ only in their ids and buyer: the engine decides the same for each."""
    return [
        taobao_row(n, 评价内容="快递太慢了，一个星期才到", 评价等级="差评")
        for n in range(start, start + count)
    ]


def test_cases_opened_by_the_same_decision_share_one_record(shop):
    result = reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(12)), file_name="a.xlsx"
    )

    assert result.ok and result.cases_opened == 12
    assert DecisionRecord.objects.count() == 1
    record = DecisionRecord.objects.get()
    assert set(Case.objects.values_list("decision_record_id", flat=True)) == {record.pk}
    assert record.decision["issue_type"] == "logistics" and "windows" not in record.decision
    tier = SlaTier.objects.get(shop__isnull=True, issue_type__code="logistics")
    assert {
        "model": "slatier",
        "id": tier.pk,
        "version": tier.version,
        "name": tier.name,
    } in record.policy_refs
    assert Case.objects.values("decision_windows").distinct().count() == 1  # the same review dates here


def test_a_case_reads_back_the_whole_decision_the_engine_made(shop):
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(1)), file_name="a.xlsx")
    case = Case.objects.select_related("decision_record", "review").get()

    review = case.review
    values = {
        "rating": review.rating,
        "content": review.content,
        "reviewed_at": review.reviewed_at,
        "order_amount": review.order_amount,
        "shipping_fee": review.shipping_fee,
    }
    policy = triage.load_policy_for(shop)
    again = triage.decide_for(triage.facts_for(values, shop=shop, received_at=review.received_at), policy)
    expected = triage.decision_as_json(again)
    assert {k: v for k, v in case.decision.items() if k != "windows"} == {
        k: v for k, v in expected.items() if k != "windows"
    }
    assert {k: _when(v) for k, v in case.decision["windows"].items()} == {
        k: _when(v) for k, v in expected["windows"].items()
    }
    assert case.policy_refs == [
        {"model": r.model, "id": r.id, "version": r.version, "name": r.name} for r in again.rule_refs
    ]
    assert (
        case.decision_windows == case.decision["windows"]
        and case.decision_windows["revision_allowed"] is True
    )


def _when(value):
    return (
        dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    )  # the same instant, any offset


def test_later_imports_reuse_the_record_and_a_policy_edit_makes_a_new_one(shop, other_shop):
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(5)), file_name="a.xlsx")
    first = DecisionRecord.objects.get()
    reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(5, start=100)), file_name="b.xlsx"
    )
    assert list(DecisionRecord.objects.all()) == [first]  # another import, the same decision: no new record

    tier = SlaTier.objects.get(shop__isnull=True, issue_type__code="logistics")
    tier.first_response_minutes = 30
    tier.save()
    reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(5, start=200)), file_name="c.xlsx"
    )

    assert DecisionRecord.objects.count() == 2
    old = Case.objects.filter(review__order_no__in=[f"31000000000{n:05d}" for n in range(1, 6)])
    new = Case.objects.filter(review__order_no__in=[f"31000000000{n:05d}" for n in range(200, 205)])
    assert {c.decision["sla"]["first_response_minutes"] for c in old.select_related("decision_record")} == {
        120
    }
    assert {c.decision["sla"]["first_response_minutes"] for c in new.select_related("decision_record")} == {
        30
    }
    first.refresh_from_db()
    assert first.decision["sla"]["first_response_minutes"] == 120  # a record never changes


def test_a_rejected_import_stores_no_record(shop):
    rows = [*same_complaint(3), taobao_row(99, 评价等级="很一般")]
    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="bad.xlsx")

    assert not result.ok
    assert (DecisionRecord.objects.count(), Case.objects.count(), Review.objects.count()) == (0, 0, 0)


LATEST = [("cases", "0011_remove_case_decision_policy_refs")]
BEFORE = [("cases", "0009_case_handoff_pending")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_case_decision_into_shared_records(shop):
    from incentives.triggers import drop_cross_table_triggers, ensure_triggers

    drop_cross_table_triggers()  # as `migrate` does (pre_migrate): the executor here sends no signals
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        OldCase = apps.get_model("cases", "Case")
        now = timezone.now()
        shared = {"issue_type": "logistics", "reasons": ["物流慢"], "sla": {"first_response_minutes": 120}}
        refs = [{"model": "slatier", "id": 1, "version": 1, "name": "物流延误(2小时)"}]
        decisions = [
            ({**shared, "windows": {"revision_allowed": True, "reply_max_chars": 500}}, refs),
            ({**shared, "windows": {"revision_allowed": False, "reply_max_chars": 300}}, refs),
            ({"issue_type": "quality", "reasons": ["质量差"], "windows": {"revision_allowed": True}}, refs),
            ({}, []),  # a case opened before decisions were kept
        ]
        for n, (decision, case_refs) in enumerate(decisions):
            review = Review.objects.create(
                platform="taobao",
                shop=shop,
                external_id=f"m{n}",
                rating=1,
                reviewed_at=now,
                received_at=now,
                fingerprint=f"m{n}",
                source="api",
            )
            OldCase.objects.create(
                review_id=review.pk,
                shop_id=shop.pk,
                platform="taobao",
                opened_at=now,
                decision=decision,
                policy_refs=case_refs,
            )

        executor = MigrationExecutor(connection)
        executor.migrate(LATEST)
        cases = list(Case.objects.select_related("decision_record").order_by("review__external_id"))

        assert [c.decision for c in cases] == [d for d, _refs in decisions]
        assert [c.policy_refs for c in cases] == [r for _d, r in decisions]
        assert cases[0].decision_record_id == cases[1].decision_record_id != cases[2].decision_record_id
        assert cases[3].decision_record is None
        assert DecisionRecord.objects.count() == 2
        assert cases[0].decision_record.decision == shared  # the windows stay on the case
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        ensure_triggers()


def test_intake_and_the_migration_agree_on_the_digest(shop):
    """A case migrated from the old JSON and one imported now with the same decision share a record."""
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(1)), file_name="a.xlsx")
    record = DecisionRecord.objects.get()
    migration = import_module("cases.migrations.0010_decision_record")
    assert migration.digest_of(record.decision, record.policy_refs) == record.digest


def test_the_case_admin_shows_the_whole_decision(shop, admin_client):
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(1)), file_name="a.xlsx")
    case = Case.objects.select_related("decision_record").get()

    html = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()

    classification = render(case.decision["classification"])  # stored language-neutral, shown as text
    assert classification in html and case.decision["windows"]["revision_until"] in html
    assert escape(f'"name": "{case.policy_refs[0]["name"]}"') in html  # the JSON, escaped


def test_the_case_admin_changes_neither_the_decision_nor_its_windows(shop, admin_client):
    """The windows decide whether a rating change still counts (and is paid): no admin form edits them."""
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, same_complaint(1)), file_name="a.xlsx")
    case = Case.objects.get()
    before = (case.decision_record_id, case.decision_windows)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="decision_windows"' not in page and 'name="decision_record"' not in page

    admin_client.post(
        url,
        {
            "decision_windows": '{"revision_allowed": true, "revision_until": "2099-01-01"}',
            "decision_record": "",
            "_save": "1",
        },
    )

    case.refresh_from_db()
    assert (case.decision_record_id, case.decision_windows) == before
