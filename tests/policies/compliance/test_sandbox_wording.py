"""The sandbox's "check wording" box: the verdict and every finding (rule, category, reason, cited rule)
of the one checker, with the flagged words marked in the text as typed; bad input is a form error."""

import pytest
from django.urls import reverse

from policies.compliance.highlight import marked_pieces
from policies.decisions import ComplianceFinding, RuleRef
from tests.policies import admin_support
from tests.policies.admin_support import page

manager, manager_client = admin_support.manager, admin_support.manager_client
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def wording(**overrides):
    data = {"wording-platform": "taobao", "wording-channel": "private_message", "wording-shop": ""}
    data.update(overrides)
    return data


def test_a_reworded_inducement_is_shown_blocked_with_its_words_marked(manager_client):
    text = "亲，给个五星好评吧，好 评 后联系客服领取5元红包哦"
    body = page(manager_client.post(reverse("policies:sandbox"), wording(**{"wording-text": text})))
    assert 'id="wording-verdict" class="blocked">结论：拦截' in body
    assert "亲，给个五星好评吧，<mark>好 评 后联系客服领取</mark>5元红包哦" in body
    assert "利诱好评：评价词与利益词相邻" in body and "利诱好评" in body
    assert "网络交易监督管理办法" in body  # the cited platform rule
    assert "物流延误" not in body  # the review decision was not run


def test_ordinary_wording_passes_and_a_warning_is_a_warning(manager_client):
    body = page(
        manager_client.post(
            reverse("policies:sandbox"), wording(**{"wording-text": "感谢您的好评，欢迎再次光临"})
        )
    )
    assert "结论：通过" in body and "<mark>" not in body
    body = page(
        manager_client.post(
            reverse("policies:sandbox"),
            wording(**{"wording-platform": "douyin", "wording-text": "麻烦您删 评 一下"}),
        )
    )
    assert "结论：警告" in body and "<mark>删 评</mark>" in body and "要求改评/删评/追评" in body


def test_the_text_is_escaped_and_bad_input_is_a_form_error(manager_client):
    body = page(
        manager_client.post(
            reverse("policies:sandbox"), wording(**{"wording-text": "<script>好评返现</script>"})
        )
    )
    assert "<script>" not in body and "&lt;script&gt;<mark>好评返现</mark>" in body
    body = page(
        manager_client.post(
            reverse("policies:sandbox"), wording(**{"wording-channel": "fax", "wording-text": "x"})
        )
    )
    assert "选择一个有效的选项" in body and "wording-verdict" not in body
    body = page(manager_client.post(reverse("policies:sandbox"), wording(**{"wording-text": ""})))
    assert "该字段是必填项" in body and "wording-verdict" not in body


def test_the_page_offers_the_box(manager_client):
    body = page(manager_client.get(reverse("policies:sandbox")))
    assert 'id="check-wording"' in body and 'name="wording-text"' in body and 'name="wording-channel"' in body


def test_marked_pieces_merge_overlapping_spans():
    ref = RuleRef("compliancerule", 1, 1, "r")
    findings = [ComplianceFinding(ref, "block", "", "", start=s, end=e) for s, e in [(2, 4), (3, 6), (8, 9)]]
    assert marked_pieces("0123456789", findings) == [
        {"text": "01", "marked": False},
        {"text": "2345", "marked": True},
        {"text": "67", "marked": False},
        {"text": "8", "marked": True},
        {"text": "9", "marked": False},
    ]
