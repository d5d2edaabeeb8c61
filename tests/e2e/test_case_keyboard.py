"""An agent works a case with the keyboard only (Chromium via Playwright): the shop's unassigned queue,
j to the case and Enter to open it, c to claim, r to the reply box, typing, Ctrl+Enter to send, l to
the contact's box, the buyer not reached, Ctrl+Enter to record it; ? opens and closes the shortcut help,
and j/k on the case page walk the queue's order. No mouse click anywhere.

Screenshots of the case page at 1440 and 390 px wide go to test-artifacts/case-<width>.png.
"""

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import CaseStatus
from cases.models import Case, ContactAttempt, Reply
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.cases.routing_support import sla_fields
from tests.cases.workspace_support import triaged_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    for limit in ContactLimit.objects.all():  # contacts are refused 22:00–08:00: the run may be at night
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()
    yield
    clear_policy_cache()


def _due_in(minutes: int) -> dict:
    now = timezone.now()
    return sla_fields(start=now - dt.timedelta(minutes=60), minutes=60 + minutes)


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return (e.id || e.name || e.tagName); }")


def test_an_agent_works_a_case_with_the_keyboard_only(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="键盘客服")
    first = triaged_case(shop, status=CaseStatus.NEW, content="发货太慢了，等了一周", **_due_in(20))
    target = triaged_case(shop, status=CaseStatus.NEW, content="质量太差，做工粗糙，开线了", **_due_in(90))
    login(page, agent)

    page.goto(f"{live_server.url}/cases/queue/shop/")
    rows = page.locator("#queue-results tr[data-href]")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-href").endswith(f"/{first.pk}/")  # the more urgent one first
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # the row's link has the focus
    page.wait_for_url(f"**/cases/{target.pk}/")

    # The help overlay: ? opens it, ? closes it.
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_hidden()

    # k on the case page goes back to the previous case of the queue's order, j forward again.
    expect(page.locator(".case-pager [data-case-position]")).to_have_text("2 / 2")
    page.keyboard.press("k")
    page.wait_for_url(f"**/cases/{first.pk}/")
    page.keyboard.press("j")
    page.wait_for_url(f"**/cases/{target.pk}/")

    page.keyboard.press("c")
    expect(page.locator(".messages")).to_contain_text("已完成：认领")
    target.refresh_from_db()
    assert (target.assignee_id, target.status) == (agent.pk, CaseStatus.ASSIGNED)

    page.keyboard.press("r")
    assert _focused(page) == "text-public_reply"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("非常抱歉给您带来不好的体验，我们已安排专人跟进处理。")
    expect(page.locator("#check-public_reply")).to_contain_text("合规检查通过")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("已完成：公开回复/解释")
    assert Reply.objects.get(case=target, channel="public_reply").text == (
        "非常抱歉给您带来不好的体验，我们已安排专人跟进处理。"
    )

    page.keyboard.press("l")
    assert _focused(page) == "text-record_contact"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("您好，我们是店铺客服，关于您的评价想和您沟通一下。")
    for _ in range(4):  # back to the "reached" radios, past the template's select
        if _focused(page) == "reached":
            break
        page.keyboard.press("Shift+Tab")
    assert _focused(page) == "reached"
    page.keyboard.press("Space")
    for _ in range(4):
        if _focused(page) == "text-record_contact":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("已完成：记录联系")
    contact = ContactAttempt.objects.get(case=target)
    assert contact.by_id == agent.pk
    assert Case.objects.get(pk=target.pk).status == CaseStatus.WAITING_BUYER

    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/cases/{target.pk}/")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"the case page is {scroll} px wide at {width} px"
        screenshot(page, f"case-{width}")
    # At phone width, the action area on its own (the full page is too tall to read in one image).
    page.locator("#actions").screenshot(
        path=str(screenshot(page, "case-390")).replace(".png", "-actions.png")
    )


def test_shortcuts_do_nothing_while_typing(page, live_server, login, make_user, shop, seeded):
    agent = make_user("agent", shops=[shop])
    case = triaged_case(shop, status=CaseStatus.NEW)
    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    field = page.locator("#evidence-upload input[type=text], #evidence-upload textarea").first
    field.focus()
    page.keyboard.press("c")
    expect(field).to_have_value("c")
    page.wait_for_timeout(300)
    case.refresh_from_db()
    assert case.assignee_id is None  # "c" in a field claimed nothing
