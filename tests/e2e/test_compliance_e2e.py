"""Browser journey (Chromium via Playwright): an agent in the workspace composer types a reworded
inducement — spaced, traditional characters, a star for 五 — and is stopped: the live check shows the
finding with the words as typed, and submitting anyway is refused with nothing recorded. Then the
agent rewrites the message without the inducement and it passes."""

import datetime as dt
import os

import pytest
from django.core.management import call_command

from cases.choices import CaseStatus
from cases.models import ContactAttempt
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.cases.workspace_support import triaged_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REWORDED = "亲，給個5⭐好 評吧，好 評 後聯系客服領取5元紅包哦"


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    # The default pack forbids contacts 22:00–08:00; the journey must pass at any hour of the run.
    for limit in ContactLimit.objects.all():
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()
    yield
    clear_policy_cache()


def test_agent_is_stopped_by_a_reworded_inducement(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)

    login(page, agent)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    composer = page.locator("#composer-record_contact")
    composer.locator("select[name=channel]").select_option("private_message")
    composer.locator("input[name=reached][value='1']").check()
    composer.locator("textarea[name=text]").fill(REWORDED)

    check = page.locator("#check-record_contact")
    page.wait_for_selector("#check-record_contact .compliance.blocked")
    shown = check.inner_text()
    assert "不能发送" in shown
    assert "“好 評 後聯系客服領取”" in shown  # the words as the agent typed them
    assert "利益换取好评" in shown  # the rule's reason
    screenshot(page, "compliance-reworded-inducement")

    composer.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "内容违反平台规则，不能发送" in page.content()
    assert not ContactAttempt.objects.filter(case=case).exists()

    composer = page.locator("#composer-record_contact")
    composer.locator("select[name=channel]").select_option("private_message")
    composer.locator("input[name=reached][value='1']").check()
    composer.locator("textarea[name=text]").fill(
        "亲，非常抱歉给您带来不好的体验，我们已为您补发，请注意查收。"
    )
    page.wait_for_selector("#check-record_contact .compliance .ok")
    composer.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已完成：记录联系" in page.locator(".messages").inner_text()
    assert ContactAttempt.objects.filter(case=case).count() == 1
