"""Prevention's section of the weekly report: the products with the most after-sales among the report's
shops' orders (paid in the 30 days up to the week's end), with the reasons of the same products' cases."""

import datetime as dt

import pytest

from insights.hooks import weekly_sections
from insights.periods import week_of
from policies.models import IssueType
from prevention.choices import AfterSale, OrderStatus
from prevention.weekly import weekly_tables
from tests.factories import CaseFactory
from tests.prevention.conftest import NOW, make_order

pytestmark = pytest.mark.django_db

WEEK = week_of(NOW.date())


def orders(shop, item, *after_sales, title="纯棉四件套", paid=NOW - dt.timedelta(days=3)):
    for index, after_sale in enumerate(after_sales):
        make_order(
            shop,
            f"{item}-{shop.pk}-{index}",
            item_id=item,
            item_title=title,
            status=OrderStatus.DELIVERED,
            after_sale=after_sale,
            paid_at=paid,
        )


def case_on(shop, item, issue_type):
    CaseFactory(shop=shop, opened_at=NOW - dt.timedelta(days=1), review__item_id=item, issue_type=issue_type)


def test_high_return_products_with_their_reasons(shop, other_shop, django_assert_max_num_queries):
    assert weekly_tables in weekly_sections.all()
    quality = IssueType.objects.get_or_create(code="quality", defaults={"name": "产品质量"})[0]
    second = IssueType.objects.get_or_create(code="size", defaults={"name": "尺码不符"})[0]
    R, F, X, N = AfterSale.RETURN, AfterSale.REFUND, AfterSale.EXCHANGE, AfterSale.NONE
    orders(shop, "A1", R, R, F, X, N, N, title="四件套")  # 4 after-sales of 6 orders
    orders(shop, "B2", F, N, N, N, title="枕头")  # 1 of 4
    orders(shop, "C3", N, N, N, title="被子")  # none: not listed
    orders(shop, "D4", R, R, R, paid=NOW - dt.timedelta(days=40))  # paid before the window
    orders(other_shop, "A1", R, R, R, R, R)  # another shop: not in this report
    for issue_type in (quality, quality, second):
        case_on(shop, "A1", issue_type)
    case_on(other_shop, "A1", second)  # another shop's case: not a reason here
    with django_assert_max_num_queries(2):
        tables = weekly_tables(week=WEEK, shop_ids=(shop.pk,), top_issue_keys=[])
    [table] = tables
    assert table.key == "prevention_high_returns"
    assert table.rows == [
        ["A1", "四件套", 6, 2, 1, 1, "67%", f"{quality.name}(2)、{second.name}(1)"],
        ["B2", "枕头", 4, 0, 1, 0, "25%", "—"],
    ]


def test_both_shops_of_a_clients_report_add_up(shop, other_shop):
    orders(shop, "A1", AfterSale.RETURN, AfterSale.NONE)
    orders(other_shop, "A1", AfterSale.REFUND, AfterSale.NONE)
    [table] = weekly_tables(week=WEEK, shop_ids=(shop.pk, other_shop.pk), top_issue_keys=[])
    assert table.rows[0][:7] == ["A1", "纯棉四件套", 4, 1, 1, 0, "50%"]


def test_no_after_sales_adds_no_section(shop):
    orders(shop, "C3", AfterSale.NONE, AfterSale.NONE)
    assert weekly_tables(week=WEEK, shop_ids=(shop.pk,), top_issue_keys=[]) == []
    assert weekly_tables(week=WEEK, shop_ids=(), top_issue_keys=[]) == []
