"""Browser journey of routing that never dead-ends (Chromium via Playwright, 1366×768):

a case routing could give to nobody waits in the team page's unassigned queue with the reason (the
shop's only agent is at their cap); the supervisor opens the picker, sees that agent greyed out with
the reason, ticks "越权分配", picks them, writes why and assigns; the case page's timeline shows who
overrode what and why.

A screenshot of the picker is saved to test-artifacts/.
"""

import os

import pytest
from playwright.sync_api import expect

from cases.choices import CaseStatus, WorkflowAction
from cases.models import Assignment, Case, CaseEvent
from cases.routing.assign import route_cases
from tests.cases.routing_support import make_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_assigns_past_the_cap_with_an_override_and_sees_it_on_the_timeline(
    page, live_server, login, make_user, shop, screenshot
):
    full = make_user("agent", shops=[shop], display_name="张三", max_open_cases=2)
    for _ in range(2):
        make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=full)
    boss = make_user("supervisor", shops=[shop], display_name="周主管")
    case = make_case(shop)
    route_cases(case_ids=[case.pk])
    assert Case.objects.get(pk=case.pk).assignee is None

    login(page, boss)
    page.click("nav.mainnav >> text=团队负载")
    page.wait_for_load_state("load")  # htmx (a deferred script) must be ready before "分配…" is clicked
    row = page.locator(f"#unassigned tr[data-case='{case.pk}']")
    expect(row.locator("td.unassigned-reason")).to_contain_text("张三（在办已达上限 2/2")

    row.locator("button", has_text="分配…").click()
    form = row.locator("form[data-testid=assign-form]")
    expect(form).to_be_visible()
    option = form.locator(f"option[value='{full.pk}']")
    expect(option).to_contain_text("张三 · 2/2 — 在办已达上限 2/2")
    expect(option).to_be_disabled()
    form.locator("input[name=override]").check()
    expect(option).to_be_enabled()
    form.locator("select[name=user]").select_option(str(full.pk))
    form.locator("input[name=reason]").fill("大促值班，张三熟悉这个商品")
    screenshot(page, "routing-override-picker")
    form.locator("button[type=submit]").click()

    expect(page.locator("body")).to_contain_text(f"案件 #{case.pk} 已分配给 张三。")
    assert Case.objects.get(pk=case.pk).assignee_id == full.pk
    row = Assignment.objects.get(case_id=case.pk, to_user=full)
    assert (row.by_id, row.reason) == (boss.pk, "大促值班，张三熟悉这个商品")
    assert row.overridden[0]["problem"] == "at_cap"

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    entry = page.locator("#timeline li", has_text="越权分配").last
    entry.locator("summary").click()
    expect(entry).to_contain_text("周主管")
    expect(entry).to_contain_text("张三：在办已达上限 2/2")
    expect(entry).to_contain_text("大促值班，张三熟悉这个商品")
    expect(page.locator("#timeline")).to_contain_text("无人可分配")
    assert CaseEvent.objects.filter(case_id=case.pk, action=WorkflowAction.ASSIGN, actor=boss).count() == 1
