"""``manage.py compliance_check``: texts from arguments or a file, readable or JSON lines, and the exit
status (0 all ok, 1 any finding, 2 bad usage)."""

import json

import pytest
from django.core.management import CommandError, call_command

from policies.models import ComplianceRule
from tests.factories import ShopFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def run(*args):
    """(exit status, stdout lines)."""
    import io

    out = io.StringIO()
    try:
        call_command("compliance_check", *args, stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue().splitlines()


def test_json_prints_one_object_per_text_and_exits_1_on_a_finding():
    status, lines = run(
        "--platform", "taobao", "--channel", "private_message", "--json", "好 评 返 现", "您好，已发货"
    )
    assert status == 1
    first, second = (json.loads(line) for line in lines)
    assert first["text"] == "好 评 返 现" and first["verdict"] == "block"
    assert {"rule", "category", "matched", "reason"} <= set(first["findings"][0])
    assert first["findings"][0]["matched"] == "好 评 返 现"
    assert first["findings"][0]["category"] == "inducement"
    assert second == {"text": "您好，已发货", "verdict": "ok", "findings": []}


def test_all_ok_exits_0():
    status, lines = run("--platform", "jd", "--channel", "sms", "感谢您的好评，欢迎再次光临")
    assert status == 0 and lines == ["[通过] 感谢您的好评，欢迎再次光临"]


def test_a_warning_is_a_finding():
    status, lines = run("--platform", "douyin", "--channel", "private_message", "--json", "麻烦您删 评 一下")
    assert status == 1 and json.loads(lines[0])["verdict"] == "warn"


def test_texts_from_a_file_one_per_line(tmp_path):
    path = tmp_path / "replies.txt"
    path.write_text("亲，已为您退款\n\n加我微信 wx_kefu88\n", encoding="utf-8")
    status, lines = run("--platform", "tmall", "--channel", "private_message", "--file", str(path), "--json")
    assert status == 1
    assert [json.loads(line)["verdict"] for line in lines] == ["ok", "block"]


def test_a_public_reply_over_the_length_limit_is_blocked():
    status, lines = run("--platform", "taobao", "--channel", "public_reply", "--json", "亲" * 501)
    result = json.loads(lines[0])
    assert status == 1 and result["verdict"] == "block" and result["findings"][0]["category"] == "length"


def test_a_shop_uses_its_own_rules():
    shop = ShopFactory(code="tb1", platform="taobao")
    ComplianceRule.objects.create(shop=shop, name="店铺暗号", patterns="专属暗号", reason="本店禁用")
    status, lines = run("--platform", "taobao", "--channel", "sms", "--shop", "tb1", "回复专属暗号")
    assert status == 1 and lines[0].startswith("[拦截]") and "本店禁用" in lines[1]
    assert run("--platform", "taobao", "--channel", "sms", "回复专属暗号") == (0, ["[通过] 回复专属暗号"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--platform", "amazon", "--channel", "sms", "x"], "未知平台"),
        (["--platform", "taobao", "--channel", "fax", "x"], "未知渠道"),
        (["--platform", "taobao", "--channel", "sms", "--shop", "nope", "x"], "没有代码为“nope”的店铺"),
        (["--platform", "taobao", "--channel", "sms"], "没有要检查的文字"),
        (["--platform", "taobao", "--channel", "sms", "--file", "/nonexistent/replies.txt"], "无法读取文件"),
    ],
)
def test_bad_usage_exits_2_with_a_clear_message(args, message):
    with pytest.raises(CommandError) as caught:
        call_command("compliance_check", *args)
    assert caught.value.returncode == 2 and message in str(caught.value)


def test_a_shop_on_another_platform_is_bad_usage():
    ShopFactory(code="jd1", platform="jd")
    with pytest.raises(CommandError) as caught:
        call_command("compliance_check", "--platform", "taobao", "--channel", "sms", "--shop", "jd1", "x")
    assert caught.value.returncode == 2 and "jd1" in str(caught.value)
