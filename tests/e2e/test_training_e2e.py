"""Browser journey: a supervisor scores a handled case on the QA scorecard; the agent sees it on theirs."""

import os

import pytest

from tests.training.conftest import make_case
from training.models import QaRubric

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_supervisor_scores_a_case_and_the_agent_sees_it(
    page, live_server, login, make_user, shop, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    supervisor = make_user("supervisor", shops=[shop], display_name="陈静")
    case = make_case(shop, assignee=agent, status="resolved")
    rubric = QaRubric.objects.get(name="中差评处理质检标准")
    items = {item.name: item.pk for item in rubric.items.all()}

    login(page, supervisor)
    page.goto(f"{live_server.url}/training/qa/")
    page.click(f"a[href='/training/qa/cases/{case.pk}/']")
    for name, pk in items.items():
        page.check(f"input[name=item_{pk}][value='{'0' if name == '不找借口' else '1'}']")
    page.fill("textarea[name=comment]", "致歉到位，但解释时提到了快递原因")
    screenshot(page, "training-qa-scorecard")
    page.click("#qa-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/training/qa/reviews/**")
    assert page.locator(".qa-total").inner_text() == "80.00"
    assert page.locator(".messages").inner_text() == "质检已保存：得分 80.00。"

    page.context.clear_cookies()
    login(page, agent)
    page.goto(f"{live_server.url}/training/")
    row = page.locator("#qa-reviews tr.qa-review-row")
    assert row.count() == 1
    assert f"#{case.pk}" in row.inner_text() and "80.00" in row.inner_text() and "陈静" in row.inner_text()
    screenshot(page, "training-agent-scorecard")
    row.locator("a").click()
    page.fill("textarea[name=reason]", "快递确实延误，我只是如实说明")
    page.click("button.danger")
    assert page.locator("#qa-result strong").nth(0).inner_text() == "申诉中"
    screenshot(page, "training-agent-disputed")
