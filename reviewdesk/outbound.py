"""The one outbound HTTP client: every call ReviewDesk makes to another server goes through here
(the Feishu/DingTalk robots today; SMS gateways and platform APIs later). A second path is a hole.

A URL typed by a manager is an attacker's favourite way into the inner network (server-side request
forgery), so the destination is checked, not trusted:

* only ``http`` and ``https`` (``https`` alone when ``OUTBOUND_REQUIRE_HTTPS``, on in production):
  no ``file://``, ``ftp://``, ``gopher://`` …;
* the host is resolved ONCE and every address it resolves to must be a public one: loopback,
  private, link-local, multicast, reserved, unspecified (0.0.0.0, ::), shared (100.64/10) and
  IPv4-mapped forms of them are refused, and the cloud metadata services (169.254.169.254,
  fd00:ec2::254, Alibaba Cloud's 100.100.100.200, …) always, allow-list or not;
* the connection goes to the address that was checked, not to the name again, so a DNS answer that
  changes between the check and the connect (DNS rebinding) reaches nothing new; TLS still verifies
  the certificate against the host name;
* ``OUTBOUND_ALLOWED_HOSTS`` (empty by default) names the exceptions on purpose: host names, IP
  addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``sms.internal``) that may be private —
  tests and development use it for servers on 127.0.0.1;
* no redirect is followed (a 3xx is a failure: following one would skip every check above);
* connect and read time out after ``NOTIFY_HTTP_TIMEOUT`` seconds, and the whole read within
  twice that; at most ``OUTBOUND_MAX_RESPONSE_BYTES`` of an answer are read;
* an error says what happened (status code, a short reason) and never carries the response body,
  which may be anything the other server chose to send.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

ALLOWED_SCHEMES = ("http", "https")
# The instance metadata services of the clouds a shop's back office may run on: never reachable,
# even through the allow-list (they hand out the machine's credentials).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, Huawei Cloud, OpenStack
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS time/DNS over IPv6
    )
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """An outbound call was refused or failed. ``str()`` is short and safe to store and show: it
    names the status code or the reason, never the other server's answer."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class OutboundRefused(OutboundError):
    """The destination breaks the outbound policy; nothing was sent."""


@dataclass(frozen=True)
class Destination:
    """A URL that passed the policy, with the address it was checked at (the one to connect to)."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    address: str


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes

    def json(self):
        """The body as JSON; ``OutboundError`` (without the body) when it is not."""
        try:
            return json.loads(self.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise OutboundError(
                _("对方的响应不是JSON (HTTP %(status)s)。") % {"status": self.status}, status_code=self.status
            )


def _timeout() -> float:
    return float(settings.NOTIFY_HTTP_TIMEOUT)


def _allowed_entries() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names, networks = set(), []
    for entry in settings.OUTBOUND_ALLOWED_HOSTS or ():
        entry = str(entry).strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry)
    return names, networks


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_refusal(address: IPAddress, *, host_allowed: bool = False) -> str | None:
    """Why ``address`` may not be called (a short phrase), or None when it may."""
    address = _unmapped(address)
    if address in METADATA_ADDRESSES:
        return _("云服务器元数据地址")
    if host_allowed:
        return None
    _names, networks = _allowed_entries()
    if any(address.version == net.version and address in net for net in networks):
        return None
    if address.is_unspecified:
        return _("未指定地址")
    if address.is_loopback:
        return _("本机地址")
    if address.is_link_local:
        return _("链路本地地址")
    if address.is_multicast:
        return _("组播地址")
    if address.is_reserved:
        return _("保留地址")
    if address.is_private:
        return _("内网地址")
    if not address.is_global:
        return _("保留地址")
    return None


def check_url(url: str) -> Destination:
    """Apply the outbound policy to ``url`` and resolve its host once; raises ``OutboundRefused``
    with a message for the person who typed the URL (the admin shows it under the field)."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise OutboundRefused(_("地址格式不正确。"))
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise OutboundRefused(_("只允许 http 或 https 地址。"))
    if scheme != "https" and settings.OUTBOUND_REQUIRE_HTTPS:
        raise OutboundRefused(_("只允许 https 地址。"))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused(_("地址缺少主机名。"))
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused(_("地址里不能带用户名或密码。"))
    port = port or (443 if scheme == "https" else 80)
    names, _networks = _allowed_entries()
    host_allowed = host.lower() in names
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise OutboundRefused(_("无法解析主机名 %(host)s。") % {"host": host})
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        reason = address_refusal(address, host_allowed=host_allowed)
        if reason:
            raise OutboundRefused(
                _("不允许访问 %(host)s：它指向%(reason)s (%(address)s)。")
                % {"host": host, "reason": reason, "address": address}
            )
        addresses.append(str(address))
    if not addresses:
        raise OutboundRefused(_("无法解析主机名 %(host)s。") % {"host": host})
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme=scheme, host=host, port=port, target=target, address=addresses[0])


def _connection(destination: Destination, timeout: float) -> http.client.HTTPConnection:
    if destination.scheme == "https":
        conn = http.client.HTTPSConnection(
            destination.host, destination.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(destination.host, destination.port, timeout=timeout)

    def connect_to_checked_address(address, timeout=None, source_address=None, **kwargs):
        # http.client would resolve the name again here; connect to the address that was checked.
        return socket.create_connection((destination.address, address[1]), timeout, source_address)

    conn._create_connection = connect_to_checked_address
    return conn


def post_json(
    url: str, payload, *, timeout: float | None = None, max_bytes: int | None = None
) -> OutboundResponse:
    """POST ``payload`` as UTF-8 JSON under the outbound policy; a 2xx answer is returned (its body
    capped), anything else raises ``OutboundError``."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return request(
        url,
        method="POST",
        body=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=timeout,
        max_bytes=max_bytes,
    )


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> OutboundResponse:
    """One HTTP request under the outbound policy (see the module's docstring)."""
    destination = check_url(url)
    timeout = _timeout() if timeout is None else timeout
    limit = max_bytes or int(settings.OUTBOUND_MAX_RESPONSE_BYTES)
    conn = _connection(destination, timeout)
    deadline = time.monotonic() + 2 * timeout
    try:
        conn.request(
            method, destination.target, body=body, headers={"User-Agent": "ReviewDesk", **(headers or {})}
        )
        response = conn.getresponse()
        status = response.status
        if 300 <= status < 400:
            raise OutboundError(_("HTTP %(status)s：不跟随重定向。") % {"status": status}, status_code=status)
        if not 200 <= status < 300:
            raise OutboundError(f"HTTP {status}", status_code=status)
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise OutboundError(_("读取响应超时。"), status_code=status)
            chunk = response.read1(min(16 * 1024, limit + 1 - size)) if size <= limit else b""
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise OutboundError(
                    _("响应超过 %(limit)s 字节，未读完。") % {"limit": limit}, status_code=status
                )
        return OutboundResponse(status=status, body=b"".join(chunks))
    except OutboundError:
        raise
    except TimeoutError:
        raise OutboundError(_("连接超时(%(seconds)s 秒)。") % {"seconds": f"{timeout:g}"})
    except ssl.SSLError as exc:
        raise OutboundError(_("TLS 握手失败：%(reason)s") % {"reason": exc.reason or type(exc).__name__})
    except (OSError, http.client.HTTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise OutboundError(_("连接失败：%(reason)s") % {"reason": reason})
    finally:
        conn.close()
