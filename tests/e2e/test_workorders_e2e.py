"""Browser journeys of internal work orders (Chromium via Playwright):

* an agent raises a blocking work order to the warehouse from the case page, cannot resolve while it is
  open, the warehouse member answers on the order's page (setting the responsibility), and the agent
  resolves;
* a supplier without an account answers through the link the agent passes on, with a photo, once;
* the warehouse's lead opens the weekly report's page his robot links to (his orders behind the top issues).
"""

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import CaseStatus
from cases.models import Case
from policies.loader import clear_policy_cache
from tests.workorders.support import contact, member, open_case, raise_order
from workorders.choices import WorkOrderStatus
from workorders.models import WorkOrder

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00" * 32
)


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    yield
    clear_policy_cache()


def test_agent_raises_warehouse_answers_agent_resolves(
    page, browser, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    clerk = member(make_user, "warehouse", shops=[shop], mobile="13700000001")
    case = open_case(shop, agent, status=CaseStatus.VERIFIED, verified_at=timezone.now())

    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("#work-orders")
    raise_form = panel.locator("#work-order-raise")
    expect(raise_form).to_be_visible()  # loaded by htmx after the page
    raise_form.locator("select[name=request_type]").select_option(
        label="仓库 · 核实库存 (2.0小时 · 阻塞结案)"
    )
    raise_form.locator("textarea[name=question]").fill("请核实1.8米款的库存和发货批次")
    raise_form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("已向仓库发起工单")
    expect(page.locator("#work-orders tr[data-status=open]")).to_have_count(1)
    order = WorkOrder.objects.get(case=case)

    page.locator("#action-resolve textarea[name=note]").fill("处理完毕")
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("#refusal")).to_contain_text("还有未答复的工单(仓库)")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.VERIFIED

    warehouse_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    warehouse = warehouse_context.new_page()
    login(warehouse, clerk)
    warehouse.click("nav.mainnav >> text=内部工单")
    expect(warehouse.locator("#open-orders")).to_contain_text(f"#{order.pk} 仓库")
    warehouse.locator(f"#open-orders a[href='/workorders/{order.pk}/']").click()
    warehouse.wait_for_load_state("load")
    form = warehouse.locator("#work-order-answer")
    form.locator("textarea[name=answer]").fill("库存正确，是仓库发错了批次，已补发")
    form.locator("select[name=responsibility]").select_option("warehouse")
    form.locator("button[type=submit]").click()
    warehouse.wait_for_load_state("load")
    expect(warehouse.locator("[data-testid=work-order-answer]")).to_contain_text("已补发")
    warehouse_context.close()

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.wait_for_load_state("load")
    expect(page.locator("#work-orders tr[data-status=answered]")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("库存正确")
    page.locator("#action-resolve textarea[name=note]").fill("仓库已补发，处理完毕")
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator(".case-head .badge").first).to_contain_text("已解决")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.responsibility == "warehouse"
    screenshot(page, "workorders-case-resolved")


def test_a_supplier_answers_through_the_link_once(
    page, browser, live_server, login, make_user, shop, seeded, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    agent = make_user("agent", shops=[shop])
    supplier = contact("supplier", "华东面料厂")
    case = open_case(shop, agent)

    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    raise_form = page.locator("#work-order-raise")
    expect(raise_form).to_be_visible()
    raise_form.locator("select[name=request_type]").select_option(
        label="采购/供应商 · 确认质量问题 (24.0小时)"
    )
    raise_form.locator("select[name=contact]").select_option(str(supplier.pk))
    raise_form.locator("textarea[name=question]").fill("买家反馈开线，请确认是否为批次问题")
    raise_form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    link = page.locator("#work-orders input.work-order-link")
    expect(link).to_be_visible()
    url = link.input_value()

    outside = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
    phone = outside.new_page()
    phone.goto(url)
    expect(phone.locator("h1")).to_contain_text("采购/供应商 · 确认质量问题")
    form = phone.locator("#external-answer")
    form.locator("textarea[name=answer]").fill("确认B12批次缝线有问题，已安排返工")
    form.locator("select[name=responsibility]").select_option("supplier")
    form.locator("input[name=files]").set_input_files(
        files=[{"name": "质检照片.png", "mimeType": "image/png", "buffer": PNG}]
    )
    form.locator("button[type=submit]").click()
    phone.wait_for_load_state("load")
    expect(phone.locator("#answer-done")).to_contain_text("答复已提交")
    screenshot(phone, "workorders-external-answer")
    phone.goto(url)
    expect(phone.locator("#refusal")).to_contain_text("已经用过")
    outside.close()

    order = WorkOrder.objects.get(case=case)
    assert order.status == WorkOrderStatus.ANSWERED and order.answered_by_contact == supplier
    assert order.attachments.get(of_answer=True).original_name == "质检照片.png"
    assert Case.objects.get(pk=case.pk).responsibility == "supplier"


def test_the_warehouse_lead_opens_the_weeks_orders_behind_the_top_issues(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    from insights.periods import local_today, week_of
    from insights.services.rollup import rollup_rebuild
    from workorders.weekly import page_path

    agent = make_user("agent", shops=[shop])
    lead = member(make_user, "warehouse", shops=[shop], lead=True)
    case = open_case(shop, agent)
    order = raise_order(case, agent, question="请核实本周开线批次的库存")
    raise_order(case, agent, "supplier", "confirm_defect")  # not the warehouse's: not on his page
    week = week_of(local_today(case.opened_at))
    rollup_rebuild(shop_id=shop.pk, days=[week.monday + dt.timedelta(days=i) for i in range(7)])

    login(page, lead)
    page.goto(f"{live_server.url}{page_path(week, shop.pk)}")  # the link of the robot's weekly message
    issue = page.locator("#weekly-issue-1")
    expect(issue).to_contain_text(f"#{order.pk} 仓库")
    expect(issue).to_contain_text("请核实本周开线批次的库存")
    expect(issue.locator("tr[id^=work-order-]")).to_have_count(1)
    screenshot(page, "workorders-weekly-lead")
