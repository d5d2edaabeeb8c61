"""Shop health (seed 002: 每日查看服务态度评分变化，重点关注低于行业平均值的指标): the back-office DSR export
imported all or nothing and idempotently, managers alerted on a score below the industry average or a
drop by the watch's step, and the trend page scoped by shop (another shop's is a 404)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Notification
from insights.health.alerts import SHOP_HEALTH_KIND
from insights.health.imports import dsr_import
from insights.health.models import DsrScore, HealthWatch
from reviewdesk.models import Client, ClientMembership
from reviewdesk.roles import sync_role_permissions
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "店铺,统计日期,宝贝与描述相符,描述相符行业均值,卖家的服务态度,服务态度行业均值,物流服务的质量,物流服务行业均值\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def shops(db):
    sync_role_permissions()
    return ShopFactory(code="tb-a", platform="taobao", name="甲店"), ShopFactory(
        code="tb-b", platform="taobao", name="乙店"
    )


@pytest.fixture
def manager(shops):
    return UserFactory(role="manager", shops=[shops[0]], username="mgr-a")


@pytest.fixture
def manager_b(shops):
    return UserFactory(role="manager", shops=[shops[1]], username="mgr-b")


def snapshot():
    return list(
        DsrScore.objects.order_by("pk").values("shop_id", "day", "metric", "score", "industry_average")
    )


def bells(user):
    return list(Notification.objects.filter(user=user, kind=SHOP_HEALTH_KIND).values_list("title", "body"))


def test_an_export_is_recorded_per_shop_day_and_score_and_a_second_import_changes_nothing(
    shops, manager, django_capture_on_commit_callbacks
):
    data = csv(
        "tb-a,2026-11-19,4.85,4.80,4.90,4.82,4.88,4.85", "tb-a,2026/11/20,4.86,4.80,4.91,4.82,4.87,4.85"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = dsr_import(data=data, file_name="dsr.csv", user=manager)
    assert result.errors == [] and (result.rows, result.new, result.updated) == (2, 6, 0)
    service = DsrScore.objects.get(shop=shops[0], day=dt.date(2026, 11, 20), metric="service")
    assert (service.score, service.industry_average) == (Decimal("4.910"), Decimal("4.820"))
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = dsr_import(data=data, file_name="dsr.csv", user=manager)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot() == before
    # A corrected figure of a day already recorded updates it in place.
    fixed = csv("tb-a,2026-11-20,4.86,4.80,4.93,4.82,4.87,4.85")
    with django_capture_on_commit_callbacks(execute=True):
        third = dsr_import(data=fixed, file_name="dsr.csv", user=manager)
    assert (third.new, third.updated, third.unchanged) == (0, 1, 2)
    assert DsrScore.objects.count() == 6
    assert DsrScore.objects.get(pk=service.pk).score == Decimal("4.930")


def test_an_xlsx_export_without_a_shop_column_goes_to_the_chosen_shop(shops, manager):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["店铺评分明细"])  # a title line above the header, as the back office writes it
    sheet.append(["日期", "描述相符", "服务态度", "物流服务"])
    sheet.append([dt.date(2026, 11, 20), 4.8, 4.7, 4.9])
    buffer = io.BytesIO()
    book.save(buffer)
    result = dsr_import(data=buffer.getvalue(), file_name="dsr.xlsx", user=manager, shop=shops[0])
    assert result.errors == [] and result.new == 3
    assert DsrScore.objects.get(metric="logistics").industry_average is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ("tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85", "tb-a,2026-11-21,5.6,4.80,4.90,4.82,4.88,4.85"),
            "第3行：描述相符“5.6”不是0到5之间的数。",
        ),
        (
            ("tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85", "tb-a,昨天,4.85,4.80,4.90,4.82,4.88,4.85"),
            "第3行：日期“昨天”无法识别",
        ),
        (
            (
                "tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85",
                "tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85",
            ),
            "第3行：与第2行是同一店铺同一天。",
        ),
        (
            (
                "tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85",
                "tb-b,2026-11-21,4.85,4.80,4.90,4.82,4.88,4.85",
            ),
            "第3行：店铺“tb-b”不存在或不是你的店铺。",
        ),  # another shop's: not the manager's to write
    ],
)
def test_a_bad_row_writes_nothing_of_the_file(shops, manager, rows, message):
    result = dsr_import(data=csv(*rows), file_name="dsr.csv", user=manager)
    assert not result.written and any(message in error for error in result.errors), result.errors
    assert DsrScore.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "dsr.csv", "文件是空的"),
        (b"a,b\n1,2\n", "dsr.csv", "找不到表头"),
        (b"PK\x03\x04 not really", "dsr.xlsx", "XLSX"),
        (b"%PDF-1.4", "dsr.pdf", "不支持的文件类型"),
    ],
)
def test_a_bad_file_is_refused_in_words(shops, manager, data, name, message):
    result = dsr_import(data=data, file_name=name, user=manager, shop=shops[0])
    assert not result.written and any(message in error for error in result.errors), result.errors
    assert DsrScore.objects.count() == 0


def test_managers_hear_of_a_score_below_the_industry_average_once(
    shops, manager, manager_b, django_capture_on_commit_callbacks
):
    data = csv("tb-a,2026-11-20,4.85,4.80,4.70,4.82,4.88,4.85")  # 服务态度 4.70 < 4.82
    with django_capture_on_commit_callbacks(execute=True):
        dsr_import(data=data, file_name="dsr.csv", user=manager)
    (title, body), *rest = bells(manager)
    assert rest == [] and "甲店" in title and "2026-11-20" in title
    assert "服务态度 4.700，低于行业均值 4.820" in body
    assert "描述相符" not in body and "物流服务" not in body  # above their averages
    assert bells(manager_b) == []  # another shop's manager hears nothing
    with django_capture_on_commit_callbacks(execute=True):
        dsr_import(data=data, file_name="dsr.csv", user=manager)  # the same figures again
    assert len(bells(manager)) == 1


def test_a_drop_by_the_step_alerts_and_a_smaller_one_does_not(
    shops, manager, django_capture_on_commit_callbacks
):
    HealthWatch.objects.create(shop=shops[0], alert_below_average=False, drop_step=Decimal("0.05"))
    with django_capture_on_commit_callbacks(execute=True):
        dsr_import(data=csv("tb-a,2026-11-19,4.90,4.95,4.90,4.95,4.90,4.95"), file_name="d.csv", user=manager)
    assert bells(manager) == []  # below the averages, but this shop's watch says not to tell
    with django_capture_on_commit_callbacks(execute=True):
        dsr_import(data=csv("tb-a,2026-11-20,4.87,4.95,4.84,4.95,4.90,4.95"), file_name="d.csv", user=manager)
    (title, body), *rest = bells(manager)
    assert rest == []
    assert "服务态度 4.840，比上次记录的 4.900 下降 0.060" in body
    assert "描述相符" not in body  # down 0.03: under the step


def test_the_default_watch_step_applies_to_a_shop_without_its_own(
    shops, manager, django_capture_on_commit_callbacks
):
    HealthWatch.objects.create(shop=None, alert_below_average=False, drop_step=Decimal("0.2"))
    with django_capture_on_commit_callbacks(execute=True):
        dsr_import(data=csv("tb-a,2026-11-19,4.9,,4.9,,4.9,"), file_name="d.csv", user=manager)
        dsr_import(data=csv("tb-a,2026-11-20,4.8,,4.8,,4.8,"), file_name="d.csv", user=manager)
    assert bells(manager) == []  # 0.1 < 0.2


def test_the_health_page_shows_the_trend_of_the_users_shop_and_refuses_another(client, shops, manager):
    DsrScore.objects.create(
        shop=shops[0], day=dt.date(2026, 11, 20), metric="service", score="4.7", industry_average="4.82"
    )
    DsrScore.objects.create(shop=shops[1], day=dt.date(2026, 11, 20), metric="service", score="4.123")
    client.force_login(manager)
    url = reverse("insights:health")
    from unittest import mock

    with mock.patch("insights.health.views.local_today", return_value=dt.date(2026, 11, 25)):
        page = client.get(url, {"shop": shops[0].pk})
        assert page.status_code == 200
        body = page.content.decode()
        assert "4.700" in body and "4.820" in body and "-0.120" in body and "低于行业均值" in body
        assert "4.123" not in body and "乙店" not in body
        assert client.get(url, {"shop": shops[1].pk}).status_code == 404
        assert client.get(url, {"shop": "x"}).status_code == 404
        assert client.get(url).status_code == 200  # the first of the user's shops


def test_a_client_viewer_reads_the_clients_shops_and_may_not_import(client, shops):
    brand = Client.objects.create(code="brand-a", name="品牌A")
    shops[0].client = brand
    shops[0].save()
    viewer = UserFactory(role="client_viewer", is_staff=True)
    ClientMembership.objects.create(client=brand, user=viewer)
    DsrScore.objects.create(shop=shops[0], day=dt.date.today(), metric="description", score="4.777")
    client.force_login(viewer)
    assert "4.777" in client.get(reverse("insights:health")).content.decode()
    assert client.get(reverse("insights:health"), {"shop": shops[1].pk}).status_code == 404
    assert client.get(reverse("insights:health_import")).status_code == 403


def test_the_import_page_records_a_file_and_an_agent_is_refused(client, shops, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("dsr.csv", csv("tb-a,2026-11-20,4.85,4.80,4.90,4.82,4.88,4.85"))
    response = client.post(reverse("insights:health_import"), {"file": upload})
    assert response.status_code == 200 and "新增 3 项评分" in response.content.decode()
    assert DsrScore.objects.count() == 3
    bad = SimpleUploadedFile("dsr.csv", csv("tb-a,2026-11-21,9,4.80,4.90,4.82,4.88,4.85"))
    response = client.post(reverse("insights:health_import"), {"file": bad})
    assert "没有导入任何数据" in response.content.decode() and DsrScore.objects.count() == 3
    agent = UserFactory(role="agent", shops=[shops[0]])
    client.force_login(agent)
    assert client.get(reverse("insights:health_import")).status_code == 403
    assert client.get(reverse("insights:health")).status_code == 403
