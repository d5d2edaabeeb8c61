"""``sms_send_test``: one message through the shop's account, its answer printed; refusals in words."""

import io

import pytest
from django.core.management import CommandError, call_command

from outreach.models import SmsMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_pack")]


def test_the_smoke_test_sends_one_message(aliyun_shop):
    out = io.StringIO()
    call_command(
        "sms_send_test",
        "--shop",
        "tb-main",
        "--to",
        "13800138000",
        "--template",
        "care",
        "--param",
        "coupon_amount=5",
        stdout=out,
    )
    message = SmsMessage.objects.get()
    assert (
        out.getvalue().strip()
        == f"短信 #{message.pk} 发往 138****8000：服务商已受理 {message.provider_message_id}"
    )
    assert aliyun_shop["gateway"].records[0]["params"] == {"shop_name": "淘宝旗舰店", "coupon_amount": "5"}


def test_a_refused_send_says_why(aliyun_shop):
    aliyun_shop["gateway"].fail_next = ["isv.AMOUNT_NOT_ENOUGH"]
    with pytest.raises(CommandError, match="短信账户余额不足"):
        call_command(
            "sms_send_test",
            "--shop",
            "tb-main",
            "--to",
            "13800138000",
            "--template",
            "care",
            "--param",
            "coupon_amount=5",
        )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--shop", "nope", "--to", "13800138000", "--template", "care"], "店铺代码“nope”不存在。"),
        (["--shop", "tb-main", "--to", "13800138000", "--template", "nope"], "没有可用的短信模板(nope)。"),
        (["--shop", "tb-main", "--to", "123", "--template", "care"], "手机号码不正确，无法发送短信。"),
    ],
)
def test_bad_input_is_refused_in_words(aliyun_shop, args, message):
    with pytest.raises(CommandError) as refusal:
        call_command("sms_send_test", *args)
    assert str(refusal.value) == message
    assert SmsMessage.objects.count() == 0
