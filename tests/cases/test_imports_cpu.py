"""What the intake does to stay within issue 17's CPU budget (bench/bench_intake.py measures it), each
shown to keep the import's answer the same."""

import gc

import pytest

from cases.imports import storing
from cases.imports.bulk import any_of, array_literal, cyclic_gc_paused
from cases.imports.uploads import reviews_import_file
from cases.models import Case, Review
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.factories import ReviewFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


def test_the_cycle_collector_is_paused_for_the_import_and_back_on_after(shop, monkeypatch):
    seen = []
    ingest = storing.reviews_ingest

    def watching(**kwargs):
        seen.append(gc.isenabled())
        return ingest(**kwargs)

    monkeypatch.setattr("cases.imports.uploads.reviews_ingest", watching)
    rows = [taobao_row(1), taobao_row(2, 评价等级="好评")]
    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")
    assert result.ok and result.created == 2 and result.cases_opened == 1
    assert seen == [False]
    assert gc.isenabled()
    assert Review.objects.count() == 2 and Case.objects.count() == 1


def test_a_failing_import_turns_the_collector_back_on(shop, monkeypatch):
    def failing(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cases.imports.uploads.reviews_ingest", failing)
    with pytest.raises(RuntimeError):
        reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="x.xlsx")
    assert gc.isenabled()
    assert Review.objects.count() == 0


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_long_id_list_is_one_array_text_and_finds_exactly_its_rows(shop):
    tricky = ['a"b', "back\\slash", "逗号,与{括号}", " 空格 ", "NULL", ""]
    for n, external_id in enumerate(tricky):
        ReviewFactory(shop=shop, external_id=external_id, order_no=f"o{n}")
    ReviewFactory(shop=shop, external_id="not-asked", order_no="o-other")
    found = set(
        Review.objects.filter(any_of("external_id", tricky, "text"), shop=shop).values_list(
            "external_id", flat=True
        )
    )
    assert found == set(tricky)
    assert array_literal([1, None, 'x"\\']) == '{1,NULL,"x\\"\\\\"}'
    ids = list(Review.objects.filter(shop=shop).order_by("pk").values_list("pk", flat=True))
    assert Review.objects.filter(any_of("pk", ids[:2], "bigint")).count() == 2
