"""Browser journey (Chromium via Playwright) of the knowledge base: a manager writes a quick-reply
article for an item and a question for its product line's exam on the knowledge pages; an agent opens
a case about that item, sees the article in the case page's knowledge panel and inserts the quick reply
into the composer (whose live compliance check runs on it); then the agent takes the product exam and
passes. Screenshots: test-artifacts/kb-*.png."""

import datetime as dt
import os

import pytest
from django.core.management import call_command

from cases.choices import CaseStatus
from knowledge.models import Article, ArticleUse, ExamAttempt, ProductLine
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.cases.workspace_support import triaged_case
from training.models import Score

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPLY = "亲，这款连衣裙的拉链卡住时，可以用铅笔芯在拉链齿上涂一下，很快就顺滑了。"


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    for limit in ContactLimit.objects.all():  # the journey must pass at any hour of the run
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()
    yield
    clear_policy_cache()


def test_manager_writes_agent_uses_it_on_a_case_and_passes_the_exam(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    line = ProductLine.objects.create(code="dress", name="连衣裙", question_count=1, duration_minutes=10)
    manager = make_user("manager", shops=[shop], display_name="陈经理")
    agent = make_user("agent", shops=[shop], display_name="王小丽")

    login(page, manager)
    page.goto(f"{live_server.url}/knowledge/new/")
    form = page.locator("#article-form")
    form.locator("#id_title").fill("连衣裙拉链卡住的处理")
    form.locator("#id_kind").select_option("answer")
    form.locator("#id_status").select_option("published")
    form.locator("#id_shop").select_option(str(shop.pk))
    form.locator("#id_product_line").select_option(str(line.pk))
    form.locator("#id_item_id").fill("6001")
    form.locator("#id_body").fill(REPLY)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#article-body")
    article = Article.objects.get()
    question = page.locator("#question-form")
    question.locator("#id_kind").select_option("single")
    question.locator("#id_text").fill("拉链卡住时先怎么处理？")
    question.locator("#id_options").fill("用铅笔芯润滑\n用力拉\n直接退货")
    question.locator("#id_correct").fill("1")
    question.locator("button[type=submit]").click()
    page.wait_for_selector("text=考题已加入题库。")
    assert article.questions.count() == 1
    screenshot(page, "kb-article")

    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    case.review.item_id = "6001"
    case.review.save(update_fields=["item_id"])
    page.context.clear_cookies()
    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("#kb-panel")
    panel.get_by_text("连衣裙拉链卡住的处理").wait_for()
    composer = page.locator("#composer-record_contact")
    composer.locator("select[name=channel]").select_option("private_message")
    panel.locator("button.kb-insert").click()
    area = composer.locator("textarea[name=text]")
    assert area.input_value() == REPLY
    page.wait_for_selector("#check-record_contact .compliance")
    assert "不能发送" not in page.locator("#check-record_contact").inner_text()
    page.wait_for_function("() => true")  # let the use's POST land
    screenshot(page, "kb-case-quick-reply")
    for _ in range(50):
        if ArticleUse.objects.filter(article=article, case=case, user=agent).exists():
            break
        page.wait_for_timeout(100)
    assert ArticleUse.objects.filter(article=article, case=case, user=agent).count() == 1

    page.goto(f"{live_server.url}/knowledge/exam/")
    page.locator(f"button[data-line='{line.pk}']").click()
    page.wait_for_selector("#exam-form")
    screenshot(page, "kb-exam")
    page.get_by_label("用铅笔芯润滑").check()
    page.locator("#exam-submit").click()
    page.wait_for_selector("#exam-result")
    assert "通过" in page.locator("#exam-result").inner_text()
    screenshot(page, "kb-exam-result")
    attempt = ExamAttempt.objects.get(agent=agent)
    assert attempt.passed is True
    assert Score.objects.get(agent=agent, module__code="product_knowledge").value == 100
