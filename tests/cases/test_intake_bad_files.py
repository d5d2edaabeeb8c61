"""Bad input files: each gets its Chinese message and nothing is written (all or nothing)."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.imports.uploads import reviews_import_file
from cases.models import ImportBatch, ImportMapping
from tests.cases.exports import DOUYIN_HEADERS, TAOBAO_HEADERS, csv_bytes, douyin_row, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot
from tests.factories import ShopFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _tb(*rows, **kwargs) -> bytes:
    return xlsx_bytes(TAOBAO_HEADERS, list(rows), **kwargs)


GOOD = taobao_row(1)

# (case id, file name, bytes or a callable, expected message fragment, settings overrides)
FILE_LEVEL = [
    ("empty", "空.xlsx", b"", "文件是空的", {}),
    ("pdf", "评价.pdf", b"%PDF-1.4 ...", "不支持的文件类型", {}),
    ("old-xls", "评价.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "不支持旧版Excel", {}),
    ("too-big", "big.csv", csv_bytes(TAOBAO_HEADERS, [GOOD] * 50), "文件过大", {"IMPORT_MAX_BYTES": 1000}),
    (
        "too-many-rows",
        "many.xlsx",
        _tb(*[taobao_row(i) for i in range(10)]),
        "行数过多",
        {"IMPORT_MAX_ROWS": 5},
    ),
    (
        "too-many-rows-csv",
        "many.csv",
        csv_bytes(TAOBAO_HEADERS, [taobao_row(i) for i in range(200)]),
        "行数过多",
        {"IMPORT_MAX_ROWS": 100},
    ),
    (
        "bomb-ratio",
        "bomb.xlsx",
        _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 8_000_000}),
        "压缩炸弹",
        {},
    ),
    ("bomb-total", "bomb2.xlsx", _tb(GOOD), "解压后过大", {"IMPORT_MAX_UNCOMPRESSED_BYTES": 2000}),
    ("not-a-zip", "坏.xlsx", b"this is not a spreadsheet at all", "不是有效的XLSX", {}),
    ("zip-without-workbook", "x.xlsx", _zip({"readme.txt": b"hello"}), "没有Excel工作簿", {}),
    ("zip-named-csv", "x.csv", _tb(GOOD), "内容却是压缩包", {}),
    ("binary-csv", "x.csv", b"\x00\x01\x02binary\x00\x00", "含二进制数据", {}),
    ("undecodable-csv", "x.csv", b"\xff\xfe\xff\xfe\x81\x30" * 20, "无法识别CSV的编码", {}),
    ("empty-workbook", "空表.xlsx", xlsx_bytes([], []), "没有任何内容", {}),
    (
        "wrong-sheet",
        "库存.xlsx",
        xlsx_bytes(["SKU编码", "库存数量", "仓库"], [["A1", 10, "杭州仓"]]),
        "没有找到可识别的表头",
        {},
    ),
    (
        "missing-columns",
        "缺列.xlsx",
        xlsx_bytes([h for h in TAOBAO_HEADERS if h not in ("评价等级", "评价时间")], [{}]),
        "缺少必需的列：评价等级、评价时间",
        {},
    ),
    ("header-only", "只有表头.xlsx", _tb(), "表头下面没有数据行", {}),
    ("header-only-csv", "只有表头.csv", csv_bytes(TAOBAO_HEADERS, []), "表头下面没有数据行", {}),
]


@pytest.mark.parametrize(
    "name, data, expected, overrides", [c[1:] for c in FILE_LEVEL], ids=[c[0] for c in FILE_LEVEL]
)
def test_file_level_problem_is_explained_and_nothing_written(shop, settings, name, data, expected, overrides):
    for key, value in overrides.items():
        setattr(settings, key, value)
    before = snapshot()

    result = reviews_import_file(shop=shop, data=data, file_name=name)

    assert not result.ok
    assert expected in result.error["message"]
    assert snapshot() == before
    failed = ImportBatch.objects.get()
    assert failed.status == "failed" and failed.errors[0]["message"] == result.error["message"]


# (case id, row overrides, expected column, message fragment)
ROW_LEVEL = [
    ("unknown-level", {"评价等级": "一般"}, "评价等级", "无法识别的评价等级“一般”"),
    ("rating-out-of-range", {"评价等级": "7"}, "评价等级", "超出1–5的范围"),
    ("unreadable-date", {"评价时间": "上周三"}, "评价时间", "日期时间“上周三”无法识别"),
    ("impossible-date", {"评价时间": "2026-02-30 10:00"}, "评价时间", "不存在"),
    ("negative-amount", {"实付金额": "-5"}, "实付金额", "金额不能为负数"),
    ("amount-not-number", {"实付金额": "五十九元"}, "实付金额", "不是有效数字"),
    ("required-empty", {"买家昵称": "  "}, "买家昵称", "必填，不能为空"),
    ("order-number-lost-precision", {"订单编号": 3.1e17, "子订单编号": ""}, "订单编号", "丢失精度"),
    ("nick-too-long", {"买家昵称": "长" * 101}, "买家昵称", "超过100个字符"),
    ("append-date-bad", {"追评内容": "追评", "追评时间": "明天"}, "追评时间", "无法识别"),
]


@pytest.mark.parametrize(
    "overrides, column, expected", [c[1:] for c in ROW_LEVEL], ids=[c[0] for c in ROW_LEVEL]
)
def test_bad_row_is_reported_with_row_column_and_reason_and_nothing_written(
    shop, overrides, column, expected
):
    before = snapshot()
    data = _tb(taobao_row(1), taobao_row(2), taobao_row(3, **overrides))

    result = reviews_import_file(shop=shop, data=data, file_name="x.xlsx")

    assert not result.ok
    assert result.error["message"] == "有1处错误，整个文件未导入。请修正后重新上传。"
    assert [(e["row"], e["column"]) for e in result.errors] == [(4, column)]
    assert expected in result.errors[0]["message"]
    assert snapshot() == before


def test_every_bad_row_is_reported_not_only_the_first(shop):
    before = snapshot()
    rows = [
        taobao_row(1, 评价等级="坏"),
        taobao_row(2),
        taobao_row(3, 评价时间="x", 实付金额="abc"),
        taobao_row(4, 评价等级=""),
    ]
    result = reviews_import_file(shop=shop, data=_tb(*rows), file_name="x.xlsx")
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (2, "评价等级"),
        (4, "评价时间"),
        (4, "实付金额"),
        (5, "评价等级"),
    ]
    assert result.error_count == 4
    assert snapshot() == before


def test_same_review_twice_with_different_content_is_an_error(shop):
    before = snapshot()
    result = reviews_import_file(
        shop=shop, data=_tb(taobao_row(1), taobao_row(1, 评价内容="改过的内容")), file_name="x.xlsx"
    )
    assert result.errors == [
        {
            "row": 3,
            "column": "订单编号",
            "field": "order_no",
            "message": "与第2行是同一条评价(同一订单/商品)，但内容不同",
        }
    ]
    assert snapshot() == before


def test_douyin_score_out_of_range(other_shop):
    before = snapshot()
    result = reviews_import_file(
        shop=other_shop, data=xlsx_bytes(DOUYIN_HEADERS, [douyin_row(1, 商品评价得分=0)]), file_name="d.xlsx"
    )
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "商品评价得分")]
    assert "超出1–5的范围" in result.errors[0]["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "column, value, expected",
    [
        ("店铺代码", "other-shop", "店铺代码“other-shop”与所选店铺(jd-y)不一致"),
        ("平台", "taobao", "与所选店铺的平台(京东)不一致"),
        ("买家IP", "999.1.1.1", "不是有效的IP地址"),
    ],
)
def test_generic_template_shop_platform_and_ip_checks(db, column, value, expected):
    jd = ShopFactory(code="jd-y", platform="jd")
    before = snapshot()
    headers = ["订单编号", "评分", "评价时间", "买家昵称", column]
    result = reviews_import_file(
        shop=jd, data=csv_bytes(headers, [["1", "1", "2026-11-20", "a", value]]), file_name="g.csv"
    )
    assert result.errors[0]["message"] == expected or expected in result.errors[0]["message"]
    assert snapshot() == before


def test_no_active_mapping_for_the_platform(shop):
    ImportMapping.objects.update(active=False)
    before = snapshot()
    result = reviews_import_file(shop=shop, data=_tb(GOOD), file_name="x.xlsx")
    assert result.error["message"] == "该平台没有可用的导入列映射，请管理员在后台配置。"
    assert snapshot() == before


def test_command_refuses_unknown_shop_and_missing_file(shop, tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(_tb(GOOD))
    before = snapshot()
    with pytest.raises(CommandError, match="未知店铺代码“nope”"):
        call_command("import_reviews", str(path), "--shop", "nope")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_reviews", str(tmp_path / "missing.xlsx"), "--shop", shop.code)
    assert snapshot() == before
