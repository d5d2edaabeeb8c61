"""The three rule kinds on normalised text, per-platform actions, explainable findings with the original
span, and a rule's validation in the admin's words (a bad regex, an empty term list, a bad override)."""

import pytest
from django.core.exceptions import ValidationError

from policies.compliance.match import build_spec
from policies.decisions import RuleRef
from policies.engine import check_compliance
from policies.models import ComplianceRule


class _Policy:
    """Only what check_compliance reads; the rules come from build_spec, as the loader builds them."""

    def __init__(self, *rows):
        self.compliance_rules = tuple(
            build_spec(RuleRef("compliancerule", i, 1, row["name"]), row) for i, row in enumerate(rows)
        )
        self.compliance_cache = {}
        self.platform_rule = None


COMBINATION = {
    "name": "评价+利益",
    "category": "inducement",
    "match_mode": "combination",
    "terms_a": "好评\n[45]星",
    "terms_b": "红包\n[0-9]+元",
    "distance": 6,
    "action": "warn",
    "platform_actions": "taobao:block",
    "cited_rule": "网络交易监督管理办法第十四条",
    "reason": "以利益换取好评",
}


def check(text, *rows, platform="taobao", channel="private_message"):
    return check_compliance(text, platform=platform, channel=channel, policy=_Policy(*rows))


def test_combination_matches_either_order_within_the_distance():
    assert check("好评送红包", COMBINATION).findings
    assert check("红包等您，给个五星", COMBINATION).findings  # B before A, numeral folded
    assert not check(
        "好评是对我们最大的鼓励，另外我们给您补发了一个红包", COMBINATION
    ).findings  # too far apart
    assert not check("感谢您的好评", COMBINATION).findings  # A alone


def test_a_finding_is_explainable_and_reports_the_original_span():
    text = "亲，好 評 后领五元红包"
    (finding,) = check(text, COMBINATION).findings
    assert finding.rule.name == "评价+利益" and finding.category == "inducement"
    assert finding.cited_rule == "网络交易监督管理办法第十四条" and finding.reason == "以利益换取好评"
    # the tightest pair (好评 … 5元), in the original's characters
    assert (finding.start, finding.end) == (2, 10)
    assert finding.matched == text[2:10] == "好 評 后领五元"
    assert finding.as_dict()["matched"] == finding.matched


def test_the_action_follows_the_platform():
    assert check("好评红包", COMBINATION, platform="taobao").findings[0].action == "block"
    report = check("好评红包", COMBINATION, platform="jd")
    assert report.findings[0].action == "warn" and not report.blocked


def test_phrases_are_matched_after_normalising_both_sides():
    rule = {"name": "p", "match_mode": "keywords", "patterns": "五星好評返現", "reason": "r"}
    assert check("5 ⭐ 好 评 返 现", rule).findings[0].matched == "5 ⭐ 好 评 返 现"


def test_phrases_may_be_separated_by_commas_as_in_every_keyword_list():
    rule = {"name": "p", "match_mode": "keywords", "patterns": "好评返现，晒图有礼、好评免单", "reason": "r"}
    assert check("亲，晒 图 有 礼", rule).findings and check("好评免单", rule).findings


def test_regex_is_matched_on_the_normalised_text():
    rule = {"name": "r", "match_mode": "regex", "patterns": r"加.{0,2}微信", "reason": "r"}
    assert check("加 我 V信", rule).findings[0].matched == "加 我 V信"


def test_same_category_same_words_make_one_finding():
    phrase = {**COMBINATION, "name": "短语", "match_mode": "keywords", "patterns": "好评红包"}
    report = check("好评红包", phrase, COMBINATION)
    assert [f.rule.name for f in report.findings] == ["短语"]


def test_a_rule_saved_around_validation_matches_nothing_instead_of_crashing():
    broken = {"name": "坏", "match_mode": "regex", "patterns": "([", "reason": "r"}
    assert build_spec(RuleRef("compliancerule", 1, 1, "坏"), broken) is None


def rule(**fields):
    values = {"name": "测试规则", "reason": "原因", "match_mode": "keywords", "patterns": "好评返现"}
    values.update(fields)
    return ComplianceRule(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"match_mode": "regex", "patterns": "好评(返"}, "patterns", "正则表达式“好评(返”无效"),
        ({"patterns": ""}, "patterns", "至少填写一行"),
        (
            {"match_mode": "combination", "patterns": "", "terms_a": "", "terms_b": "红包"},
            "terms_a",
            "甲类词",
        ),
        ({"match_mode": "combination", "terms_a": "好评", "terms_b": "红[包"}, "terms_b", "无效"),
        (
            {"match_mode": "combination", "terms_a": "好评", "terms_b": "红包", "distance": 0},
            "distance",
            "1到200",
        ),
        ({"platform_actions": "taobao:ban"}, "platform_actions", "平台:处理"),
        (
            {"platform_actions": "amazon:block"},
            "platform_actions",
            "平台为淘宝、天猫、抖店、京东、拼多多、快手小店之一",
        ),
    ],
)
def test_validation_names_the_problem_in_chinese(fields, field, message):
    with pytest.raises(ValidationError) as caught:
        rule(**fields).full_clean()
    assert message in " ".join(caught.value.message_dict[field])
    assert not ComplianceRule.objects.filter(name="测试规则").exists()


@pytest.mark.django_db
def test_a_valid_combination_rule_saves():
    saved = rule(
        match_mode="combination",
        patterns="",
        terms_a="好评",
        terms_b="红包",
        distance=8,
        category="inducement",
        platform_actions="taobao:block, jd：warn",
    )
    saved.full_clean()
    saved.save()
    assert ComplianceRule.objects.get(pk=saved.pk).terms_b == "红包"
