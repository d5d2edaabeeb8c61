"""The load bench's clients (bench_load.py): a browser-like session over urllib (cookies, CSRF, no
redirects followed), the parser of the case page's action forms, what every client thread reports
into, and the robot webhook server that counts what it is sent."""

from __future__ import annotations

import collections
import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler

PASSWORD = "bench-load-Pa55"


# --- the robot webhook: counts every message it is sent -------------------------------------------


class Robot(BaseHTTPRequestHandler):
    received: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.lock:
            self.received[body] += 1
        answer = b'{"code": 0, "msg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        """Silent: the run prints its own counts, not one line per webhook."""


# --- an HTML form reader for the case page ---------------------------------------------------------


class Forms(HTMLParser):
    """The workflow forms of a page: action name → {field: value} as a browser would submit them
    (hidden values, the checked or first radio, the selected or first option, textareas)."""

    ACTION = re.compile(r"/cases/(\d+)/act/([a-z_]+)/$")

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.required: dict[str, set] = {}
        self.submittable: set[str] = set()  # forms with a submit button: the only ones a person can send
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            match = self.ACTION.search(a.get("action") or "")
            self._form = match.group(2) if match else None
            if self._form:
                self.forms[self._form], self.required[self._form] = {}, set()
            return
        if self._form is None:
            return
        fields, name = self.forms[self._form], a.get("name")
        if (
            tag == "button"
            and a.get("type", "submit") == "submit"
            or tag == "input"
            and a.get("type") == "submit"
        ):
            self.submittable.add(self._form)
        if "required" in a and name:
            self.required[self._form].add(name)
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                if name not in fields or "checked" in a:
                    fields.setdefault(f"_{name}_choices", []).append(a.get("value", ""))
                    fields[name] = a.get("value", "")
                else:
                    fields[f"_{name}_choices"].append(a.get("value", ""))
            elif kind == "checkbox":
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in fields or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            # HTML drops the one newline right after <textarea>: a browser submits "" for an empty box,
            # not "\n" (which the required note field then refused as blank: the old "verify:400").
            text = self.forms[self._form][self._textarea] if self._form else ""
            if self._form and text.startswith("\n"):
                self.forms[self._form][self._textarea] = text[1:]
            self._textarea = None

    def handle_data(self, data):
        if self._form and self._textarea:
            self.forms[self._form][self._textarea] += data


def form_values(fields: dict, required: set, rng: random.Random) -> dict:
    values = {k: v for k, v in fields.items() if not k.startswith("_")}
    for key, choices in fields.items():
        if key.startswith("_") and key.endswith("_choices") and key != "_reached_choices":
            values[key[1:-8]] = rng.choice(choices)  # e.g. a random compensation option
    for name in required | {"note"}:
        if not values.get(name):
            values[name] = "负载测试：已与买家沟通"
    values.setdefault("responsibility", "merchant")
    return values


# --- clients ---------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 comes back as an answer of its own


class Run:
    """What every client thread reports into (under one lock)."""

    def __init__(self, base: str, parties: int):
        self.base, self.deadline = base, float("inf")  # set once everybody has logged in
        self.ready = threading.Barrier(parties + 1)
        self.logins = threading.Semaphore(3)
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: collections.Counter = collections.Counter()
        self.errors: list[str] = []
        self.successes: list[tuple[int, int, str, str]] = []  # (case, version after, actor, action)
        self.stale = 0
        self.refused: collections.Counter = collections.Counter()
        self.form_errors: dict[str, str] = {}  # action -> the first form error's message
        self.doubles = collections.Counter()  # "one_won" / "both_won" / "none_won"

    def record(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.timings[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.errors.append(f"{kind} {status} {detail[:300]}")


class Session:
    def __init__(self, run: Run, username: str, rng: random.Random):
        self.run, self.username, self.rng = run, username, rng
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def call(
        self, kind: str, path: str, *, form: dict | None = None, body: dict | None = None
    ) -> tuple[int, str]:
        headers = {"X-CSRFToken": self.csrf()} if form is not None or body is not None else {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.run.base + path, data=data, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, (exc.read() or b"").decode("utf-8", "replace")
            if status in (301, 302, 303):
                text = exc.headers.get("Location", "")
        except OSError as exc:  # refused, reset, timed out
            status, text = 0, repr(exc)
        self.run.record(kind, status, time.perf_counter() - started, f"{path} {text}")
        return status, text

    def login(self) -> bool:
        """Log in (a few at a time: PBKDF2 is slow on purpose and logins are not what is measured);
        then wait for everybody. False if this client could not log in."""
        try:
            with self.run.logins:
                self.call("login_page", "/accounts/login/")
                status, _where = self.call(
                    "login", "/accounts/login/", form={"username": self.username, "password": PASSWORD}
                )
        finally:
            self.run.ready.wait()
        return status == 302
