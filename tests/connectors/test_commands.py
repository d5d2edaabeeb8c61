"""The four commands, as ops run them: the same code paths as the schedule, JSON exactly as the issue
specifies, clear refusals for bad input, and no credential ever printed."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.hooks import certification_checks
from connectors.models import Connector
from tests.factories import ShopFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


def run(*args, capsys=None):
    call_command(*args)
    return capsys.readouterr().out


@pytest.fixture
def credentials_file(tmp_path, gateway):
    path = tmp_path / "top.json"
    path.write_text(
        json.dumps(
            {
                "app_key": gateway.app_key,
                "app_secret": gateway.secret,
                "session_key": gateway.session,
                "sign_method": "hmac-sha256",
                "expires_at": "2099-01-01T00:00:00+08:00",
            }
        ),
        encoding="utf-8",
    )
    return path


def test_configure_pull_flush_and_status_end_to_end(
    tb_shop, gateway, credentials_file, capsys, django_capture_on_commit_callbacks
):
    out = run(
        "connector_configure",
        "--shop",
        tb_shop.code,
        "--platform",
        "taobao",
        "--gateway",
        gateway.url,
        "--credentials",
        str(credentials_file),
        capsys=capsys,
    )
    assert json.loads(out) == {"shop": "tb-live", "platform": "taobao", "gateway": gateway.url}
    assert gateway.secret not in out and gateway.session not in out
    connector = Connector.objects.get(shop=tb_shop)
    assert connector.sign_method == "hmac-sha256" and timezone.localtime(connector.expires_at).year == 2099

    gateway.add_review(8001, created=timezone.now() - dt.timedelta(hours=1), result="bad")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("connector_pull", "--shop", tb_shop.code, "--json", capsys=capsys)
    assert json.loads(out) == {
        "ok": True,
        "fetched": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "cases_opened": 1,
        "calls": 1,
        "error": None,
    }
    assert gateway.calls[-1][1]["sign_method"] == "hmac-sha256"

    out = run("connector_flush", "--shop", tb_shop.code, "--json", capsys=capsys)
    assert json.loads(out) == {"pending": 0, "sending": 0, "ambiguous": 0, "delivered": 0, "failed": 0}

    out = run("connector_status", "--json", capsys=capsys)
    [row] = json.loads(out)["shops"]
    assert {k: row[k] for k in ("shop", "platform", "state", "outbox")} == {
        "shop": "tb-live",
        "platform": "taobao",
        "state": "ok",
        "outbox": {"pending": 0, "delivered": 0, "failed": 0},
    }
    assert 0 <= row["lag_seconds"] < 60 and row["last_success_at"].startswith(str(timezone.now().year))
    assert (row["refreshes"], row["refreshed_at"], row["push"]) == (False, None, False)
    assert gateway.session not in out and gateway.secret not in out


def test_a_failed_pull_prints_its_error_and_exits_1(connector, gateway, capsys):
    gateway.revoked = True
    with pytest.raises(SystemExit) as exit_:
        call_command("connector_pull", "--shop", connector.shop.code, "--json")
    answer = json.loads(capsys.readouterr().out)
    assert exit_.value.code == 1
    assert answer["ok"] is False and answer["error"].startswith("27 Invalid session") and answer["calls"] == 1


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ({"app_key": "k", "app_secret": "s"}, "凭据文件缺少：session_key"),
        ({"app_key": "k", "app_secret": "s", "session_key": "x", "sign_method": "sha1"}, "签名方法应为"),
        ({"app_key": "k", "app_secret": "s", "session_key": "x", "expires_at": "明天"}, "expires_at 应为"),
        (["not", "an", "object"], "凭据文件应是一个JSON对象。"),
    ],
)
def test_bad_credentials_are_refused_with_a_clear_message_and_nothing_is_stored(
    tb_shop, gateway, tmp_path, credentials, message
):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(credentials), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command(
            "connector_configure",
            "--shop",
            tb_shop.code,
            "--platform",
            "taobao",
            "--gateway",
            gateway.url,
            "--credentials",
            str(path),
        )
    assert not Connector.objects.exists()


def test_pinduoduo_stays_on_file_import_and_a_private_gateway_is_refused(tb_shop, tmp_path, settings):
    pdd = ShopFactory(code="pdd-1", platform="pdd", name="拼多多店")
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"app_key": "k", "app_secret": "s", "session_key": "x"}), encoding="utf-8")
    args = ("--gateway", "https://gw.example.com/router/rest", "--credentials", str(path))
    with pytest.raises(CommandError, match="拼多多没有开放评价接口"):
        call_command("connector_configure", "--shop", pdd.code, "--platform", "pdd", *args)
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match="网关地址不可用"):
        call_command(
            "connector_configure",
            "--shop",
            tb_shop.code,
            "--platform",
            "taobao",
            "--gateway",
            "http://127.0.0.1:9/router/rest",
            "--credentials",
            str(path),
        )
    assert not Connector.objects.exists()


def test_an_unknown_or_unconnected_shop_is_named(tb_shop):
    with pytest.raises(CommandError, match="未知店铺代码“nope”"):
        call_command("connector_pull", "--shop", "nope")
    with pytest.raises(CommandError, match="还没有平台对接"):
        call_command("connector_status", "--shop", tb_shop.code)
