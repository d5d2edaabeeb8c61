"""Browser journey: a manager opens the dashboard, filters it to one shop, and downloads the weekly report."""

import io
import os

import pytest
from openpyxl import load_workbook

from tests.insights.dataset import build

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_filters_dashboard_and_downloads_weekly_report(page, live_server, login, screenshot):
    world = build()
    login(page, world.manager)
    page.goto(f"{live_server.url}/")
    page.click("nav.mainnav >> text=数据看板")
    page.wait_for_url(f"{live_server.url}/insights/**")
    page.fill("#id_start", "2026-11-09")
    page.fill("#id_end", "2026-11-22")
    page.select_option("#id_shop", "tb-main")
    page.click("#insights-filter button[type=submit]")
    page.wait_for_url("**shop=tb-main**")
    weekly_row = page.locator("table[data-table=weekly] tbody tr").last
    assert weekly_row.locator("td").first.inner_text() == "2026-W47"
    assert weekly_row.locator("td").last.inner_text() == "9"
    assert page.locator("#table-daily svg").count() == 1
    assert "抖店旗舰店" not in page.locator("table[data-table=workload]").inner_text()
    assert (
        page.locator("table[data-table=couriers] tr.flagged")
        .first.inner_text()
        .startswith("淘宝旗舰店\t韵达")
    )
    screenshot(page, "insights-dashboard-one-shop")

    page.click("nav.mainnav >> text=差评TOP3周报")
    page.fill("#id_week", "2026-W47")
    page.select_option("#id_shop", "tb-main")
    page.click("#weekly-filter button[type=submit]")
    page.wait_for_url("**week=2026-W47**")
    assert page.locator(".weekly-total").inner_text() == "9"
    assert page.locator("#section-issue_type .tied").inner_text() == "并列第3：服务态度"
    screenshot(page, "insights-weekly-report")
    with page.expect_download() as download_info:
        page.click("#weekly-download")
    download = download_info.value
    assert download.suggested_filename == "top3-2026-W47-tb-main.xlsx"
    book = load_workbook(io.BytesIO(download.path().read_bytes()))
    assert list(book["问题类型TOP3"].iter_rows(values_only=True))[1][:3] == (1, "物流延误/包裹破损", 3)
    assert ("淘宝旗舰店", "韵达", "10/3", "5/2", "4/1", "是") in list(
        book["物流预警"].iter_rows(values_only=True)
    )
