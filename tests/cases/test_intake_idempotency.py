"""Re-importing changes nothing, and the cost of an import does not grow row by row."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.hooks import certification_checks
from cases.imports.uploads import reviews_import_file
from cases.models import Assignment, Buyer, Case, ImportBatch, Notification, Review, ReviewRevision
from cases.signals import case_event
from tests.cases.exports import TAOBAO_HEADERS, csv_bytes, taobao_row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("policy_pack")
TEXTS = [
    "杯子收到就裂了，质量太差",
    "快递太慢了，一个星期才到",
    "很好用，好评",
    "客服态度很差，爱答不理",
    "不给返现就差评",
]


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])
    # Receivers of higher apps (incentives, insights) do their own work per event; not intake's cost.
    monkeypatch.setattr(case_event, "receivers", [])


@pytest.fixture
def team(shop, make_user):
    return [make_user(role, shops=[shop]) for role in ("agent", "agent", "supervisor", "legal")]


def export(count: int, *, start: int = 1, **overrides) -> list[dict]:
    rows = []
    for n in range(start, start + count):
        text = TEXTS[n % len(TEXTS)]
        level = "好评" if "好评" in text else ("中评" if n % 7 == 0 else "差评")
        rows.append(
            taobao_row(n, **{"评价内容": text, "评价等级": level, "买家昵称": f"买家{n % 37}", **overrides})
        )
    return rows


def everything() -> dict:
    return {
        "reviews": list(
            Review.objects.order_by("pk").values_list("pk", "fingerprint", "rating", "updated_at")
        ),
        "cases": list(Case.objects.order_by("pk").values_list("pk", "status", "assignee_id", "version")),
        "buyers": list(
            Buyer.objects.order_by("pk").values_list("pk", "review_count", "negative_review_count")
        ),
        "revisions": ReviewRevision.objects.count(),
        "assignments": Assignment.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_the_same_file_twice_changes_nothing_the_second_time(shop, team, django_capture_on_commit_callbacks):
    data = xlsx_bytes(TAOBAO_HEADERS, export(30))
    with django_capture_on_commit_callbacks(execute=True):
        first = reviews_import_file(shop=shop, data=data, file_name="a.xlsx")
    assert first.ok and first.created == 30 and first.cases_opened > 0
    assert Case.objects.filter(assignee__isnull=False).count() == first.cases_opened
    assert Notification.objects.filter(user=team[2]).exists()
    before = everything()

    with django_capture_on_commit_callbacks(execute=True):
        second = reviews_import_file(shop=shop, data=data, file_name="a.xlsx")

    assert second.ok and (second.created, second.updated, second.unchanged, second.cases_opened) == (
        0,
        0,
        30,
        0,
    )
    assert everything() == before
    assert ImportBatch.objects.filter(status="completed").count() == 2


def test_the_same_export_as_csv_is_the_same_reviews(shop):
    rows = export(12)
    assert (
        reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="a.xlsx").created
        == 12
    )
    before = everything()
    again = reviews_import_file(
        shop=shop, data=csv_bytes(TAOBAO_HEADERS, rows, encoding="gbk"), file_name="a.csv"
    )
    assert again.ok and again.unchanged == 12
    assert everything() == before


def test_a_later_export_twice_records_each_revision_once(shop):
    reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, export(20)), file_name="a.xlsx")
    later = export(20, 追评内容="追评：还是不行", 追评时间="2026-11-27 10:00")

    first = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, later), file_name="b.xlsx")
    second = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, later), file_name="b.xlsx")

    assert (first.updated, second.updated, second.unchanged) == (20, 0, 20)
    assert ReviewRevision.objects.count() == 20


def _queries_to_import(shop, rows, name, django_capture_on_commit_callbacks) -> int:
    data = xlsx_bytes(TAOBAO_HEADERS, rows)
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
        result = reviews_import_file(shop=shop, data=data, file_name=name)
    assert result.ok, result.errors
    return [re.sub(r"\d+", "#", q["sql"])[:70] for q in captured.captured_queries], result


@pytest.mark.postgres  # SQLite caps a statement at 999 parameters, so Django splits bulk writes there
@pytest.mark.parametrize("later", [False, True], ids=["new-reviews", "revisions"])
def test_importing_n_rows_runs_the_same_number_of_queries_for_10_and_200(
    shop, other_shop, make_user, settings, django_capture_on_commit_callbacks, later
):
    """The whole import — parse, store, triage, cases, routing, alerts — for 10 and for 200 rows."""
    settings.ALERT_DIGEST_THRESHOLD = 1000  # one alert per case in both runs, so both take the same path
    other_shop.platform = "taobao"
    other_shop.save()
    for target in (shop, other_shop):
        for role in ("agent", "agent", "supervisor", "legal"):
            make_user(role, shops=[target])
    # Warm the per-process caches (mappings, policy snapshot) for both shops the same way.
    for target, count, start in ((shop, 10, 1), (other_shop, 200, 1001)):
        warm = export(count, start=start) if later else [taobao_row(9000, 评价等级="好评", 评价内容="好评")]
        assert reviews_import_file(
            shop=target, data=xlsx_bytes(TAOBAO_HEADERS, warm), file_name="warm.xlsx"
        ).ok
    change = {"评价等级": "好评", "评价内容": "商家处理及时，改好评了"} if later else {}

    small, small_result = _queries_to_import(
        shop, export(10, start=1, **change), "s.xlsx", django_capture_on_commit_callbacks
    )
    large, large_result = _queries_to_import(
        other_shop, export(200, start=1001, **change), "l.xlsx", django_capture_on_commit_callbacks
    )

    if later:
        assert (small_result.updated, large_result.updated) == (10, 200)
    else:
        assert (small_result.created, large_result.created) == (10, 200)
        assert small_result.cases_opened >= 5 and large_result.cases_opened >= 100
    assert len(small) == len(large), (
        f"10 rows: {Counter(small) - Counter(large)}; 200 rows: {Counter(large) - Counter(small)}"
    )
    assert len(small) <= 45
