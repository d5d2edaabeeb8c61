"""Pages, exports and who may see them: agents are refused, other shops stay invisible."""

import io

import pytest
from openpyxl import load_workbook

from insights.models import WeeklyReport
from insights.periods import parse_week
from insights.services.reports import weekly_report_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-11-09", "end": "2026-11-22"}


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/insights/",
        "/insights/export.xlsx",
        "/insights/weekly/",
        "/insights/weekly/report.xlsx",
        "/insights/unresolved/",
    ],
)
def test_agents_are_refused(client, world, url):
    response = login(client, world.agent1).get(url, RANGE)
    assert response.status_code == 403


def test_anonymous_users_go_to_login(client, world):
    response = client.get("/insights/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_manager_dashboard_filtered_to_one_shop(client, world, django_assert_max_num_queries):
    login(client, world.manager)
    with django_assert_max_num_queries(30):
        response = client.get("/insights/", {**RANGE, "shop": "tb-main"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "cdn" not in html.lower()
    tables = {t.key: t for t in response.context["tables"]}
    assert tables["weekly"].rows[-1] == ["2026-W47", 2, 2, 2, 3, 3, 6, 9]
    assert tables["couriers"].rows[0][1] == "韵达" and tables["couriers"].rows[0][-1] == "是"
    assert "分母：该物流公司在该店铺当月的评价数" in html


def test_supervisor_sees_only_their_shop(client, world):
    login(client, world.supervisor_a)
    response = client.get("/insights/", RANGE)  # "all shops" = the shops they belong to
    assert response.status_code == 200
    assert response.context["filters"].shop_ids == (world.shop_a.pk,)
    assert "抖店旗舰店" not in response.content.decode()
    refused = client.get("/insights/", {**RANGE, "shop": "dy-main"})
    assert refused.status_code == 400 and refused.context["tables"] == []
    assert "选择一个有效的选项" in refused.content.decode()
    weekly = client.get("/insights/weekly/", {"week": "2026-W47"})
    assert weekly.context["data"].total == 9 and weekly.context["data"].shop_ids == (world.shop_a.pk,)
    assert client.get("/insights/weekly/", {"week": "2026-W47", "shop": "dy-main"}).status_code == 400


def test_bad_filters_give_a_message(client, world):
    login(client, world.manager)
    response = client.get("/insights/", {"start": "2026-11-22", "end": "2026-11-01"})
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.content.decode()
    response = client.get("/insights/weekly/", {"week": "2026-53"})
    assert response.status_code == 400 and "周次格式应为" in response.content.decode()
    export = client.get("/insights/export.xlsx", {"start": "2025-01-01", "end": "2026-11-22"})
    assert export.status_code == 400 and "日期范围不能超过366天" in export.content.decode()


def test_every_dashboard_table_exports_to_xlsx(client, world):
    login(client, world.manager)
    whole = client.get("/insights/export.xlsx", {**RANGE, "shop": "tb-main", "table": "all"})
    assert whole["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(whole.content))
    # insights' 12, the work orders' and prevention's (insights.hooks.dashboard_tables)
    assert len(book.sheetnames) == 14
    share = client.get("/insights/export.xlsx", {**RANGE, "shop": "tb-main", "table": "share"})
    rows = list(load_workbook(io.BytesIO(share.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("问题类型", "中差评数", "占比(%)")
    assert rows[2] == ("产品质量", 5, 38.5) and rows[-1] == ("合计", 13, 100.0)
    assert client.get("/insights/export.xlsx", {**RANGE, "table": "nope"}).status_code == 404


def test_weekly_page_and_download(client, world):
    login(client, world.manager)
    page = client.get("/insights/weekly/", {"week": "2026-W47", "shop": "tb-main"})
    html = page.content.decode()
    assert page.status_code == 200 and "并列第3：服务态度" in html and "建议更换" in html
    download = client.get("/insights/weekly/report.xlsx", {"week": "2026-W47", "shop": "tb-main"})
    book = load_workbook(io.BytesIO(download.content))
    assert list(book["问题类型TOP3"].iter_rows(values_only=True))[1][:3] == (1, "物流延误/包裹破损", 3)


def test_stored_all_shops_report_only_for_users_who_see_every_shop(client, world):
    report = weekly_report_store(week=parse_week("2026-W47"), shop=None)
    assert WeeklyReport.objects.count() == 1 and report.total_negative == 11
    response = login(client, world.manager).get(f"/insights/reports/{report.pk}/download/")
    assert response.status_code == 200
    assert (
        list(
            load_workbook(io.BytesIO(b"".join(response.streaming_content)))["概览"].iter_rows(
                values_only=True
            )
        )[4][1]
        == 11
    )
    assert (
        login(client, world.supervisor_a).get(f"/insights/reports/{report.pk}/download/").status_code == 404
    )
    assert login(client, world.agent1).get(f"/insights/reports/{report.pk}/download/").status_code == 403


def test_unresolved_page_groups_by_owner_within_visible_shops(client, world):
    response = login(client, world.manager).get("/insights/unresolved/")
    groups = response.context["groups"]
    # Real "now" (after the data set's dates): c4, c5, c9 (shop A) and b1 (shop B) are past their resolution target.
    c = {key: case.pk for key, case in world.cases.items()}
    assert [(g.owner_name, [case["id"] for case in g.cases]) for g in groups] == [
        ("王一", [c["c4"], c["c5"]]),
        ("", [c["b1"], c["c9"]]),
    ]
    response = login(client, world.supervisor_a).get("/insights/unresolved/")
    assert [[c["id"] for c in g.cases] for g in response.context["groups"]] == [[c["c4"], c["c5"]], [c["c9"]]]


def test_home_panel_and_nav_for_supervisors_only(client, world):
    assert "/insights/" in login(client, world.supervisor_a).get("/").content.decode()
    other = UserFactory(role="agent", shops=[world.shop_a])
    assert "/insights/" not in login(client, other).get("/").content.decode()


def test_manager_edits_the_courier_threshold_in_the_admin(client, world):
    from django.contrib.auth.models import Group

    from insights.models import InsightSettings

    world.manager.is_staff = True
    world.manager.save(update_fields=["is_staff"])
    # The setting decides for every shop: the policy owner's (a plain manager reads it: test_policy_scope).
    world.manager.groups.add(Group.objects.get(name="policy_owner"))
    settings = InsightSettings.current()
    url = f"/admin/insights/insightsettings/{settings.pk}/change/"
    login(client, world.manager)
    assert client.post(url, {"courier_threshold_percent": "25", "courier_months": "3"}).status_code == 302
    settings.refresh_from_db()
    assert str(settings.courier_threshold_percent) == "25.00"
    refused = client.post(url, {"courier_threshold_percent": "120", "courier_months": "3"})
    assert refused.status_code == 200 and "确保该值小于或等于100" in refused.content.decode()
    settings.refresh_from_db()
    assert str(settings.courier_threshold_percent) == "25.00"
    assert login(client, world.supervisor_a).get(url).status_code == 302  # not staff: sent to the admin login


def test_the_main_navigation_links_the_dashboard_only_for_who_may_see_it(client, world):
    link = 'href="/insights/"'
    assert link in login(client, world.manager).get("/").content.decode()
    assert link not in login(client, world.agent1).get("/").content.decode()
