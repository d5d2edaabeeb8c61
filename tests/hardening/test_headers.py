"""Security headers (issue 8): a Content Security Policy on every page (django-csp: scripts and styles from
our origin or with the response's nonce, nothing inline without it, no framing), and in production HSTS,
X-Frame-Options DENY, a referrer policy, secure cookies and a clean ``check --deploy``."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "test-only-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "ALLOWED_HOSTS": "reviewdesk.example.com",
}
TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def nonce_of(policy: dict[str, list[str]]) -> str | None:
    nonces = {s for s in policy["script-src"] if s.startswith("'nonce-")}
    assert len(nonces) <= 1
    return nonces.pop()[len("'nonce-") : -1] if nonces else None


def tags(html: str) -> list[tuple[str, str]]:
    """(tag, attributes) of every <script> and <style> of a page."""
    return [(name.lower(), attrs) for name, attrs in TAG.findall(html)]


def assert_every_inline_block_has_the_nonce(html: str, nonce: str | None):
    for name, attrs in tags(html):
        inline = name == "style" or ("src=" not in attrs and "application/json" not in attrs)
        found = re.search(r'nonce="([^"]*)"', attrs)
        if inline:
            assert found and found.group(1) == nonce, (name, attrs)
        elif found:
            assert found.group(1) == nonce, (name, attrs)


def test_the_policy_is_strict_and_enforced():
    directives = {
        k: [str(v) for v in values] for k, values in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()
    }
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "csp.constants.NONCE"],
        "style-src": ["'self'", "csp.constants.NONCE"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) is None  # enforced, not report-only
    assert settings.MIDDLEWARE.index("csp.middleware.CSPMiddleware") == 1


@pytest.mark.django_db
def test_the_login_page_gets_a_fresh_nonce_per_response_and_its_scripts_carry_it():
    client = Client()
    first, second = client.get(reverse("login")), client.get(reverse("login"))
    policies = [policy_of(first), policy_of(second)]
    nonces = [nonce_of(p) for p in policies]
    assert None not in nonces and nonces[0] != nonces[1]
    for response, policy, nonce in zip((first, second), policies, nonces, strict=True):
        assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
        assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        html = response.content.decode()
        assert f'<script src="/static/js/app.js" nonce="{nonce}" defer></script>' in html
        assert_every_inline_block_has_the_nonce(html, nonce)


@pytest.mark.django_db
def test_the_agent_pages_carry_the_policy(make_user, shop, policy_pack):
    from tests.cases.workspace_support import triaged_case

    agent = make_user("agent", shops=[shop])
    case = triaged_case(shop, assignee=agent)
    client = Client()
    client.force_login(agent)
    for url in (reverse("home"), reverse("cases:queue"), reverse("cases:case_detail", args=[case.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        nonce = nonce_of(policy_of(response))
        html = response.content.decode()
        assert nonce and f'nonce="{nonce}"' in html, url
        assert_every_inline_block_has_the_nonce(html, nonce)


@pytest.mark.django_db
def test_the_insights_dashboard_style_block_carries_the_nonce(make_user, shop):
    manager = make_user("manager", shops=[shop])
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("insights:dashboard"))
    assert response.status_code == 200
    nonce = nonce_of(policy_of(response))
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert_every_inline_block_has_the_nonce(html, nonce)


@pytest.mark.django_db
def test_the_admin_carries_the_policy_and_has_no_inline_script(make_user, shop):
    manager = make_user("manager", shops=[shop], is_staff=True)
    client = Client()
    client.force_login(manager)
    for url in (
        reverse("admin:index"),
        reverse("admin:policies_slatier_changelist"),
        reverse("policies:sandbox"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = policy_of(response)
        assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
        assert_every_inline_block_has_the_nonce(response.content.decode(), nonce_of(policy))


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_and_its_init_script_as_files(make_user):
    client = Client()
    client.force_login(make_user("agent"))  # the API description needs a login (F16)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    nonce = nonce_of(policy_of(page))
    html = page.content.decode()
    assert_every_inline_block_has_the_nonce(html, nonce)
    scripts = re.findall(r'<script src="([^"]+)" nonce="([^"]+)"></script>', html)
    assert [src for src, _ in scripts] == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/api/v1/docs/?script=",
    ]
    assert {n for _, n in scripts} == {nonce}
    init = client.get("/api/v1/docs/?script=")
    assert init.status_code == 200 and init["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle(" in init.content.decode() and "/api/v1/schema/" in init.content.decode()


def test_no_template_has_an_inline_handler_a_javascript_url_or_a_bare_inline_block():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = re.sub(
            r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S
        )
        for match in re.finditer(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text):
            offenders.append((path.name, match.group(0)[:60]))
        offenders += [(path.name, "javascript:") for _ in re.finditer(r"javascript:", text, re.IGNORECASE)]
        offenders += [(path.name, m.group(0)[:60]) for m in re.finditer(r'\sstyle="', text)]
        for name, attrs in tags(text):
            if (name == "style" or "src=" not in attrs) and 'nonce="{{ request.csp_nonce }}"' not in attrs:
                offenders.append((path.name, f"<{name}{attrs}>"))
    assert offenders == []


# --- Production --------------------------------------------------------------------------------


# What the test process itself sets and a production server never has: the browser tests' conftest sets
# DJANGO_ALLOW_ASYNC_UNSAFE (Playwright's sync API beside the live server), which check --deploy flags.
NOT_INHERITED = ("DEBUG", "DJANGO_ENV", "TRUSTED_PROXY_COUNT", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_production(*args: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": "reviewdesk.settings", **PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )


SECURITY_SETTINGS = (
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
)


@pytest.fixture(scope="module")
def production_settings() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SECURITY_SETTINGS!r}}}))"
    )
    done = run_production("-c", code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_settings_are_hardened(production_settings):
    assert production_settings == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }


def test_check_deploy_is_clean_in_production():
    done = run_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


@pytest.mark.django_db
def test_production_responses_carry_hsts_frame_denial_and_referrer_policy(production_settings, make_user):
    values = {
        k: tuple(v) if isinstance(v, list) else v for k, v in production_settings.items() if k != "DEBUG"
    }
    agent = make_user("agent")
    with override_settings(**values, ALLOWED_HOSTS=["reviewdesk.example.com"]):
        client = Client(HTTP_HOST="reviewdesk.example.com")
        plain = client.get(reverse("login"))
        assert (
            plain.status_code == 301 and plain["Location"] == "https://reviewdesk.example.com/accounts/login/"
        )

        page = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
        assert page.status_code == 200
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert page["X-Frame-Options"] == "DENY"
        assert page["Referrer-Policy"] == "same-origin"
        assert page["X-Content-Type-Options"] == "nosniff"
        assert policy_of(page)["frame-ancestors"] == ["'none'"]

        login = client.post(
            reverse("login"),
            {"username": agent.username, "password": "pw-Review-123"},
            HTTP_X_FORWARDED_PROTO="https",
        )
        assert login.status_code == 302
        session = login.cookies[settings.SESSION_COOKIE_NAME]
        assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")
        csrf = login.cookies[settings.CSRF_COOKIE_NAME]
        assert (csrf["secure"], csrf["samesite"]) == (True, "Lax")
