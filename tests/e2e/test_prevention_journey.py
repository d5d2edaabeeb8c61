"""Browser journey of prevention (Chromium via Playwright): the sweep finds a parcel silent for two days,
an agent opens the late-parcel task from the queue, reads the offer the rule suggests and records that the
buyer was compensated; the task leaves the open list. Screenshots: test-artifacts/prevention-*.png."""

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from policies.loader import clear_policy_cache
from prevention.choices import LateReason, TaskStatus
from prevention.models import PreventionTask
from prevention.sweep import late_sweep
from tests.prevention.conftest import make_order

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    yield
    clear_policy_cache()


def test_an_agent_works_a_late_parcel_task_from_the_queue(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    now = timezone.now()
    order = make_order(
        shop,
        "3901234567890123",
        courier="中通快递",
        tracking_no="ZT7788990011",
        shipped_at=now - dt.timedelta(days=3),
        last_movement_at=now - dt.timedelta(days=2, hours=12),
        station="杭州转运中心",
    )
    late_sweep(now=now)
    task = PreventionTask.objects.get(order=order)
    assert task.reason == LateReason.NO_MOVEMENT

    login(page, agent)
    page.click("nav.mainnav >> text=事前预防")
    row = page.locator(f"#open-tasks #prevention-task-{task.pk}")
    expect(row).to_contain_text("物流长时间未更新")
    expect(row).to_contain_text("3901234567890123")
    screenshot(page, "prevention-queue")

    row.locator("a").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("[data-testid=offer-text]")).to_contain_text("5元无门槛优惠券")
    form = page.locator("#task-outcome-form")
    form.locator("select[name=outcome]").select_option("compensated")
    form.locator("textarea[name=note]").fill("已发5元券，告知物流在跟进")
    screenshot(page, "prevention-task")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")

    expect(page.locator(".messages")).to_contain_text("已记录处理结果")
    expect(page.locator(f"#open-tasks #prevention-task-{task.pk}")).to_have_count(0)
    expect(page.locator(f"#done-tasks #prevention-task-{task.pk}")).to_contain_text("已补偿")
    screenshot(page, "prevention-done")
    task.refresh_from_db()
    assert (task.status, task.outcome, task.done_by_id) == (TaskStatus.DONE, "compensated", agent.pk)
