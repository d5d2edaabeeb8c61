"""A client viewer's day (issue #18), in Chromium: the brand's own staff member logs in, opens the
dashboard, the case list of their client's shops, a case page without the buyer's personal data (the nick
masked, no phone, address or reveal button, no evidence download), and cannot reach another client's
case by typing its URL, then opens the weekly page and downloads their client's stored weekly report (and
not another client's). Screenshots go to test-artifacts/."""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from insights.periods import last_complete_week
from insights.services.reports import weekly_report_store
from policies.loader import clear_policy_cache
from reviewdesk.models import Client, ClientMembership
from reviewdesk.pii import mask_nick
from tests.cases.workflow_factories import put_in_state, triaged_case
from tests.factories import ShopFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = "13812345678"


@pytest.fixture
def two_clients(db):
    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    shop_jia = ShopFactory(code="jia-tb", platform="taobao", name="甲家淘宝店", client=jia)
    shop_yi = ShopFactory(code="yi-jd", platform="jd", name="乙家京东店", client=yi)
    yield jia, yi, shop_jia, shop_yi
    clear_policy_cache()


def test_a_client_viewers_day(page, live_server, login, make_user, two_clients, screenshot):
    jia, yi, shop_jia, shop_yi = two_clients
    agent = make_user("agent", shops=[shop_jia, shop_yi], display_name="王小丽")
    ours = put_in_state(
        triaged_case(shop_jia, content=f"客服不回消息，打我电话{PHONE}", phone=PHONE),
        "in_progress",
        agent=agent,
    )
    theirs = put_in_state(triaged_case(shop_yi), "in_progress", agent=agent)
    viewer = make_user("client_viewer", display_name="品牌甲查看", is_staff=True)
    ClientMembership.objects.create(client=jia, user=viewer)

    login(page, viewer)
    page.goto(f"{live_server.url}/insights/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("select[name=shop]")).to_contain_text("甲家淘宝店")
    expect(page.locator("select[name=shop]")).not_to_contain_text("乙家京东店")

    page.click("nav.mainnav >> text=案件列表")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"#{ours.pk}")
    expect(rows.first).to_contain_text(mask_nick(ours.review.buyer_nick))
    expect(rows.first).not_to_contain_text(ours.review.buyer_nick)
    expect(page.locator("select[name=client]")).to_contain_text("品牌甲")
    expect(page.locator("select[name=client]")).not_to_contain_text("品牌乙")
    screenshot(page, "client-viewer-queue")

    page.click(f"text=#{ours.pk}")
    page.wait_for_url(f"{live_server.url}/cases/{ours.pk}/")
    review = page.locator("#review")
    expect(review).to_contain_text(mask_nick(ours.review.buyer_nick))
    expect(review).to_contain_text("[电话已隐藏]")
    content = page.content()
    assert ours.review.buyer_nick not in content and PHONE not in content and "138****5678" not in content
    expect(page.locator("#buyer-contact")).to_have_count(0)
    expect(page.get_by_role("button", name="查看完整信息")).to_have_count(0)
    expect(page.locator("#evidence-upload")).to_have_count(0)
    expect(page.locator(".case-actions form, form[action*='/act/']")).to_have_count(0)
    screenshot(page, "client-viewer-case")

    response = page.goto(f"{live_server.url}/cases/{theirs.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(theirs.review.order_no)

    # The weekly report of their client: listed on the weekly page, downloaded; another client's is not found.
    week = last_complete_week()
    mine = weekly_report_store(week=week, shop=None, client=jia)
    other = weekly_report_store(week=week, shop=None, client=yi)
    page.goto(f"{live_server.url}/insights/weekly/")
    stored = page.locator("#weekly-stored")
    expect(stored).to_contain_text(f"{week.key} · 品牌甲")
    expect(stored).not_to_contain_text("品牌乙")
    screenshot(page, "client-viewer-weekly")
    with page.expect_download() as download:
        stored.locator(f"a[href='/insights/reports/{mine.pk}/download/']").click()
    assert download.value.suggested_filename == f"top3-{week.key}-client-brand-jia.xlsx"
    response = page.goto(f"{live_server.url}/insights/reports/{other.pk}/download/")
    assert response.status == 404
