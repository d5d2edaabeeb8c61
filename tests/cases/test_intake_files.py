"""Each platform mapping and each tolerated variation of real export files."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.imports.uploads import reviews_import_file
from cases.models import Case, ImportBatch, Review
from tests.cases.exports import (
    DOUYIN_HEADERS,
    TAOBAO_HEADERS,
    csv_bytes,
    douyin_row,
    taobao_row,
    xlsx_bytes,
)
from tests.factories import ShopFactory

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("policy_pack")


def test_taobao_xlsx_creates_reviews_with_normalised_values(shop):
    data = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(2, 评价等级="好评", 评价内容="很好，好评")])

    result = reviews_import_file(shop=shop, data=data, file_name="淘宝评价.xlsx")

    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    assert result.mapping == "淘宝/天猫评价导出"
    review = Review.objects.get(order_no="3100000000000001")
    assert review.external_id == "sub:310000000000000101"
    assert (review.rating, review.rating_text) == (1, "差评")
    assert review.order_amount == Decimal("59.00")
    assert review.shipping_fee == Decimal("0.00")
    assert review.reviewed_at == dt.datetime(2026, 11, 20, 13, 5, tzinfo=SH)
    assert (
        review.item_id == "640012345678" and review.sku == "颜色分类:奶白色" and review.courier == "中通快递"
    )
    assert review.buyer.nick == "t**买家1" and review.buyer.negative_review_count == 1
    assert Review.objects.get(order_no="3100000000000002").rating == 5
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.status, batch.row_count, batch.created_count, batch.cases_opened) == (
        "completed",
        2,
        2,
        result.cases_opened,
    )


def test_tmall_shop_uses_the_taobao_mapping(db):
    tmall = ShopFactory(code="tm-x", platform="tmall")
    result = reviews_import_file(
        shop=tmall, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="t.xlsx"
    )
    assert result.ok and result.created == 1
    assert Review.objects.get().platform == "tmall"


def test_douyin_xlsx_keeps_scores_and_derives_id_from_order_and_item(other_shop):
    rows = [
        douyin_row(1, 商品评价得分=2, 商家是否回复="是", 回复内容="亲，已为您补发"),
        douyin_row(2, 商品评价得分="5"),
    ]

    result = reviews_import_file(
        shop=other_shop, data=xlsx_bytes(DOUYIN_HEADERS, rows), file_name="抖店.xlsx"
    )

    assert result.ok, result.errors
    assert result.mapping == "抖店评价导出"
    first = Review.objects.get(order_no="6900000000000001")
    assert first.external_id == "order:6900000000000001:item:3600001"
    assert (first.rating, first.seller_replied, first.reply_content) == (2, True, "亲，已为您补发")
    assert Review.objects.get(order_no="6900000000000002").rating == 5


def test_generic_template_csv(db):
    jd = ShopFactory(code="jd-x", platform="jd")
    headers = [
        "评价ID",
        "订单编号",
        "商品ID",
        "商品名称",
        "评分",
        "评价内容",
        "评价时间",
        "买家昵称",
        "买家IP",
        "实付金额",
        "店铺代码",
    ]
    row = [
        "JD-R-1",
        "880001",
        "1001",
        "蓝牙音箱",
        "2",
        "音质很差",
        "2026-11-20 10:00",
        "jd_买家",
        "10.0.0.8",
        "199",
        "jd-x",
    ]

    result = reviews_import_file(shop=jd, data=csv_bytes(headers, [row]), file_name="generic.csv")

    assert result.ok, result.errors
    assert result.mapping == "通用模板"
    review = Review.objects.get()
    assert (review.external_id, review.rating, review.buyer_ip, review.order_amount) == (
        "JD-R-1",
        2,
        "10.0.0.8",
        Decimal("199.00"),
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding(shop, encoding):
    rows = (
        [taobao_row(1, 评价内容="质量差，杯子有裂纹"), taobao_row(2, 买家昵称="䶮**")]
        if encoding == "gb18030"
        else [taobao_row(1, 评价内容="质量差，杯子有裂纹")]
    )
    result = reviews_import_file(
        shop=shop, data=csv_bytes(TAOBAO_HEADERS, rows, encoding=encoding), file_name="export.csv"
    )
    assert result.ok, (result.error, result.errors)
    assert Review.objects.get(order_no="3100000000000001").content == "质量差，杯子有裂纹"
    if encoding == "gb18030":
        assert Review.objects.get(order_no="3100000000000002").buyer_nick == "䶮**"


def test_tab_separated_csv_is_sniffed(shop):
    data = csv_bytes(TAOBAO_HEADERS, [taobao_row(1)], delimiter="\t")
    result = reviews_import_file(shop=shop, data=data, file_name="export.csv")
    assert result.ok and result.created == 1


def test_any_column_order_extra_columns_and_spaced_headers(shop):
    headers = list(reversed(TAOBAO_HEADERS)) + ["备注", "卖家旺旺"]
    row = taobao_row(1)
    spaced = [f"  {h} " for h in headers]
    values = [row.get(h, "无关内容") for h in headers]
    result = reviews_import_file(shop=shop, data=xlsx_bytes(spaced, [values]), file_name="x.xlsx")
    assert result.ok, result.errors
    assert Review.objects.get().sub_order_no == "310000000000000101"


def test_header_aliases_and_title_rows_above_the_header(shop):
    headers = [
        "订单号",
        "子订单号",
        "商品标题",
        "宝贝ID",
        "评价结果",
        "初评内容",
        "初评时间",
        "买家会员名",
        "实付款",
    ]
    values = [
        "3100000000000009",
        "310000000000000901",
        "马克杯",
        "640012345678",
        "中评",
        "一般般",
        "2026/11/20 13:05",
        "t**9",
        "59",
    ]
    data = xlsx_bytes(headers, [values], title_rows=[["淘宝评价导出 2026-11-21"], []])
    result = reviews_import_file(shop=shop, data=data, file_name="x.xlsx")
    assert result.ok, (result.error, result.errors)
    assert result.header_row == 3
    review = Review.objects.get()
    assert (review.order_no, review.rating, review.item_title) == ("3100000000000009", 3, "马克杯")


def test_full_width_digits_currency_signs_and_excel_text_numbers(shop):
    rows = [
        taobao_row(1, 订单编号="３１０００００００００００００１", 实付金额="¥1,059.50", 运费="８元"),
        taobao_row(2, 实付金额="59.00元", 运费="RMB 12"),
        taobao_row(3, 实付金额=59.9, 运费=0),
    ]
    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")
    assert result.ok, result.errors
    first = Review.objects.get(sub_order_no="310000000000000101")
    assert (first.order_no, first.order_amount, first.shipping_fee) == (
        "3100000000000001",
        Decimal("1059.50"),
        Decimal("8.00"),
    )
    second = Review.objects.get(sub_order_no="310000000000000201")
    assert (second.order_amount, second.shipping_fee) == (Decimal("59.00"), Decimal("12.00"))
    assert Review.objects.get(sub_order_no="310000000000000301").order_amount == Decimal("59.90")


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2026-11-20 13:05:00", dt.datetime(2026, 11, 20, 13, 5, tzinfo=SH)),
        ("2026/11/20 13:05", dt.datetime(2026, 11, 20, 13, 5, tzinfo=SH)),
        ("2026年11月20日 13:05", dt.datetime(2026, 11, 20, 13, 5, tzinfo=SH)),
        ("2026年11月20日", dt.datetime(2026, 11, 20, tzinfo=SH)),
        ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=SH)),
        (dt.datetime(2026, 11, 20, 13, 5, 30), dt.datetime(2026, 11, 20, 13, 5, 30, tzinfo=SH)),
        (dt.date(2026, 11, 20), dt.datetime(2026, 11, 20, tzinfo=SH)),
    ],
)
def test_excel_date_cells_and_text_dates(shop, cell, expected):
    result = reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1, 评价时间=cell)]), file_name="x.xlsx"
    )
    assert result.ok, result.errors
    assert Review.objects.get().reviewed_at == expected


def test_blank_lines_are_skipped_and_rows_numbered_as_in_excel(shop):
    rows = [
        taobao_row(1),
        [None] * len(TAOBAO_HEADERS),
        ["  "] * len(TAOBAO_HEADERS),
        taobao_row(2, 评价等级="坏"),
    ]
    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")
    assert not result.ok
    assert [(e["row"], e["column"]) for e in result.errors] == [(5, "评价等级")]
    rows[3] = taobao_row(2)
    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")
    assert result.ok and result.rows == 2 and result.created == 2


def test_identical_duplicate_rows_in_one_file_are_one_review(shop):
    result = reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(1)]), file_name="x.xlsx"
    )
    assert result.ok and (result.created, result.unchanged) == (1, 1)
    assert Review.objects.count() == 1


def test_second_sheet_is_used_when_the_first_has_no_header(shop):
    data = xlsx_bytes(
        ["说明"],
        [["本文件由系统导出"]],
        sheet_title="说明",
        extra_sheets=[("评价", [TAOBAO_HEADERS, [taobao_row(1)[h] for h in TAOBAO_HEADERS]])],
    )
    result = reviews_import_file(shop=shop, data=data, file_name="x.xlsx")
    assert result.ok and result.sheet == "评价" and result.created == 1


def test_formulas_are_never_evaluated(shop):
    row = taobao_row(1, 评价内容='=HYPERLINK("http://evil.example","点我")', 实付金额="=1+1")
    data = xlsx_bytes(TAOBAO_HEADERS, [row])
    result = reviews_import_file(shop=shop, data=data, file_name="x.xlsx")
    # openpyxl stores a formula without a cached value: calamine reads the empty cache, never computes.
    assert result.ok, result.errors
    review = Review.objects.get()
    assert review.order_amount is None
    assert "evil" not in review.content


def test_csv_excel_text_trick_is_unwrapped(shop):
    data = csv_bytes(
        TAOBAO_HEADERS, [taobao_row(1, 子订单编号='="310000000000000101"', 订单编号="'3100000000000001")]
    )
    result = reviews_import_file(shop=shop, data=data, file_name="x.csv")
    assert result.ok, result.errors
    review = Review.objects.get()
    assert (review.sub_order_no, review.order_no) == ("310000000000000101", "3100000000000001")


def test_dry_run_writes_nothing_but_counts(shop):
    result = reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="x.xlsx", dry_run=True
    )
    assert result.ok and result.dry_run and result.created == 1 and result.cases_opened == 1
    assert result.batch_id is None
    assert (Review.objects.count(), Case.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)
