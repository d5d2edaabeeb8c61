"""After-sale reasons: the buyer's words in categories (质量问题, 尺码不合适, …) by the reason rules a manager
edits (``ReturnReasonRule``, seeded from the old keyword table; a shop's rule replaces the global one of
its category), pulled from TOP's refunds (``taobao.refunds.receive.get``) or read from an export's 售后原因
column, and counted in the weekly report's high-return products (the cases' issue types only where no
reason is known)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from insights.periods import week_of
from policies.models import IssueType
from prevention.choices import AfterSale, OrderStatus, PullKind, ReturnReason
from prevention.models import Order, OrderMapping, OrderPullCursor, ReturnReasonRule
from prevention.orders import order_import
from prevention.pull_orders import order_pull
from prevention.reasons import reason_kind, reason_rules
from prevention.weekly import weekly_tables
from tests.connectors.conftest import connect, serving
from tests.connectors.top_trade_gateway import REFUNDS, TopTradeGateway
from tests.factories import CaseFactory, ShopFactory
from tests.prevention.conftest import NOW, make_order

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
Q, S, D, L, C, OTHER = (
    ReturnReason.QUALITY,
    ReturnReason.SIZE,
    ReturnReason.NOT_AS_DESCRIBED,
    ReturnReason.LOGISTICS,
    ReturnReason.CHANGED_MIND,
    ReturnReason.OTHER,
)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        # Taobao's refund reasons (the list the buyer picks from) and export wordings
        ("质量问题", Q),
        ("收到商品破损", Q),
        ("商品需要维修", Q),
        ("假冒品牌", Q),
        ("尺码拍错/不喜欢/效果不好", S),
        ("大小/尺寸与商品描述不符", S),  # size first, whatever else it says
        ("尺码偏大", S),
        ("颜色/图案/款式与商品描述不符", D),
        ("材质与商品描述不符", D),
        ("卖家发错货", D),
        ("少件/漏发", D),
        ("快递/物流一直未送到", L),
        ("未按约定时间发货", L),
        ("七天无理由退换货", C),
        ("7天无理由退货", C),
        ("我不想要了", C),
        ("拍错/多拍", C),
        ("退运费", OTHER),
        ("  ", ""),
        ("", ""),
    ],
)
def test_a_reason_falls_in_its_category(shop, reason, kind):
    assert reason_kind(reason, reason_rules(shop)) == kind


def test_every_category_but_other_has_seeded_words_tried_in_the_old_order(shop, django_assert_num_queries):
    with django_assert_num_queries(1):
        rules = reason_rules(shop)
    assert [rule.category for rule in rules] == [S, Q, D, L, C]
    assert all(rule.words for rule in rules)
    assert "" not in {word for rule in rules for word in rule.words}


def override(shop, words="色差", category=D, **fields):
    fields = {"priority": 30, **fields}
    return ReturnReasonRule.objects.create(
        name="本店色差", shop=shop, category=category, keywords=words, **fields
    )


def test_a_shops_rule_replaces_the_global_words_of_its_category_for_that_shop_only(shop, other_shop):
    override(shop, "色差\n颜色")
    mine, theirs = reason_rules(shop), reason_rules(other_shop)
    assert reason_kind("有色差", mine) == D
    assert reason_kind("有色差", theirs) == OTHER
    assert reason_kind("材质与商品描述不符", mine) == OTHER  # its words replaced the global ones
    assert reason_kind("材质与商品描述不符", theirs) == D
    assert reason_kind("质量问题", mine) == Q  # the other categories keep the global words


def test_an_inactive_shop_rule_switches_its_category_off_for_that_shop(shop, other_shop):
    override(shop, active=False)
    assert reason_kind("颜色与商品描述不符", reason_rules(shop)) == OTHER
    assert reason_kind("颜色与商品描述不符", reason_rules(other_shop)) == D


def test_priority_decides_between_two_categories(shop):
    assert reason_kind("尺码与描述不符", reason_rules(shop)) == S
    override(shop, "与描述不符", priority=5)
    assert reason_kind("尺码与描述不符", reason_rules(shop)) == D


# --- the admin -----------------------------------------------------------------------------------------


@pytest.fixture
def manager(client, make_user, shop):
    client.force_login(make_user("manager", is_staff=True, shops=[shop]))
    return client


def rule_data(shop, **overrides):
    data = {"name": "本店色差", "category": D, "keywords": " 色差 、颜色，\n 图案 ", "priority": "30"}
    data.update(shop=shop.pk, client="", active="on", **overrides)
    return data


ADD = "admin:prevention_returnreasonrule_add"


def test_a_manager_adds_his_shops_rule_with_each_word_trimmed(manager, shop):
    response = manager.post(reverse(ADD), rule_data(shop))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = ReturnReasonRule.objects.get(shop=shop)
    assert (rule.keywords, rule.words) == ("色差\n颜色\n图案", ("色差", "颜色", "图案"))
    assert rule.history.count() == 1
    listing = manager.get(reverse("admin:prevention_returnreasonrule_changelist")).content.decode()
    assert "色差、颜色、图案" in listing and "与描述不符" in listing


def test_a_second_rule_of_a_category_in_one_shop_is_refused_in_words_and_nothing_is_saved(manager, shop):
    """The loader keys a layer's rows by category: a second one would silently shadow the first."""
    assert manager.post(reverse(ADD), rule_data(shop)).status_code == 302
    before = list(ReturnReasonRule.objects.order_by("pk").values())

    response = manager.post(reverse(ADD), rule_data(shop, name="又一条色差", keywords="偏色"))

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "这个店铺已有一条相同的规则：请修改已有的那一条。" in errors and "uniq_" not in errors
    assert list(ReturnReasonRule.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("words", ["", "  \n 、 ，, "])
def test_an_empty_keyword_list_is_refused_and_nothing_is_saved(manager, shop, words):
    before = list(ReturnReasonRule.objects.order_by("pk").values())
    response = manager.post(reverse(ADD), rule_data(shop, keywords=words))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "keywords" in form.errors
    if words:
        assert "请至少填写一个关键词" in str(form.errors["keywords"])
    assert list(ReturnReasonRule.objects.order_by("pk").values()) == before


def test_a_manager_cannot_change_the_global_rules(manager):
    rule = ReturnReasonRule.objects.filter(shop=None, client=None).first()
    url = reverse("admin:prevention_returnreasonrule_change", args=[rule.pk])
    before = list(ReturnReasonRule.objects.order_by("pk").values())
    data = {"name": rule.name, "category": rule.category, "keywords": "色差", "priority": "1"}
    response = manager.post(
        url, {**data, "shop": "", "client": "", "active": "on", "seen_version": rule.version}
    )
    assert response.status_code == 403
    assert list(ReturnReasonRule.objects.order_by("pk").values()) == before


# --- the pull ------------------------------------------------------------------------------------------


@pytest.fixture
def gw(settings):
    yield from serving(settings, TopTradeGateway())


@pytest.fixture
def connector(shop, gw):
    return connect(shop, gw)


def test_the_refund_pull_records_the_reason_its_category_and_the_after_sale(shop, gw, connector):
    returned = make_order(shop, "5001", status=OrderStatus.DELIVERED)
    refunded = make_order(shop, "5002", status=OrderStatus.IN_TRANSIT)
    pending = make_order(shop, "5003", status=OrderStatus.DELIVERED)
    untouched = make_order(shop, "5004", status=OrderStatus.DELIVERED)
    gw.add_refund("r1", "5001", modified=NOW - 3 * H, reason="大小/尺寸与商品描述不符", has_good_return=True)
    gw.add_refund("r2", "5002", modified=NOW - 2 * H, reason="快递/物流一直未送到", has_good_return=False)
    gw.add_refund("r3", "5003", modified=NOW - H, reason="质量问题", status="WAIT_SELLER_AGREE")
    gw.add_refund("r9", "5999", modified=NOW - H, reason="质量问题")  # an order not stored (yet)

    result = order_pull(now=NOW)

    assert (result.refunds, result.reasons, result.unmatched, result.errors) == (4, 3, 1, 0)
    got = {
        o.pk: (o.after_sale, o.after_sale_reason, o.after_sale_reason_kind)
        for o in Order.objects.filter(shop=shop)
    }
    assert got[returned.pk] == (AfterSale.RETURN, "大小/尺寸与商品描述不符", S)
    assert got[refunded.pk] == (AfterSale.REFUND, "快递/物流一直未送到", L)
    # asked, not granted yet: the reason is known, the order has no after-sale yet
    assert got[pending.pk] == (AfterSale.NONE, "质量问题", Q)
    assert got[untouched.pk] == (AfterSale.NONE, "", "")
    assert OrderPullCursor.objects.get(connector=connector, kind=PullKind.REFUNDS).cursor_at == NOW
    assert not Order.objects.filter(order_no="5999").exists()

    gw.add_refund(
        "r3", "5003", modified=NOW + H / 2, reason="质量问题", status="SUCCESS", has_good_return=True
    )
    later = order_pull(now=NOW + H)
    assert later.reasons == 1  # only the refund that changed; the overlap's others write nothing
    assert Order.objects.get(pk=pending.pk).after_sale == AfterSale.RETURN
    asked = gw.windows(REFUNDS)[-1][:2]
    assert asked == ("2026-11-18 11:50:00", "2026-11-18 13:00:00")


def test_another_sellers_refund_does_not_touch_this_shops_order(shop, gw, connector):
    neighbour = ShopFactory(code="tb-neighbour-r", platform="taobao", name="淘宝邻店")
    gw.sessions.add("seller-session-2")
    connect(neighbour, gw, session_key="seller-session-2")
    mine = make_order(shop, "5101", status=OrderStatus.DELIVERED)
    theirs = make_order(neighbour, "5101", status=OrderStatus.DELIVERED)
    gw.add_refund("r1", "5101", modified=NOW - H, reason="质量问题", session="seller-session-2")
    order_pull(now=NOW)
    assert Order.objects.get(pk=mine.pk).after_sale_reason == ""
    assert Order.objects.get(pk=theirs.pk).after_sale_reason_kind == Q


# --- the export ----------------------------------------------------------------------------------------

DOUYIN = (
    "主订单编号,选购商品,商品ID,订单状态,支付完成时间,售后状态,售后原因\n"
    "6920000000001,连衣裙,3001,已完成,2026-11-10 10:00:00,退货退款成功,尺码偏小\n"
    "6920000000002,连衣裙,3001,已完成,2026-11-10 11:00:00,退款成功,七天无理由\n"
    "6920000000003,连衣裙,3001,已完成,2026-11-10 12:00:00,,\n"
)


def test_an_exports_reason_column_fills_the_same_fields(db):
    assert "after_sale_reason" in OrderMapping.objects.get(code="douyin-orders").columns
    shop = ShopFactory(platform="douyin")
    result = order_import(shop=shop, data=DOUYIN.encode("utf-8"), file_name="orders.csv")
    assert result.ok, (result.file_error, result.errors)
    got = dict(
        Order.objects.filter(shop=shop).values_list("order_no", "after_sale_reason_kind").order_by("order_no")
    )
    assert got == {"6920000000001": S, "6920000000002": C, "6920000000003": ""}
    assert Order.objects.get(shop=shop, order_no="6920000000001").after_sale == AfterSale.RETURN


def test_a_formula_in_the_reason_column_refuses_the_file_and_stores_nothing(db):
    shop = ShopFactory(platform="douyin")
    bad = DOUYIN.replace("尺码偏小", '=HYPERLINK("http://x")')
    result = order_import(shop=shop, data=bad.encode("utf-8"), file_name="orders.csv")
    assert not result.ok and result.errors[0].column == "售后原因"
    assert not Order.objects.filter(shop=shop).exists()


# --- the weekly report -------------------------------------------------------------------------------

WEEK = week_of(NOW.date())


def after_sale(shop, number, item, after, kind="", paid=NOW - dt.timedelta(days=3)):
    make_order(
        shop,
        number,
        item_id=item,
        item_title=f"商品{item}",
        status=OrderStatus.DELIVERED,
        after_sale=after,
        after_sale_reason_kind=kind,
        after_sale_reason="原话" if kind else "",
        paid_at=paid,
    )


def test_the_weekly_report_counts_the_reasons_by_category_and_falls_back_to_cases(
    shop, django_assert_max_num_queries
):
    R, F, N = AfterSale.RETURN, AfterSale.REFUND, AfterSale.NONE
    after_sale(shop, "a1", "A", R, S)
    after_sale(shop, "a2", "A", R, S)
    after_sale(shop, "a3", "A", F, Q)
    after_sale(shop, "a4", "A", R)  # an after-sale without a reason: not counted in the reasons
    after_sale(shop, "a5", "A", N, Q)  # asked, not granted: not an after-sale, its reason not counted
    after_sale(shop, "b1", "B", F)  # no reason known for B at all
    after_sale(shop, "b2", "B", N)
    size = IssueType.objects.get_or_create(code="size", defaults={"name": "尺码不符"})[0]
    CaseFactory(shop=shop, opened_at=NOW - dt.timedelta(days=1), review__item_id="B", issue_type=size)
    CaseFactory(shop=shop, opened_at=NOW - dt.timedelta(days=1), review__item_id="A", issue_type=size)

    with django_assert_max_num_queries(2):
        [table] = weekly_tables(week=WEEK, shop_ids=(shop.pk,), top_issue_keys=[])
    assert [row[0] for row in table.rows] == ["A", "B"]
    assert table.rows[0][-1] == "尺码不合适(2)、质量问题(1)"  # the order data, not A's case
    assert table.rows[1][-1] == f"{size.name}(1)"  # no reason for B: its cases' issue types


def test_when_every_top_product_has_a_reason_no_case_is_read(shop, django_assert_num_queries):
    after_sale(shop, "c1", "C", AfterSale.RETURN, D)
    with django_assert_num_queries(1):
        [table] = weekly_tables(week=WEEK, shop_ids=(shop.pk,), top_issue_keys=[])
    assert table.rows[0][-1] == "与描述不符(1)"


# --- a shop's rule in the pull and the import ------------------------------------------------------------


def rule_reads(queries) -> int:
    return sum("prevention_returnreasonrule" in q["sql"] for q in queries)


def test_the_pull_classifies_by_each_shops_rules_read_once_per_shop(shop, gw, connector):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    neighbour = ShopFactory(code="tb-neighbour-c", platform="taobao", name="淘宝邻店")
    gw.sessions.add("seller-session-2")
    connect(neighbour, gw, session_key="seller-session-2")
    override(shop)
    for n in range(12):
        make_order(shop, f"71{n:02}", status=OrderStatus.DELIVERED)
        make_order(neighbour, f"72{n:02}", status=OrderStatus.DELIVERED)
        gw.add_refund(f"m{n}", f"71{n:02}", modified=NOW - (n + 1) * H, reason="收到有色差")
        gw.add_refund(
            f"t{n}", f"72{n:02}", modified=NOW - (n + 1) * H, reason="收到有色差", session="seller-session-2"
        )

    with CaptureQueriesContext(connection) as queries:
        result = order_pull(now=NOW)

    assert (result.reasons, result.errors) == (24, 0)
    kinds = lambda s: set(Order.objects.filter(shop=s).values_list("after_sale_reason_kind", flat=True))  # noqa: E731
    assert kinds(shop) == {D}
    assert kinds(neighbour) == {OTHER}
    assert rule_reads(queries.captured_queries) == 2  # one per shop, whatever the number of refunds


def test_the_import_classifies_by_the_shops_rules_read_once_per_file(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine, theirs = ShopFactory(platform="douyin"), ShopFactory(platform="douyin")
    override(mine)
    coloured = DOUYIN.replace("尺码偏小", "收到有色差")
    assert order_import(shop=mine, data=coloured.encode("utf-8"), file_name="orders.csv").ok
    assert order_import(shop=theirs, data=coloured.encode("utf-8"), file_name="orders.csv").ok
    kind = lambda s: Order.objects.get(shop=s, order_no="6920000000001").after_sale_reason_kind  # noqa: E731
    assert (kind(mine), kind(theirs)) == (D, OTHER)

    def queries_for(rows: int) -> tuple[int, int]:
        shop = ShopFactory(platform="douyin")
        override(shop)
        lines = [
            f"69300000{n:05},连衣裙,3001,已完成,2026-11-10 10:00:00,退款成功,有色差" for n in range(rows)
        ]
        data = (DOUYIN.splitlines()[0] + "\n" + "\n".join(lines) + "\n").encode("utf-8")
        with CaptureQueriesContext(connection) as queries:
            assert order_import(shop=shop, data=data, file_name="orders.csv").ok
        assert set(Order.objects.filter(shop=shop).values_list("after_sale_reason_kind", flat=True)) == {D}
        return len(queries.captured_queries), rule_reads(queries.captured_queries)

    assert queries_for(2) == queries_for(40)
    assert queries_for(3)[1] == 1
