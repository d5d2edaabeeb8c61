"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test here is marked ``e2e``. Without /usr/bin/chromium the tests are skipped with a reason
(`.ci/run` installs it, so CI always runs them). Screenshots go to ``test-artifacts/``.

The Content Security Policy is enforced in tests as everywhere: every page a test opens reports each
violation (the browser's ``securitypolicyviolation`` event, and its "Refused to …" console errors),
and a test whose pages caused any fails at teardown, naming the directive and the blocked thing.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# A loaded CI machine (two cores, several suites) can take longer than Playwright's default 5 s to serve a
# page and run its deferred scripts; a real failure still fails, later.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in this thread; the live server's database access is
# synchronous Django code, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_TEST_PASSWORD = "pw-Review-123"  # tests.factories.UserFactory's password


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 768},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


# Runs in every document before the page's own scripts (Playwright injects it past the CSP) and hands
# each violation to the binding below, which survives navigations.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.effectiveDirective, blocked: event.blockedURI, source: event.sourceFile,
    line: event.lineNumber, sample: event.sample, page: document.location.href,
  });
});
"""


@pytest.fixture
def csp_violations():
    """The CSP violations the test's pages reported (dicts; console lines as {"console": text})."""
    return []


@pytest.fixture
def context(context, csp_violations):
    def report(violation):
        csp_violations.append(violation)

    context.expose_function("__reportCspViolation", report)
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or text.startswith("Refused to")):
            csp_violations.append({"console": text})

    context.on("console", on_console)
    yield context
    assert csp_violations == [], "the pages broke the Content Security Policy"


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(live_server):
    """login(page, user) signs in through the real login form."""

    def do(page, user, password: str = DEMO_TEST_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/**")
        return page

    return do
