"""``reviewdesk.pii.mask_free_text``: phone numbers, ID numbers and addresses typed into free text are
masked, the rest of the text stays readable (F10)."""

from __future__ import annotations

import pytest
from django.utils import translation

from reviewdesk.pii import mask_address, mask_free_text, mask_phone

P, N, ID, A = "[电话已隐藏]", "[号码已隐藏]", "[证件号已隐藏]", "[地址已隐藏]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("打我电话13812345678", f"打我电话{P}"),
        ("打我电话138 1234 5678谢谢", f"打我电话{P}谢谢"),
        ("电话138-1234-5678。", f"电话{P}。"),
        ("电话138.1234.5678", f"电话{P}"),
        ("全角１３８１２３４５６７８", f"全角{P}"),
        ("全角带空格１３８　１２３４　５６７８", f"全角带空格{P}"),
        ("+86 138 1234 5678", P),
        ("+86-13812345678", P),
        ("＋８６１３８１２３４５６７８", P),
        ("(+86)13812345678", P),
        ("008613812345678", P),
        ("座机021-68881234", f"座机{P}"),
        ("座机（０２１）６８８８１２３４", f"座机{P}"),
        ("座机 0571 8888 1234", f"座机 {P}"),
        ("QQ 12345678", f"QQ {N}"),
        ("身份证110101199003071234", f"身份证{ID}"),
        ("身份证11010119900307123X", f"身份证{ID}"),
        ("身份证 110101 19900307 123x", f"身份证 {ID}"),
        ("身份证１１０１０１１９９００３０７１２３４", f"身份证{ID}"),
        ("老身份证110101900307123", f"老身份证{ID}"),
        ("寄到上海市浦东新区世纪大道100号3栋", f"寄到上海市浦东新区{A}"),
        ("住在杭州市西湖区文三路 90 号东部软件园2号楼3层", f"住在杭州市西湖区{A}"),
        ("送到中山路１００号，谢谢", f"送到{A}，谢谢"),
        ("阳光花园3栋2单元501室", A),
        ("河北省保定市清苑区张家村5组", f"河北省保定市清苑区{A}"),
        ("北京市朝阳区建国路", f"北京市朝阳区{A}"),
    ],
)
def test_typed_in_personal_data_is_masked(text, masked):
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "质量很差，做工粗糙，开线了，3天就坏了",
        "买了2件，100元，尺码偏小一号，在超市买的更好",
        "iPhone 15 Pro 256G 黑色",
        "货号 AB-1234567",
        "5.5 cm × 6.5 cm，2024年11月20日到货",
        "2024-11-20到货，2024.11.25 才联系我，2024/12/01 又坏了",
        "浙江省杭州市余杭区五常街道",
        "",
    ],
)
def test_ordinary_text_is_left_as_written(text):
    assert mask_free_text(text) == text


def test_masking_is_idempotent_and_keeps_the_rest_of_the_text():
    text = "快递把盒子压坏了，打我电话138 1234 5678，寄到上海市浦东新区世纪大道100号3栋，身份证110101199003071234"
    once = mask_free_text(text)

    assert once == f"快递把盒子压坏了，打我电话{P}，寄到上海市浦东新区{A}，身份证{ID}"
    assert mask_free_text(once) == once
    assert mask_free_text(None) == ""


def test_the_placeholders_speak_the_readers_language():
    with translation.override("en"):
        assert mask_free_text("电话13812345678") == "电话[phone hidden]"
        assert mask_free_text("中山路100号") == "[address hidden]"


def test_the_contact_field_masks_are_the_same_as_before():
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("１３８１２３４５６７８") == "138****5678"
    assert mask_address("浙江省杭州市西湖区文三路100号3栋") == "浙江省杭州市********"
