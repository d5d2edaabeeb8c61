"""Automatic work orders from policy data (``AutomationRule``): the courier watch opens one order to
logistics on a logistics case of a flagged courier, through the one intake hand-off (an API submit here;
file imports and connector pulls go through the same ``reviews_ingest``), in a constant number of queries
per import; the quality threshold's numbers and a shop's override are data an admin edits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import CaseStatus
from cases.imports.submit import reviews_submit
from cases.models import Case
from insights.choices import Dimension
from insights.models import ReviewRollup
from insights.periods import complete_months_before
from policies.models import IssueType
from tests.factories import ShopFactory
from tests.workorders.support import department, open_case, request_type
from workorders.automation import cases_opened, quality_rule_sweep
from workorders.choices import AutomationKind, WorkOrderSource
from workorders.models import AutomationRule, WorkOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

FLAGGED, FINE = "韵达快递", "顺丰速运"
LOGISTICS_TEXT = "快递太慢了，一个星期才到，外包装还压坏了"
QUALITY_TEXT = "质量太差，做工粗糙，开线了"


def watch(shop, courier: str, *, bad: int):
    """The courier's last three complete months on the shop: ``bad`` 中差评 of 10 reviews each."""
    for month in complete_months_before(timezone.localdate(), 3):
        ReviewRollup.objects.create(
            shop=shop,
            day=month,
            platform=shop.platform,
            dimension=Dimension.COURIER,
            key=courier,
            label=courier,
            reviews=10,
            negative=bad,
        )


@pytest.fixture
def couriers(shop):
    watch(shop, FLAGGED, bad=5)  # 50 % > 20 %: flagged
    watch(shop, FINE, bad=1)  # 10 %: not flagged


def submit(shop, items, capture):
    with capture(execute=True):
        results = reviews_submit(
            items=[
                {
                    "shop": shop.code,
                    "rating": "差评",
                    "reviewed_at": "2026-11-17 09:30",
                    "buyer_nick": f"t**买家{item['order_no']}",  # one buyer's many 差评 would look malicious
                    **item,
                }
                for item in items
            ],
            allowed_shop_ids={shop.pk},
            source="api",
        )
    assert all(r.status != "error" for r in results), [r.errors for r in results]
    return results


def test_a_logistics_case_of_a_flagged_courier_opens_one_order_to_logistics(
    shop, couriers, django_capture_on_commit_callbacks
):
    submit(
        shop,
        [{"order_no": "RV1", "content": LOGISTICS_TEXT, "courier": FLAGGED}],
        django_capture_on_commit_callbacks,
    )

    (order,) = WorkOrder.objects.all()
    case = Case.objects.get(review__order_no="RV1")
    assert order.case_id == case.pk and case.issue_type.code == "logistics"
    assert order.department.code == "logistics" and order.request_type.code == "trace_parcel"
    assert order.source == WorkOrderSource.COURIER_WATCH and order.raised_by is None
    assert FLAGGED in order.question


def test_a_second_import_of_the_same_review_still_has_one_order(
    shop, couriers, django_capture_on_commit_callbacks
):
    item = {"order_no": "RV1", "content": LOGISTICS_TEXT, "courier": FLAGGED}
    submit(shop, [item], django_capture_on_commit_callbacks)
    submit(shop, [{**item, "appended_content": "追评：还是没到"}], django_capture_on_commit_callbacks)
    submit(shop, [item], django_capture_on_commit_callbacks)

    assert WorkOrder.objects.count() == 1 and Case.objects.count() == 1


def test_a_reopened_logistics_case_of_a_flagged_courier_gets_its_order(
    shop, couriers, django_capture_on_commit_callbacks
):
    rules = AutomationRule.objects.filter(kind=AutomationKind.COURIER_WATCH)
    rules.update(active=False)
    item = {"order_no": "RV1", "content": LOGISTICS_TEXT, "courier": FLAGGED, "rating": "中评"}
    submit(shop, [item], django_capture_on_commit_callbacks)
    case = Case.objects.get(review__order_no="RV1")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RESOLVED, resolved_at=timezone.now())
    rules.update(active=True)
    assert not WorkOrder.objects.exists()

    submit(shop, [{**item, "rating": "差评"}], django_capture_on_commit_callbacks)  # worse: reopened

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    (order,) = WorkOrder.objects.all()
    assert order.case_id == case.pk and order.source == WorkOrderSource.COURIER_WATCH


def test_an_unflagged_courier_or_a_quality_case_opens_nothing(
    shop, couriers, django_capture_on_commit_callbacks
):
    submit(
        shop,
        [
            {"order_no": "RV1", "content": LOGISTICS_TEXT, "courier": FINE},
            {"order_no": "RV2", "content": QUALITY_TEXT, "courier": FLAGGED},
            {"order_no": "RV3", "content": LOGISTICS_TEXT, "courier": ""},
        ],
        django_capture_on_commit_callbacks,
    )

    assert Case.objects.count() == 3
    assert Case.objects.get(review__order_no="RV2").issue_type.code == "quality"
    assert not WorkOrder.objects.exists()


def test_an_inactive_rule_opens_nothing_and_a_shop_may_switch_it_off(
    shop, other_shop, couriers, django_capture_on_commit_callbacks
):
    watch(other_shop, FLAGGED, bad=5)
    rule = AutomationRule.objects.get(kind=AutomationKind.COURIER_WATCH, shop=None)
    AutomationRule.objects.create(
        kind=rule.kind,
        shop=shop,
        department=rule.department,
        request_type=rule.request_type,
        issue_types="logistics",
        active=False,
    )
    item = {"order_no": "RV1", "content": LOGISTICS_TEXT, "courier": FLAGGED}
    submit(shop, [item], django_capture_on_commit_callbacks)
    assert not WorkOrder.objects.exists()  # the shop's own row switches the rule off there

    submit(other_shop, [item], django_capture_on_commit_callbacks)
    assert WorkOrder.objects.get().case.shop_id == other_shop.pk  # the global rule still holds elsewhere

    rule.active = False
    rule.save()
    submit(other_shop, [{**item, "order_no": "RV2"}], django_capture_on_commit_callbacks)
    assert WorkOrder.objects.count() == 1


def _batch(shop, size: int) -> list[int]:
    quality = IssueType.objects.get(code="quality")
    logistics = IssueType.objects.get(code="logistics")
    ids = []
    for n in range(size):  # flagged courier but a quality case, or a logistics case of a fine courier
        case = open_case(shop, None, issue_type=quality if n % 2 else logistics)
        case.review.courier = FLAGGED if n % 2 else FINE
        case.review.save(update_fields=["courier"])
        ids.append(case.pk)
    match = open_case(shop, None, issue_type=logistics)
    match.review.courier = FLAGGED
    match.review.save(update_fields=["courier"])
    return [*ids, match.pk]


def test_the_courier_watch_reads_a_constant_number_of_queries_per_import(shop, other_shop, couriers):
    cases_opened(case_ids=_batch(shop, 1))  # warm: the policy caches
    small, large = _batch(shop, 3), _batch(shop, 12)
    large += _batch(other_shop, 4)[:-1]  # a second shop in the batch, no match there

    with CaptureQueriesContext(connection) as few:
        assert len(cases_opened(case_ids=small)) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(cases_opened(case_ids=large)) == 1
    with CaptureQueriesContext(connection) as again:
        assert cases_opened(case_ids=large) == []  # its order exists: nothing opens, nothing is raised

    assert len(few.captured_queries) == len(many.captured_queries)
    assert len(again.captured_queries) < len(many.captured_queries)
    assert WorkOrder.objects.count() == 3


# --- the quality threshold as data -------------------------------------------------------------------


def _quality_cases(shop, count: int, *, item_id="SKU-42"):
    quality = IssueType.objects.get(code="quality")
    cases = [open_case(shop, None, issue_type=quality) for _n in range(count)]
    for case in cases:
        case.review.item_id = item_id
        case.review.save(update_fields=["item_id"])
    return cases


def test_the_quality_threshold_is_read_from_the_rule(shop):
    rule = AutomationRule.objects.get(kind=AutomationKind.QUALITY_THRESHOLD, shop=None)
    assert (rule.threshold, rule.window_days, rule.issue_types) == (3, 7, "quality")
    cases = _quality_cases(shop, 2)
    assert quality_rule_sweep() == [] and not WorkOrder.objects.exists()

    rule.threshold = 2
    rule.save()
    (order,) = quality_rule_sweep()
    assert order.case_id == max(c.pk for c in cases) and order.department.code == "qc"
    assert "近7天出现2个质量问题差评" in order.question


def test_a_shop_override_replaces_the_global_quality_rule_for_that_shop_only(shop, other_shop):
    AutomationRule.objects.create(
        kind=AutomationKind.QUALITY_THRESHOLD,
        shop=shop,
        department=department("supplier"),
        request_type=request_type("supplier", "confirm_defect"),
        issue_types="quality",
        threshold=2,
        window_days=3,
    )
    _quality_cases(shop, 2)
    _quality_cases(other_shop, 2)

    (order,) = quality_rule_sweep()
    assert order.case.shop_id == shop.pk
    assert order.department.code == "supplier" and order.request_type.code == "confirm_defect"
    assert "近3天" in order.question


def test_an_inactive_quality_rule_opens_nothing(shop):
    AutomationRule.objects.filter(kind=AutomationKind.QUALITY_THRESHOLD).update(active=False)
    _quality_cases(shop, 5)
    assert quality_rule_sweep() == [] and not WorkOrder.objects.exists()


def test_a_rule_names_known_issue_types_and_a_request_type_of_its_department(shop):
    from django.core.exceptions import ValidationError

    rule = AutomationRule(
        kind=AutomationKind.QUALITY_THRESHOLD,
        shop=ShopFactory(code="tb-2"),
        department=department("qc"),
        request_type=request_type("warehouse", "verify_stock"),
        issue_types="quality, nonsense",
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert set(refused.value.message_dict) == {"request_type", "issue_types"}
    assert "nonsense" in refused.value.message_dict["issue_types"][0]
