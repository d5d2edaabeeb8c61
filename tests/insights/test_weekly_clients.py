"""Weekly reports per client (品牌方): the weekly run stores one report per active client with shops,
holding only that client's shops, and sends it to that client's recipients only; a client's report is
read by who reaches every shop of the client (its viewer included) and by nobody of another client; the
weekly page and its workbook filtered by a client cover that client's shops; the ``weekly_recipients``
registry is asked about a client's report with the client's shops.

The insights world: shop A (tb-main) has 9 中差评 in 2026-W47, shop B (dy-main) 2. Here client 甲 owns
shop A and client 乙 shop B."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from cases.models import Notification
from insights.choices import DAILY_UNRESOLVED_KIND, WEEKLY_REPORT_KIND
from insights.hooks import weekly_recipients, weekly_sections
from insights.models import ReportRecipient, WeeklyReport
from insights.periods import parse_week
from insights.services.reports import daily_unresolved_notify, weekly_report_run, weekly_report_store
from reviewdesk.models import Client, ClientMembership, Shop
from reviewdesk.roles import sync_role_permissions
from tests.factories import ShopFactory, UserFactory
from tests.insights.dataset import NOW

pytestmark = pytest.mark.django_db
W47 = parse_week("2026-W47")


@pytest.fixture
def brands(world):
    sync_role_permissions()
    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    Shop.objects.filter(pk=world.shop_a.pk).update(client=jia)
    Shop.objects.filter(pk=world.shop_b.pk).update(client=yi)
    Client.objects.create(code="brand-empty", name="无店铺品牌")  # no shops: no report
    return jia, yi


def member(client, role, **kwargs):
    user = UserFactory(role=role, **kwargs)
    ClientMembership.objects.create(client=client, user=user)
    return user


def download(web, user, report):
    web.force_login(user)
    return web.get(f"/insights/reports/{report.pk}/download/")


def cells(response, sheet="概览"):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book[sheet].iter_rows(values_only=True))


def test_the_weekly_run_builds_each_active_clients_report_of_its_shops_only(world, brands):
    jia, yi = brands
    inactive = Client.objects.create(code="brand-off", name="停用品牌", active=False)
    ShopFactory(code="off-tb", name="停用店", client=inactive)

    reports = weekly_report_run(week=W47, now=NOW)

    assert [(r.shop_id, r.client_id, r.total_negative) for r in reports] == [
        (None, None, 11),
        (None, jia.pk, 9),
        (None, yi.pk, 2),
    ]
    assert reports[1].summary["total"] == 9 and "/top3-2026-W47-client-brand-jia" in reports[1].file.name
    again = weekly_report_run(week=W47, now=NOW)
    assert [r.pk for r in again] == [r.pk for r in reports]
    assert WeeklyReport.objects.count() == 3


def test_recipients_of_a_client_receive_only_that_clients_report(world, brands):
    jia, yi = brands
    reader_jia = UserFactory(username="jia_reader", display_name="甲运营")
    reader_yi = UserFactory(username="yi_reader", display_name="乙运营")
    ReportRecipient.objects.create(purpose="operations", user=reader_jia, client=jia)
    ReportRecipient.objects.create(purpose="operations", user=reader_yi, client=yi)

    reports = {r.client_id: r for r in weekly_report_run(week=W47, now=NOW)}

    (note,) = Notification.objects.filter(user=reader_jia, kind=WEEKLY_REPORT_KIND)
    assert note.title == "【差评TOP3周报】2026-W47 · 品牌甲"
    assert "本周中差评 9 条" in note.body
    assert note.url.endswith(f"/insights/reports/{reports[jia.pk].pk}/download/")
    (other,) = Notification.objects.filter(user=reader_yi, kind=WEEKLY_REPORT_KIND)
    assert other.title == "【差评TOP3周报】2026-W47 · 品牌乙" and "本周中差评 2 条" in other.body
    assert "淘宝旗舰店" not in other.body


def test_a_client_recipient_hears_of_the_clients_overdue_cases_only(world, brands):
    jia, yi = brands
    reader_yi = UserFactory(username="yi_daily", display_name="乙运营")
    ReportRecipient.objects.create(
        purpose="operations", user=reader_yi, client=yi, weekly_report=False, daily_unresolved=True
    )
    daily_unresolved_notify(now=NOW)
    titles = list(
        Notification.objects.filter(user=reader_yi, kind=DAILY_UNRESOLVED_KIND).values_list(
            "title", flat=True
        )
    )
    assert titles and all("抖店旗舰店" in t for t in titles)


def test_the_client_viewer_opens_their_clients_report_and_no_other(client, world, brands):
    jia, yi = brands
    viewer = member(jia, "client_viewer", is_staff=True)
    ours = weekly_report_store(week=W47, shop=None, client=jia, now=NOW)
    theirs = weekly_report_store(week=W47, shop=None, client=yi, now=NOW)
    every = weekly_report_store(week=W47, shop=None, now=NOW)
    their_shop = weekly_report_store(week=W47, shop=world.shop_b, now=NOW)

    response = download(client, viewer, ours)
    assert response.status_code == 200
    assert 'filename="top3-2026-W47-client-brand-jia.xlsx"' in response["Content-Disposition"]
    assert cells(response)[4][1] == 9
    for report in (theirs, every, their_shop):
        assert download(client, viewer, report).status_code == 404

    page = client.get("/insights/weekly/", {"week": "2026-W47"})
    assert [r.pk for r in page.context["stored"]] == [ours.pk]
    assert "品牌乙" not in page.content.decode()


def test_a_member_of_one_shop_of_a_client_does_not_read_the_whole_clients_report(client, world, brands):
    jia, yi = brands
    second = ShopFactory(code="jia-jd", platform="jd", name="甲京东店", client=jia)
    report = weekly_report_store(week=W47, shop=None, client=jia, now=NOW)
    one_shop = UserFactory(role="manager", shops=[second])
    whole = member(jia, "manager")
    assert download(client, one_shop, report).status_code == 404
    assert download(client, whole, report).status_code == 200
    assert download(client, world.manager, report).status_code == 404  # shops A and B, not 甲京东店


def test_the_weekly_page_and_workbook_of_a_client_cover_its_shops_only(client, world, brands):
    client.force_login(world.manager)
    page = client.get("/insights/weekly/", {"week": "2026-W47", "client": "brand-yi"})
    assert page.status_code == 200
    assert page.context["data"].total == 2 and page.context["data"].shop_ids == (world.shop_b.pk,)
    workbook = client.get("/insights/weekly/report.xlsx", {"week": "2026-W47", "client": "brand-yi"})
    assert workbook["Content-Disposition"].startswith(
        'attachment; filename="top3-2026-W47-client-brand-yi.xlsx"'
    )
    book = load_workbook(io.BytesIO(workbook.content))
    rows = list(book["问题类型TOP3"].iter_rows(values_only=True))
    assert sum(r[2] for r in rows[1:] if isinstance(r[2], int)) == 2


def test_weekly_recipients_are_asked_about_a_clients_report_with_its_shops(world, brands, monkeypatch):
    jia, yi = brands
    extra = UserFactory(username="dept_lead", display_name="部门负责人")
    asked = []

    def with_shops(*, shop_id, shop_ids=None):
        asked.append((shop_id, shop_ids))
        return {extra.pk} if shop_ids == (world.shop_b.pk,) else set()

    def shop_only(*, shop_id):
        asked.append(("shop_only", shop_id))
        return set()

    def section(*, week, shop_ids, top_issue_keys):
        asked.append(("section", tuple(shop_ids)))
        return []

    monkeypatch.setattr(weekly_recipients, "_items", [with_shops, shop_only])
    monkeypatch.setattr(weekly_sections, "_items", [section])
    report = weekly_report_store(week=W47, shop=None, client=yi, now=NOW)
    assert asked == [("section", (world.shop_b.pk,))]  # the report's sections: the client's shops
    asked.clear()

    from insights.services.reports import weekly_report_notify

    weekly_report_notify(report=report, recipients=[])

    assert asked == [(None, (world.shop_b.pk,))]  # the builder without shop_ids is not asked
    (note,) = Notification.objects.filter(user=extra, kind=WEEKLY_REPORT_KIND)
    assert note.title == "【差评TOP3周报】2026-W47 · 品牌乙"


def test_a_report_or_recipient_is_of_a_shop_or_of_a_client_not_both(world, brands):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    jia, yi = brands
    with pytest.raises(ValueError):
        weekly_report_store(week=W47, shop=world.shop_a, client=jia, now=NOW)
    with pytest.raises(ValidationError, match="店铺和品牌方只能填写其一"):
        ReportRecipient(purpose="operations", user=world.manager, shop=world.shop_a, client=jia).clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRecipient.objects.create(
            purpose="operations", user=world.manager, shop=world.shop_a, client=jia
        )
    assert not WeeklyReport.objects.exists() and not ReportRecipient.objects.exists()


def test_a_recipient_of_a_clients_report_is_set_up_only_by_who_reaches_the_whole_client(
    client, world, brands
):
    jia, yi = brands
    ShopFactory(code="jia-jd", platform="jd", name="甲京东店", client=jia)
    partial = UserFactory(role="manager", shops=[world.shop_a, world.shop_b], is_staff=True)
    whole = member(jia, "manager", is_staff=True)
    url = "/admin/insights/reportrecipient/add/"

    client.force_login(partial)  # shops A and B: client 乙 whole, client 甲 without 甲京东店
    form = client.get(url).context["adminform"].form
    assert list(form.fields["client"].queryset) == [yi]
    refused = client.post(
        url, {"purpose": "operations", "user": partial.pk, "weekly_report": "on", "active": "on"}
    )
    assert refused.status_code == 200 and "请填写店铺或品牌方" in refused.content.decode()
    client.force_login(whole)
    assert list(client.get(url).context["adminform"].form.fields["client"].queryset) == [jia]
    saved = client.post(
        url,
        {"purpose": "operations", "user": whole.pk, "client": jia.pk, "weekly_report": "on", "active": "on"},
    )
    assert saved.status_code == 302
    assert list(ReportRecipient.objects.values_list("user_id", "client_id", "shop_id")) == [
        (whole.pk, jia.pk, None)
    ]


def test_the_weekly_report_command_stores_a_clients_report(world, brands, tmp_path):
    from django.core.management import CommandError, call_command

    jia, yi = brands
    out = tmp_path / "yi.xlsx"
    call_command(
        "weekly_report", week="2026-W47", client="brand-yi", out=str(out), store=True, no_progress=True
    )
    report = WeeklyReport.objects.get(client=yi)
    assert (report.week, report.shop_id, report.total_negative) == ("2026-W47", None, 2)
    assert load_workbook(out)["概览"].cell(5, 2).value == 2
    with pytest.raises(CommandError, match="只能指定其一"):
        call_command("weekly_report", week="2026-W47", client="brand-yi", shop="tb-main", store=True)
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("weekly_report", week="2026-W47", client="nobody", store=True)
    assert WeeklyReport.objects.count() == 1
