"""No raw code reaches a person (issue 15 §8): the demo, seen by each of its roles, shows labels.

The demo is built once for the module (committed as `make run` commits it, flushed at its end). Each demo login
then walks the web UI from the home page along every link it is offered (each URL pattern sampled up
to ``PER_ROUTE`` times), the superuser opens the changelist and one change page of every registered
admin, and every export is downloaded: the payouts (XLSX, CSV detail and summary), the policy pack,
the dashboard and weekly workbooks, stored weekly reports and the training scores. All of it is
scanned in Chinese, the interface's language, for the stored values of every choices class of the
project, the codes of issue types and customer tiers, and the seed documents' markers
(tests/reviewdesk/raw_code_scan.py says what is scanned and what is left out, and why).
"""

from __future__ import annotations

import io
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse

from tests.reviewdesk.raw_code_scan import (
    Scanner,
    Text,
    data_codes,
    document_texts,
    html_texts,
    raw_choice_values,
)

pytestmark = pytest.mark.django_db

ROLES = ("agent1", "supervisor1", "legal1", "manager1", "hr1", "owner1", "admin")
PER_ROUTE = 2
MAX_PAGES = 200
SKIP_PREFIXES = ("/static/", "/media/", "/i18n/", "/api/", "/accounts/logout", "/admin/")
# GET links that change something (marking notifications read) are followed by nobody in this walk.
SKIP_NAMES = {"notification-read", "notification-read-all", "notification-open"}


class Walk:
    def __init__(self):
        self.pages: dict[str, list[tuple[str, list[Text]]]] = {}  # role → [(url, texts)]
        self.exports: list[tuple[str, str, list[Text]]] = []  # (role, url, texts)
        self.admin: list[tuple[str, list[Text]]] = []
        self.errors: list[str] = []


def _links(base: str, texts_html: str) -> list[str]:
    from html.parser import HTMLParser

    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href")
            if tag == "a" and href and not href.startswith(("#", "mailto:", "javascript:")):
                found.append(urljoin(base, href))

    Links().feed(texts_html)
    return found


def _route_key(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name in SKIP_NAMES:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name or match.route)


def _get(client, url, walk, who):
    response = client.get(url)
    if response.status_code in (301, 302):
        return None
    if response.status_code != 200:
        if response.status_code >= 500:
            walk.errors.append(f"{who} {url}: {response.status_code}")
        return None
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content, response.get("Content-Type", "")


def _walk_ui(client, role: str, walk: Walk):
    seen_urls, per_route = set(), Counter()
    queue = deque([reverse("home")])
    pages = walk.pages.setdefault(role, [])
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen_urls or parts.path.startswith(SKIP_PREFIXES):
            continue
        key = _route_key(parts.path)
        if key is None or per_route[key] >= PER_ROUTE:
            continue
        seen_urls.add(path)
        per_route[key] += 1
        got = _get(client, path, walk, role)
        if got is None:
            continue
        content, content_type = got
        texts = document_texts(content, content_type)
        if texts is None:
            continue
        if "html" in content_type:
            pages.append((path, texts))
            queue.extend(_links(path, content.decode("utf-8", errors="replace")))
        else:
            walk.exports.append((role, path, texts))


def _export_urls() -> list[str]:
    """Exports no page links to with a plain link: forms (the training scores) and admin views."""
    from insights.models import WeeklyReport
    from training.models import Score

    urls = [reverse("policies:pack_export"), reverse("insights:dashboard_export")]
    for period in Score.objects.values_list("period", flat=True).distinct()[:3]:
        urls.append(f"{reverse('training:score_export')}?period={period}")
    for pk in WeeklyReport.objects.values_list("pk", flat=True)[:2]:
        urls.append(reverse("insights:report_download", args=[pk]))
    return urls


def _walk_admin(client, walk: Walk):
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        got = _get(client, changelist, walk, "admin")
        if got is not None:
            walk.admin.append((changelist, html_texts(got[0].decode())))
        obj = model_admin.get_queryset(_request_for(client)).order_by("-pk").first()
        if obj is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        got = _get(client, change, walk, "admin")
        if got is not None:
            walk.admin.append((change, html_texts(got[0].decode())))


def _request_for(client):
    from django.test import RequestFactory

    from reviewdesk.models import User

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    return request


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker, tmp_path_factory):
    from policies.loader import clear_policy_cache
    from tests.conftest import replay_migration_rows

    # The demo commits as `make run` does (routing and the ledger's awards run after each commit), so the
    # walk's world is committed too and flushed afterwards, like a transactional test's.
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))), django_db_blocker.unblock():
        try:
            clear_policy_cache()
            call_command("seed_policies", stdout=io.StringIO())
            call_command("demo_data", stdout=io.StringIO())
            from reviewdesk.models import User

            result = Walk()
            for role in ROLES:
                client = Client()
                client.force_login(User.objects.get(username=role))
                _walk_ui(client, role, result)
                for url in _export_urls():
                    got = _get(client, url, result, role)
                    if got is not None:
                        texts = document_texts(*got)
                        if texts is not None and "html" not in got[1]:
                            result.exports.append((role, url, texts))
                if role == "admin":
                    _walk_admin(client, result)
            choices, excluded = raw_choice_values()
            result.scanner_args = (choices, data_codes())
            result.excluded = excluded
            yield result
        finally:
            call_command("flush", interactive=False, verbosity=0)
            replay_migration_rows()
            clear_policy_cache()


def _findings(walk, items) -> list[str]:
    scanner = Scanner(*walk.scanner_args)
    for where, texts in items:
        scanner.scan(where, texts)
    return sorted({str(f) for f in scanner.findings})


# --- the walk reaches what it should ------------------------------------------------------------------


def test_the_walk_reaches_every_roles_pages_and_every_export(walk):
    assert walk.errors == []
    for role in ROLES:
        assert len(walk.pages[role]) >= 3, (role, [u for u, _t in walk.pages[role]])
    visited = {url.split("?")[0] for pages in walk.pages.values() for url, _t in pages}
    for name in (
        "cases:queue",
        "incentives:periods",
        "insights:dashboard",
        "insights:weekly",
        "training:team",
    ):
        assert reverse(name) in visited, name
    exported = {url.split("?")[0] for _role, url, _t in walk.exports}
    assert reverse("policies:pack_export") in exported
    assert reverse("insights:dashboard_export") in exported
    assert reverse("insights:weekly_download") in exported
    assert reverse("training:score_export") in exported
    assert any("/payouts/" in u and u.endswith(".xlsx") for u in exported)
    assert any("/payouts/" in u and u.endswith(".csv") for u in exported)
    assert len(walk.admin) >= len(admin.site._registry)


def test_the_scanner_finds_a_planted_code_and_not_a_username(walk):
    choices, codes = walk.scanner_args
    assert "verified_conversion" in choices and "agent" in choices and "ordinary" in codes
    scanner = Scanner(choices, codes)
    scanner.scan("planted", [Text("事件：verified_conversion"), Text("agent1 · jd-digital · 普通客户")])
    scanner.scan("planted", [Text("客户分层 ordinary"), Text("quality", code_context=True)])
    scanner.scan("planted", [Text("首次私信(种子001)")])
    assert sorted(f.code for f in scanner.findings) == ["ordinary", "verified_conversion", "种子001"]


# --- what each role sees ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_raw_code(walk, role):
    assert _findings(walk, walk.pages[role]) == []


def test_no_admin_page_shows_a_raw_code(walk):
    assert _findings(walk, walk.admin) == []


def test_no_export_holds_a_raw_code(walk):
    assert _findings(walk, [(f"{role} {url}", texts) for role, url, texts in walk.exports]) == []
