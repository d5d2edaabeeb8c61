"""The satisfaction survey at a phone's width (issue #21): the agent gives the link from the resolved
case's page, the buyer opens it on a 390 px screen without an account, taps 4, writes a comment, sends,
and is thanked; opening the link again says it was answered. Screenshot: test-artifacts/survey-390.png."""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CSP_LISTENER
from training.models import SatisfactionSurvey

from ..training.conftest import make_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_buyer_answers_the_survey_on_a_phone(
    page, browser, live_server, login, make_user, shop, screenshot, settings
):
    settings.SITE_URL = live_server.url
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    case = make_case(shop, assignee=agent, buyer_phone="13812345678")

    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("#survey-link")
    panel.get_by_role("button", name="生成调查链接").click()
    page.wait_for_load_state("load")
    link = page.locator("#survey-link-url")
    expect(link).to_be_visible()
    expect(page.get_by_role("button", name="复制链接")).to_be_visible()
    url = link.input_value()
    assert url.startswith(f"{live_server.url}/s/")

    violations = []
    phone_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone_context.expose_function("__reportCspViolation", lambda violation: violations.append(violation))
    phone_context.add_init_script(CSP_LISTENER)
    phone = phone_context.new_page()
    phone.goto(url)
    expect(phone.locator("h1")).to_have_text("您对本次售后处理满意吗？")
    body = phone.locator("body").inner_text()
    assert "淘宝旗舰店" in body and "13812345678" not in body and case.review.buyer_nick not in body
    four = phone.locator("label.score", has_text="4")
    box = four.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48  # a thumb's target
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    four.click()
    expect(phone.locator("input[name=score][value='4']")).to_be_checked()
    phone.locator("textarea[name=comment]").fill("客服很耐心，补发也很快")
    screenshot(phone, "survey-390")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_load_state("load")
    expect(phone.get_by_test_id("survey-thanks")).to_contain_text("您的评分已收到")
    screenshot(phone, "survey-390-thanks")
    phone.goto(url)
    expect(phone.get_by_test_id("survey-refusal")).to_contain_text("您已经答复过本次调查")
    phone_context.close()
    assert violations == []

    survey = SatisfactionSurvey.objects.get(case=case)
    assert (survey.score, survey.comment, survey.source, survey.recorded_by) == (
        4,
        "客服很耐心，补发也很快",
        "buyer_link",
        None,
    )
    page.reload()
    expect(page.locator("#survey-link")).to_contain_text("买家满意度：4 分")
