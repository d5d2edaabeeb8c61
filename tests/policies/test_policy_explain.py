"""policy_explain: the engine's whole decision on the command line, as text or one JSON object."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from policies.models import SlaTier

pytestmark = pytest.mark.django_db
ARGS = [
    "--platform",
    "taobao",
    "--rating",
    "bad",
    "--text",
    "物流太慢了，还压坏了",
    "--amount",
    "250",
    "--shipping-fee",
    "12",
    "--annual-spend",
    "0",
    "--at",
    "2026-11-20T23:30:00+08:00",
]


def explain_json(*args) -> dict:
    out = StringIO()
    call_command("policy_explain", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_json_carries_the_pinned_numbers(policy_pack):
    data = explain_json(*ARGS)
    assert data["classification"]["issue_type_code"] == "logistics"
    assert data["customer_tier"] == "ordinary"
    sla = data["sla"]
    assert (sla["first_response_minutes"], sla["handling_role"], sla["escalation_role"]) == (
        120,
        "agent",
        "supervisor",
    )
    assert sla["first_response_due_at"] == "2026-11-21T09:30:00+08:00"
    assert sla["first_response_warn_at"] == "2026-11-21T09:06:00+08:00"
    offers = {o["name"]: o for o in data["compensation"]}
    assert offers["赔偿运费(订单运费的1.5倍)"]["amount"] == "18.00"
    assert offers["补发 + 10元优惠券"]["extra_coupon"] == "10.00"
    assert data["facts"]["order_amount"] == "250.00"
    assert data["windows"]["appeal_until"] == "2026-12-20T23:30:00+08:00"
    templates = {t["name"]: t for t in data["templates"]}
    assert templates["公开回复(致歉说明)"]["compliance"]["blocked"] is False
    assert templates["公开回复(致歉说明)"]["compliance"]["max_length"] == 500
    assert {"model": "slatier", "name": "物流延误(2小时)"}.items() <= next(
        r for r in data["rule_refs"] if r["model"] == "slatier"
    ).items()


def test_text_output_explains(policy_pack):
    out = StringIO()
    call_command("policy_explain", *ARGS, "--rating", "差评", stdout=out)
    text = out.getvalue()
    assert "问题类型：物流延误/包裹破损" in text
    assert "首次响应：2小时，截止 2026-11-21 09:30" in text
    assert "赔偿运费(订单运费的1.5倍) — 金额18.00元" in text


def test_numeric_rating_and_quality_numbers(policy_pack):
    data = explain_json("--platform", "tmall", "--rating", "1", "--text", "质量太差", "--amount", "80")
    assert data["sla"]["first_response_minutes"] == 240
    assert data["sla"]["handling_role"] == "supervisor"
    refund = next(o for o in data["compensation"] if o["name"] == "退款 + 5元优惠券")
    assert (refund["amount"], refund["extra_coupon"]) == ("80.00", "5.00")


def test_shop_option_uses_the_shops_overrides(policy_pack, shop):
    from policies.models import IssueType

    SlaTier.objects.create(
        shop=shop,
        issue_type=IssueType.objects.get(code="logistics"),
        name="店铺物流",
        first_response_minutes=30,
        handling_role="agent",
    )
    data = explain_json(
        "--shop", shop.code, "--rating", "bad", "--text", "物流太慢", "--at", "2026-11-20T10:00:00+08:00"
    )
    assert data["sla"]["first_response_minutes"] == 30
    assert data["facts"]["platform"] == "taobao"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "amazon", "--rating", "bad"], "未知平台“amazon”"),
        (["--platform", "taobao", "--rating", "terrible"], "评分“terrible”无效"),
        (["--platform", "taobao", "--rating", "6"], "评分“6”无效"),
        (["--platform", "taobao", "--rating", "bad", "--amount", "abc"], "--amount“abc”不是有效金额"),
        (["--platform", "taobao", "--rating", "bad", "--amount", "-1"], "--amount不能为负数"),
        (["--platform", "taobao", "--rating", "bad", "--at", "tomorrow"], "--at“tomorrow”不是有效时间"),
        (["--platform", "taobao", "--rating", "bad", "--shop", "nope"], "店铺代码“nope”不存在"),
        (["--rating", "bad"], "请用 --platform 指定平台"),
        (["--platform", "taobao"], "请用 --rating 指定评分"),
    ],
)
def test_bad_arguments_get_a_clear_chinese_error(policy_pack, args, message):
    before = SlaTier.objects.count()
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("policy_explain", *args, stdout=out)
    assert out.getvalue() == ""
    assert SlaTier.objects.count() == before


def test_shop_on_another_platform_is_refused(policy_pack, other_shop):
    with pytest.raises(CommandError, match="与 --platform taobao 不一致"):
        call_command("policy_explain", "--shop", other_shop.code, "--platform", "taobao", "--rating", "bad")
