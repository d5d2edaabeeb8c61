"""Browser journey of a connected shop (Chromium via Playwright, a local TOP gateway on 127.0.0.1):

a supervisor connects the shop with ``connector_configure`` (the ops path), two bad reviews appear at the
gateway, ``connector_pull`` makes their cases; the agent posts a public reply on each from the case page;
the case's delivery panel shows "待发送", and after ``connector_flush`` "已送达平台" — or, for the review
the buyer had already appended to, "发送失败" with the platform's own message.
"""

import datetime as dt
import json
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import CaseStatus
from cases.models import Case
from connectors.models import OutboxReply
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.connectors.top_gateway import TopGateway

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPLY = "亲，非常抱歉给您带来不便，我们已为您安排补发新品，请留意物流信息。"


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    for limit in ContactLimit.objects.all():  # the journey must pass at any hour of the run
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()
    yield
    clear_policy_cache()


@pytest.fixture
def gateway(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_HTTP_TIMEOUT = 2.0
    with TopGateway() as running:
        yield running


def _public_reply(page, live_server, case, text):
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    composer = page.locator("#composer-public_reply")
    composer.locator("textarea[name=text]").fill(text)
    page.wait_for_selector("#check-public_reply .compliance")
    composer.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def test_a_pulled_review_gets_a_reply_delivered_and_a_refusal_shows_the_platforms_message(
    page, live_server, login, make_user, shop, seeded, gateway, screenshot, tmp_path
):
    supervisor = make_user("supervisor", shops=[shop])
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    credentials = tmp_path / "top.json"
    credentials.write_text(
        json.dumps(
            {"app_key": gateway.app_key, "app_secret": gateway.secret, "session_key": gateway.session}
        ),
        encoding="utf-8",
    )
    call_command(
        "connector_configure",
        "--shop",
        shop.code,
        "--platform",
        "taobao",
        "--gateway",
        gateway.url,
        "--credentials",
        str(credentials),
        stdout=open(os.devnull, "w"),
    )
    gateway.add_review(3101, created=timezone.now() - dt.timedelta(hours=2), result="bad", content="杯盖漏水")
    gateway.add_review(
        3102,
        created=timezone.now() - dt.timedelta(hours=3),
        result="bad",
        content="颜色不对",
        append_content="客服也不理人",
    )

    call_command("connector_pull", "--shop", shop.code, "--json", stdout=open(os.devnull, "w"))

    delivered_case = Case.objects.get(review__sub_order_no="3101")
    refused_case = Case.objects.get(review__sub_order_no="3102")
    Case.objects.filter(pk__in=[delivered_case.pk, refused_case.pk]).update(
        assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1
    )
    assert supervisor.pk  # the supervisor connected the shop through the ops command above

    login(page, agent)
    _public_reply(page, live_server, delivered_case, REPLY)
    panel = page.locator("#platform-delivery")
    expect(panel).to_contain_text("待发送")  # loaded by htmx after the page
    screenshot(page, "connectors-delivery-pending")
    _public_reply(page, live_server, refused_case, REPLY)
    expect(page.locator("#platform-delivery")).to_contain_text("待发送")
    assert OutboxReply.objects.count() == 2

    call_command("connector_flush", "--shop", shop.code, "--json", stdout=open(os.devnull, "w"))

    assert gateway.reviews["3101"]["reply"] == REPLY
    page.goto(f"{live_server.url}/cases/{delivered_case.pk}/")
    expect(page.locator("#platform-delivery tr[data-state=delivered]")).to_contain_text("已送达平台")
    screenshot(page, "connectors-delivery-delivered")
    page.goto(f"{live_server.url}/cases/{refused_case.pk}/")
    failed = page.locator("#platform-delivery tr[data-state=failed]")
    expect(failed).to_contain_text("发送失败")
    expect(failed).to_contain_text("买家已追评，不能解释")  # the platform's own words
    screenshot(page, "connectors-delivery-failed")
    assert "reply" not in gateway.reviews["3102"]
