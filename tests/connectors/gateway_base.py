"""What the local platform gateways of the tests share: a real HTTP server on 127.0.0.1 (an ephemeral
port, served by a daemon thread while the gateway is used as a context manager), the knobs every
platform's tests turn, and the transport of one call.

A platform's gateway subclasses ``LocalGateway`` and answers ``respond(verb, path, query, body)``: the
JSON answer to send (status 200), None to drop the connection without an answer (the call was applied,
its answer lost on the way), or ``NOT_FOUND`` for a path or verb it does not serve (a 404).

Knobs: ``ban_calls`` (answer the next N calls with the platform's rate-limit error), ``revoked`` (the
seller's token no longer works), ``lose_answer_of`` (apply the next reply, then drop the connection),
``skew`` (the gateway's clock offset), ``delay`` (seconds each answer takes); ``calls`` holds every
call's method and parameters (secrets included: test-only).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NOT_FOUND = object()


def form_fields(text: str) -> dict[str, str]:
    """A query string or form body as one value per name (blank values kept)."""
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


class LocalGateway:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.ban_calls = 0
        self.revoked = False
        self.lose_answer_of = 0
        self.skew = dt.timedelta(0)
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.skew

    def methods(self) -> list[str]:
        return [m for m, _p in self.calls]

    def respond(self, verb: str, path: str, query: dict[str, str], body: str):
        raise NotImplementedError

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, verb: str):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                if gateway.delay:
                    time.sleep(gateway.delay)
                answer = gateway.respond(verb, parts.path, form_fields(parts.query), body)
                if answer is NOT_FOUND:
                    self.send_error(404)
                    return
                if answer is None:  # the call was applied; its answer is lost on the way
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                """Quiet: the tests read the gateway's calls from its own log, not stderr."""

        return Handler
