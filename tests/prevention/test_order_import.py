"""Order exports of the four platforms: mapped by data, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from prevention.choices import AfterSale, OrderStatus
from prevention.models import Order
from prevention.orders import order_import
from tests.factories import ShopFactory
from tests.prevention.conftest import SH

pytestmark = pytest.mark.django_db

TAOBAO = (
    "订单编号,买家会员名,宝贝标题,订单付款时间,订单状态,物流公司,物流单号,发货时间,退款状态\n"
    '="3901234567890123",tb_buyer,保温杯,2026-11-16 10:00:00,"买家已付款，等待卖家发货",,,,\n'
    "3901234567890124,tb_buyer2,保温杯,2026/11/15 09:30,卖家已发货，等待买家确认,顺丰速运,No:SF1234567890,2026-11-15 18:00:00,\n"
    "3901234567890125,tb_buyer2,保温杯,2026年11月1日 09:30,交易成功,中通快递,ZT998877,2026-11-02 10:00:00,退款成功\n"
)
PDD = (
    "商品,订单号,订单状态,支付时间,承诺发货时间,快递公司,快递单号,售后状态,样式\n"
    "纸巾,261116-123456789,待发货,2026-11-16 08:00:00,2026-11-17 08:00:00,,,,10包\n"
    '纸巾,261116-123456790,"已发货，待签收",2026-11-14 08:00:00,2026-11-15 08:00:00,韵达快递,YD123,,10包\n'
)


def test_a_taobao_export_becomes_orders_with_their_promise_and_courier(db):
    shop = ShopFactory(platform="taobao")
    result = order_import(shop=shop, data=TAOBAO.encode("utf-8"), file_name="订单报表.csv")
    assert result.ok, (result.file_error, result.errors)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    waiting = Order.objects.get(shop=shop, order_no="3901234567890123")
    assert waiting.status == OrderStatus.AWAITING_SHIPMENT
    assert waiting.paid_at == dt.datetime(2026, 11, 16, 10, 0, tzinfo=SH)
    # No ship-by column: the mapping's 48 hours after payment.
    assert waiting.ship_by == dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)
    moving = Order.objects.get(shop=shop, order_no="3901234567890124")
    assert (moving.status, moving.courier, moving.tracking_no) == (
        OrderStatus.IN_TRANSIT,
        "顺丰速运",
        "SF1234567890",
    )
    done = Order.objects.get(shop=shop, order_no="3901234567890125")
    assert (done.status, done.after_sale) == (OrderStatus.DELIVERED, AfterSale.REFUND)


def test_a_pinduoduo_export_is_read_with_its_own_mapping(db):
    shop = ShopFactory(platform="pdd")
    result = order_import(shop=shop, data=PDD.encode("gb18030"), file_name="orders.csv")
    assert result.ok and result.mapping_name == "拼多多 订单导出"
    order = Order.objects.get(shop=shop, order_no="261116-123456789")
    assert order.ship_by == dt.datetime(2026, 11, 17, 8, 0, tzinfo=SH)  # the file's own promise
    assert order.sku == "10包"
    assert Order.objects.get(shop=shop, order_no="261116-123456790").status == OrderStatus.IN_TRANSIT


def test_importing_again_updates_in_place_and_adds_nothing(db):
    shop = ShopFactory(platform="taobao")
    order_import(shop=shop, data=TAOBAO.encode(), file_name="a.csv")
    again = order_import(shop=shop, data=TAOBAO.encode(), file_name="a.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    shipped = TAOBAO.replace(
        '"买家已付款，等待卖家发货",,,', "卖家已发货，等待买家确认,圆通速递,YT555,2026-11-17 09:00:00"
    )
    third = order_import(shop=shop, data=shipped.encode(), file_name="b.csv")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Order.objects.filter(shop=shop).count() == 3
    order = Order.objects.get(shop=shop, order_no="3901234567890123")
    assert (order.status, order.courier, order.tracking_no) == (OrderStatus.IN_TRANSIT, "圆通速递", "YT555")


def test_one_bad_row_refuses_the_whole_file_with_every_problem(db):
    shop = ShopFactory(platform="taobao")
    bad = (
        TAOBAO
        + "3901234567890126,x,杯,明天,待付尾款,,,,\n"
        + '3901234567890127,=HYPERLINK("http://x"),杯,,交易成功,,,,\n'
    )
    result = order_import(shop=shop, data=bad.encode(), file_name="bad.csv")
    assert not result.ok and result.error_count == 3
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "订单付款时间"),
        (5, "订单状态"),
        (6, "买家会员名"),
    ]
    assert "待付尾款" in result.errors[1].message
    assert Order.objects.filter(shop=shop).count() == 0  # nothing written, not even the good rows


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "a.csv", "空"),
        (b"PK\x03\x04junk", "a.csv", "压缩包"),
        (b"\xd0\xcf\x11\xe0", "a.xls", ".xls"),
        ("评价内容,评分\n很好,5\n".encode(), "a.csv", "表头"),
        (b"PK\x03\x04broken", "a.xlsx", "XLSX"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_words(db, data, name, words):
    shop = ShopFactory(platform="taobao")
    result = order_import(shop=shop, data=data, file_name=name)
    assert words in result.file_error
    assert Order.objects.count() == 0
