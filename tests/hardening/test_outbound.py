"""F15: the one outbound HTTP client (reviewdesk.outbound) against real HTTP servers on 127.0.0.1.

The sender used to call localhost, 0.0.0.0 and 127.0.0.1, follow a redirect, and read
``file:///etc/hostname`` into ``Delivery.last_error``. Now only http(s) to public addresses after
resolution (the allow-list names the exceptions), no redirects, timeouts, a capped read, and errors
that never carry what the other server answered."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.utils import timezone

from cases.models import Delivery, NotificationChannel
from cases.notifications.choices import ChannelKind, DeliveryStatus, NotificationKind
from cases.notifications.delivery import delivery_send
from reviewdesk import outbound
from reviewdesk.outbound import OutboundError, OutboundRefused, check_url, post_json

LEAK = "SECRET-BODY root:x:0:0:root:/root:/bin/bash"
ALLOW_LOOPBACK = override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1"])


class Server:
    """A real HTTP server on 127.0.0.1; ``routes[path]`` is (status, headers, body bytes, delay)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.routes: dict[str, tuple[int, dict, bytes, float]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "host": self.headers["Host"], "raw": raw})
                status, headers, body, delay = outer.routes.get(self.path, (200, {}, b'{"code": 0}', 0))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in {"Content-Length": str(len(body)), **headers}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up first (the timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with Server() as running:
        yield running


def make_delivery(shop, url: str) -> Delivery:
    channel = NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书群", webhook_url=url
    )
    return Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind=NotificationKind.NEW_CASE,
        dedupe_key="new_case:1",
        message={"title": "t", "lines": ["l"], "url": ""},
        next_attempt_at=timezone.now(),
    )


# --- destinations ------------------------------------------------------------------------------


def test_loopback_is_refused_without_the_allow_list_and_nothing_is_sent(server):
    with pytest.raises(OutboundRefused, match="本机地址"):
        post_json(f"{server.base_url}/hook", {"a": 1})
    assert server.requests == []


@ALLOW_LOOPBACK
def test_loopback_is_reached_when_the_allow_list_names_it(server):
    response = post_json(f"{server.base_url}/hook", {"a": 1})
    assert (response.status, response.json()) == (200, {"code": 0})
    assert json.loads(server.requests[0]["raw"]) == {"a": 1}


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://localhost:8000/hook", "本机地址"),
        ("http://127.0.0.1/hook", "本机地址"),
        ("http://127.1/hook", "本机地址"),
        ("http://2130706433/hook", "本机地址"),  # 127.0.0.1 as one decimal number
        ("http://0.0.0.0:8000/hook", "未指定地址"),
        ("http://[::]/hook", "未指定地址"),
        ("http://[::1]/hook", "本机地址"),
        ("http://[::ffff:127.0.0.1]/hook", "本机地址"),
        ("http://10.1.2.3/hook", "内网地址"),
        ("http://192.168.1.1/hook", "内网地址"),
        ("http://172.16.0.1/hook", "内网地址"),
        ("http://169.254.169.254/latest/meta-data/", "云服务器元数据地址"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "云服务器元数据地址"),
        ("http://100.100.100.200/latest/meta-data/", "云服务器元数据地址"),
        ("http://169.254.1.1/hook", "链路本地地址"),
        ("http://224.0.0.1/hook", "组播地址"),
        ("http://240.0.0.1/hook", "保留地址"),
        ("http://100.64.0.1/hook", "保留地址"),  # carrier-grade NAT, not public
    ],
)
def test_non_public_destinations_are_refused(url, reason):
    with pytest.raises(OutboundRefused, match=reason):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/hostname", "ftp://example.com/x", "gopher://127.0.0.1:70/", "dict://x:11211/", "hook"],
)
def test_only_http_and_https_are_allowed(url):
    with pytest.raises(OutboundRefused, match="只允许 http 或 https 地址"):
        check_url(url)


def test_metadata_addresses_stay_refused_even_when_allow_listed():
    with override_settings(
        OUTBOUND_ALLOWED_HOSTS=["169.254.0.0/16", "169.254.169.254", "metadata.google.internal"]
    ):
        with pytest.raises(OutboundRefused, match="云服务器元数据地址"):
            check_url("http://169.254.169.254/latest/meta-data/")
        assert (
            check_url("http://169.254.1.1/x").address == "169.254.1.1"
        )  # the rest of the network is allowed


@override_settings(OUTBOUND_REQUIRE_HTTPS=True, OUTBOUND_ALLOWED_HOSTS=["127.0.0.1"])
def test_https_only_when_required(server):
    with pytest.raises(OutboundRefused, match="只允许 https 地址"):
        post_json(f"{server.base_url}/hook", {})
    assert server.requests == []


def test_userinfo_in_the_url_is_refused():
    with pytest.raises(OutboundRefused, match="用户名或密码"):
        check_url("https://user:pw@open.feishu.cn/open-apis/bot/v2/hook/x")


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 443))])
    with pytest.raises(OutboundRefused, match="不允许访问 robot.example.com：它指向内网地址 \\(10.0.0.7\\)"):
        check_url("https://robot.example.com/hook")


def test_any_private_address_among_the_answers_refuses_the_name(monkeypatch):
    answers = [(2, 1, 6, "", ("93.184.216.34", 443)), (2, 1, 6, "", ("127.0.0.1", 443))]
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: answers)
    with pytest.raises(OutboundRefused, match="本机地址"):
        check_url("https://robot.example.com/hook")


def test_the_checked_address_is_the_one_connected_to_no_second_lookup(monkeypatch):
    """DNS rebinding: the first answer is public, a second lookup would say 127.0.0.1. The client
    looks up once and connects to the public address it checked."""
    lookups, connects = [], []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(2, 1, 6, "", ("93.184.216.34" if len(lookups) == 1 else "127.0.0.1", port))]

    def create_connection(address, *args, **kwargs):
        connects.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(outbound.socket, "create_connection", create_connection)
    with pytest.raises(OutboundError, match="连接失败"):
        post_json("http://rebind.example.com:8080/hook", {})
    assert lookups == ["rebind.example.com"]
    assert connects == [("93.184.216.34", 8080)]


def test_an_allow_listed_name_is_connected_at_its_checked_address_with_its_host_header(server, monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        outbound.socket, "getaddrinfo", lambda host, port, *a, **k: real("127.0.0.1", port, *a, **k)
    )
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["robot.test"]):
        assert post_json(f"http://robot.test:{server.port}/hook", {}).status == 200
    assert server.requests[0]["host"] == f"robot.test:{server.port}"


# --- answers -----------------------------------------------------------------------------------


@ALLOW_LOOPBACK
def test_a_redirect_is_not_followed(server):
    with Server() as inner:
        server.routes["/hook"] = (302, {"Location": f"{inner.base_url}/internal"}, b"", 0)
        with pytest.raises(OutboundError, match="HTTP 302：不跟随重定向") as exc:
            post_json(f"{server.base_url}/hook", {})
        assert exc.value.status_code == 302
        assert inner.requests == []


@ALLOW_LOOPBACK
def test_a_slow_server_times_out(server):
    server.routes["/slow"] = (200, {}, b"{}", 2.0)
    started = time.monotonic()
    with override_settings(NOTIFY_HTTP_TIMEOUT=0.3), pytest.raises(OutboundError, match="连接超时"):
        post_json(f"{server.base_url}/slow", {})
    assert time.monotonic() - started < 1.5


@ALLOW_LOOPBACK
def test_the_response_read_is_capped(server):
    server.routes["/big"] = (200, {}, b"x" * 200_000, 0)
    with (
        override_settings(OUTBOUND_MAX_RESPONSE_BYTES=1000),
        pytest.raises(OutboundError, match="响应超过 1000 字节"),
    ):
        post_json(f"{server.base_url}/big", {})


# --- what a delivery keeps ---------------------------------------------------------------------


@ALLOW_LOOPBACK
@pytest.mark.parametrize("status, body", [(500, LEAK.encode()), (404, LEAK.encode()), (200, LEAK.encode())])
def test_a_delivery_error_keeps_the_status_never_the_body(shop, server, status, body):
    server.routes["/hook"] = (status, {"Content-Type": "text/plain"}, body, 0)
    delivery = make_delivery(shop, f"{server.base_url}/hook")
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_status_code == status
    assert "SECRET" not in delivery.last_error and "root" not in delivery.last_error
    assert str(status) in delivery.last_error


def test_a_file_url_is_refused_and_no_file_is_read_into_the_delivery(shop):
    delivery = make_delivery(shop, "file:///etc/hostname")
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error == "只允许 http 或 https 地址。"
    assert socket.gethostname() not in delivery.last_error
    assert (delivery.attempts, delivery.last_status_code, delivery.sent_at) == (1, None, None)


def test_a_loopback_robot_is_refused_by_the_sender(shop, server):
    delivery = make_delivery(shop, f"http://localhost:{server.port}/hook")
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("不允许访问 localhost：它指向本机地址")
    assert server.requests == []
