"""Support for the routing / SLA / alert tests: cases of a shop at a fixed time, SLA clocks, robots on
127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from django.test import override_settings
from django.utils import timezone

from cases.models import Case
from tests.factories import CaseFactory

T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)  # in the past: the sweep command uses "now"


def make_case(shop, *, opened_at=None, **fields) -> Case:
    """A case of ``shop`` opened at ``opened_at`` (T0 unless told) on a complaint, not triaged: the
    tier's name is set and the clocks are whatever ``fields`` say (see ``sla_fields``)."""
    fields.setdefault("sla_tier_name", "其他问题(24小时)")
    return CaseFactory(shop=shop, opened_at=opened_at or T0, **fields)


def sla_fields(*, start: dt.datetime, minutes: int, warn_percent: int = 80) -> dict:
    """First-response clock only: due after ``minutes`` (wall clock, tests only), warn at the percentage."""
    due = start + dt.timedelta(minutes=minutes)
    warn = start + dt.timedelta(minutes=minutes * warn_percent / 100)
    return {"first_response_due_at": due, "first_response_warn_at": warn, "sla_next_check_at": warn}


class RobotServer:
    """A real HTTP server on 127.0.0.1 that records requests and answers as configured per path.
    While it runs, 127.0.0.1 is on the outbound allow-list (the client refuses loopback otherwise)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.responses: dict[str, tuple[int, dict]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                outer.requests.append(
                    {
                        "path": parts.path,
                        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                        "headers": dict(self.headers),
                        "raw": raw,
                        "json": json.loads(raw.decode("utf-8")),
                        "received": timezone.now(),
                    }
                )
                status, body = outer.responses.get(parts.path, (200, {"code": 0, "msg": "success"}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.allow = override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1"])
        self.allow.enable()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.allow.disable()
