"""The Content Security Policy is enforced and nothing breaks under it: the admin (changelist filters and
actions, a change form with an inline and its date picker, a history list, an export page, the policy sandbox), the agent queue and case
page, and the API docs, each served with the header, each working, none reporting a violation
(tests/e2e/conftest.py fails any browser test whose pages reported one)."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import CaseStatus
from cases.models import Case
from policies.loader import clear_policy_cache
from policies.models import BusinessCalendar, CompensationRule, SlaTier
from tests.cases.routing_support import sla_fields
from tests.cases.workspace_support import triaged_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    yield
    clear_policy_cache()


def csp_of(response) -> dict[str, list[str]]:
    """The enforced policy of a response, as {directive: sources}; scripts only from 'self' or a nonce."""
    header = response.headers.get("content-security-policy", "")
    policy = {
        name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }
    assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"], header
    assert [s for s in policy["script-src"] if s != "'self'" and not s.startswith("'nonce-")] == [], header
    return policy


def test_the_guard_catches_a_violation(page, live_server, csp_violations):
    """The conftest's listener is live: an inline script slipped into a page is blocked and reported."""
    csp_of(page.goto(f"{live_server.url}/accounts/login/"))
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                             document.head.appendChild(s); }""")
    expect(page.locator("#id_username")).to_be_visible()
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None
    assert [v.get("directive") for v in csp_violations if "directive" in v] == ["script-src-elem"]
    csp_violations.clear()  # expected here; any other test's violation fails it


def test_the_admin_works_under_the_policy(page, live_server, login, make_user, shop, seeded):
    from django.contrib.auth.models import Group

    manager = make_user("manager", shops=[shop], is_staff=True)
    manager.groups.add(Group.objects.get(name="policy_owner"))  # the seeded rules are global (F5)
    login(page, manager)

    # Changelist: a filter, then select-all and the action bar (admin/js/actions.js).
    csp_of(page.goto(f"{live_server.url}/admin/policies/compensationrule/"))
    rows = CompensationRule.objects.count()
    assert rows > 1
    page.locator("#changelist-filter a", has_text="是").first.click()
    expect(page.locator("#changelist-filter")).to_be_visible()
    assert "active__exact=1" in page.url
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text(
        f"{CompensationRule.objects.filter(active=True).count()}"
    )
    page.select_option("select[name=action]", "delete_selected")

    # Change form: add an inline holiday row (inlines.js) and fill it from the date picker's "today".
    calendar = BusinessCalendar.objects.first()
    csp_of(page.goto(f"{live_server.url}/admin/policies/businesscalendar/{calendar.pk}/change/"))
    group = page.locator("#exceptions-group")
    group.locator(".add-row a").click()
    row = group.locator("tr.dynamic-exceptions").last
    row.locator(".datetimeshortcuts a", has_text="今天").click()
    today = timezone.localdate().strftime("%Y/%m/%d")  # the Chinese admin date format
    expect(row.locator("input.vDateField")).to_have_value(today)

    # The history list (django-simple-history, templates/simple_history/object_history_list.html).
    tier = SlaTier.objects.first()
    csp_of(page.goto(f"{live_server.url}/admin/policies/slatier/{tier.pk}/history/"))
    expect(page.locator("#change-history")).to_be_visible()
    assert page.locator("p.history-paginator").evaluate("p => getComputedStyle(p).borderTopStyle") == "none"

    # The export page (django-import-export, templates/admin/import_export/export.html): "select all".
    csp_of(page.goto(f"{live_server.url}/admin/policies/slatier/export/"))
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    assert fields.count() > 1
    page.uncheck("input.select-toggle")
    expect(page.locator(".selectable-field-export-row input[type=checkbox]:visible:checked")).to_have_count(0)
    page.check("input.select-toggle")
    expect(page.locator(".selectable-field-export-row input[type=checkbox]:visible:checked")).to_have_count(
        fields.count()
    )

    # The policy sandbox: its inline <style> carries the nonce, so its grid layout applies.
    csp_of(page.goto(f"{live_server.url}/policies/sandbox/"))
    assert page.locator(".sandbox").evaluate("e => getComputedStyle(e).display") == "grid"


def test_the_agent_queue_and_case_page_work_under_the_policy(
    page, live_server, login, make_user, shop, seeded
):
    agent = make_user("agent", shops=[shop])
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    Case.objects.filter(pk=case.pk).update(**sla_fields(start=timezone.now(), minutes=120))
    login(page, agent)

    csp_of(page.goto(f"{live_server.url}/cases/queue/"))
    assert page.evaluate("() => typeof window.htmx") == "object"
    countdown = page.locator("time.countdown").first
    expect(countdown).not_to_have_text(countdown.inner_text(), timeout=5000)  # workspace.js ticks it

    page.locator(f"tr[data-href$='/cases/{case.pk}/'] td").nth(3).click()  # the row link (workspace.js)
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("h1").first.inner_text().startswith(f"案件 #{case.pk}")
    with page.expect_navigation():  # the language switcher submits through app.js
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_api_docs_render_their_operations_under_the_policy(page, live_server, login, make_user, shop):
    login(page, make_user("agent", shops=[shop]))  # the API description needs a login (F16)
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    csp_of(response)
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible(timeout=15000)
    paths = operations.all_inner_texts()
    assert "/api/v1/reviews/" in [p.replace("\u200b", "") for p in paths]
    page.locator(".opblock-summary", has_text="/api/v1/reviews/").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_a_fresh_nonce_per_page_in_the_browser(page, live_server):
    first = csp_of(page.goto(f"{live_server.url}/accounts/login/"))["script-src"]
    second = csp_of(page.goto(f"{live_server.url}/accounts/login/"))["script-src"]
    assert first[0] == second[0] == "'self'" and first[1].startswith("'nonce-") and first[1] != second[1]
    nonce = second[1].removeprefix("'nonce-").removesuffix("'")
    # the browser hides a nonce attribute's value from the DOM attribute but keeps it on .nonce
    assert page.locator("script[src$='js/app.js']").evaluate("s => s.nonce") == nonce
