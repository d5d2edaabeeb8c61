"""The normaliser: every disguise of the issue's examples folds to the canonical form, and every
canonical character still knows where in the original text it came from."""

import pytest

from policies.compliance.normalise import normalise, normalise_phrase


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("好 评 返 现", "好评返现"),  # spaces
        ("好\u200b评\u200c返\u200d现\ufeff", "好评返现"),  # zero-width characters
        ("好-评.返_现！", "好评返现"),  # punctuation and separators
        ("ＨＡＯ評返現", "好评返现"),  # full-width letters, traditional characters, pinyin
        ("hao评 返xian", "好评返现"),
        ("五星好评", "5星好评"),  # numerals before a unit
        ("5⭐好评", "5星好评"),  # a star symbol
        ("五颗星", "5星"),
        ("返十块钱", "返10元"),
        ("二十五元", "25元"),
        ("两千五百元", "2500元"),
        ("加我wx", "加我微信"),
        ("加我V信", "加我微信"),
        ("薇信威信微x", "微信微信微信"),
        ("加微 kf1234", "加微信kf1234"),
        ("扣扣 QQ", "qqqq"),
        ("关注公主号", "关注公众号"),
        ("一三八 1234 五六七八", "13812345678"),  # a phone number spoken digit by digit
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("🧧", "红包"),
    ],
)
def test_disguises_fold_to_the_canonical_form(text, canonical):
    assert normalise(text).text == canonical


@pytest.mark.parametrize(
    "text", ["十分抱歉", "一下子", "一直以来", "加vip会员", "纽扣", "好苹果", "订单号评价", "加维修费"]
)
def test_ordinary_words_are_not_rewritten(text):
    assert normalise(text).text == text


def test_each_canonical_character_maps_back_to_its_original_span():
    text = "亲，好 评 后联系客服领取五元🧧哦"
    result = normalise(text)
    assert result.text == "亲好评后联系客服领取5元红包哦"
    start = result.text.index("好评")
    assert result.original_text(start, start + 2) == "好 评"
    five = result.text.index("5元")
    assert result.original_text(five, five + 2) == "五元"
    packet = result.text.index("红包")
    assert result.original_span(packet, packet + 2) == (text.index("🧧"), text.index("🧧") + 1)


def test_a_rewritten_word_maps_to_everything_it_replaced():
    text = "加我 w x：kefu88"
    result = normalise(text)
    assert result.text == "加我微信kefu88"
    index = result.text.index("微信")
    assert result.original_text(index, index + 2) == "w x"


def test_empty_and_symbol_only_texts():
    assert normalise("").text == "" and normalise("").original_span(0, 0) == (0, 0)
    assert normalise("！？…  ").text == ""


def test_phrases_are_normalised_like_texts():
    assert normalise_phrase("五星好評 返現") == "5星好评返现"
