"""A file meant for another platform's shop (a Taobao export uploaded for a 抖店 shop) is refused as
before, and the refusal says whose format its header is: the wrong shop was chosen. Nothing is written."""

import pytest
from django.utils import translation

from cases.imports.uploads import reviews_import_file
from tests.cases.exports import DOUYIN_HEADERS, TAOBAO_HEADERS, douyin_row, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot
from tests.factories import ShopFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture
def douyin_shop(db):
    return ShopFactory(code="dy-wrong", platform="douyin", name="抖店测试店")


def test_a_taobao_export_for_a_douyin_shop_says_it_is_taobao_s(douyin_shop):
    before = snapshot()

    result = reviews_import_file(
        shop=douyin_shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="淘宝评价.xlsx"
    )

    assert not result.ok and result.error["code"] == "missing_columns"
    message = result.error["message"]
    assert message.startswith("按“")  # the closest miss is still named first
    assert message.endswith("这个表头完整符合“淘宝/天猫评价导出”，那是淘宝、天猫店铺的格式：是否选错了店铺？")
    assert snapshot() == before


def test_the_hint_reads_in_english(douyin_shop):
    with translation.override("en"):
        result = reviews_import_file(
            shop=douyin_shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="a.xlsx"
        )
        message = str(result.error["message"])

    assert "was the wrong shop chosen?" in message and "Taobao" in message


def test_a_file_that_fits_no_platform_gets_no_hint(douyin_shop):
    result = reviews_import_file(
        shop=douyin_shop, data=xlsx_bytes(["订单编号", "备注"], [["1", "x"]]), file_name="a.xlsx"
    )

    assert not result.ok and "选错了店铺" not in result.error["message"]


def test_a_douyin_export_for_its_own_shop_needs_no_hint(douyin_shop):
    result = reviews_import_file(
        shop=douyin_shop, data=xlsx_bytes(DOUYIN_HEADERS, [douyin_row(1)]), file_name="a.xlsx"
    )

    assert result.ok and result.created == 1
