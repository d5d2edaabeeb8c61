"""The upload page as a person meets it: linked for every role that may upload and for no other, the
columns a file carries that are not imported listed on the preview, local times, links to the cases opened."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.imports.uploads import reviews_import_file
from cases.models import Case, Review
from reviewdesk.choices import AdminRole, Role
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = "导入评价"


@pytest.mark.parametrize(
    ("role", "superuser", "may_upload"),
    [
        (Role.AGENT, False, False),
        (Role.SUPERVISOR, False, True),
        (Role.LEGAL, False, False),
        (Role.MANAGER, False, True),
        (Role.HR, False, False),
        (AdminRole.POLICY_OWNER, False, False),
        (None, True, True),
    ],
)
def test_the_upload_page_is_linked_exactly_for_the_roles_that_may_open_it(
    client, shop, role, superuser, may_upload
):
    user = UserFactory(role=role, shops=[shop], is_superuser=superuser, is_staff=superuser)
    client.force_login(user)

    links = dict(client.get(reverse("home")).context["nav_links"])
    page = client.get(reverse("cases:import-upload"))

    assert (links.get(UPLOAD) == reverse("cases:import-upload")) is may_upload
    assert (UPLOAD in links) is may_upload
    assert page.status_code == (200 if may_upload else 403)


@pytest.fixture
def supervisor(shop):
    return UserFactory(role=Role.SUPERVISOR, shops=[shop])


def _post_file(client, shop, data: bytes, name="评价.xlsx"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("cases:import-upload"), {"shop": shop.pk, "file": upload})


@pytest.mark.usefixtures("policy_pack")
def test_columns_that_are_not_imported_are_listed_on_the_preview(
    client, shop, supervisor, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    headers = [*TAOBAO_HEADERS, "买家备注", "订单号"]  # unknown; a second column for the order number
    rows = [{**taobao_row(1), "买家备注": "请尽快发货", "订单号": "x"}]
    client.force_login(supervisor)

    response = _post_file(client, shop, xlsx_bytes(headers, rows))

    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.unknown_columns == ["买家备注", "订单号"]
    html = response.content.decode()
    block = re.search(r'<div class="compliance" id="unknown-columns">(.*?)</div>', html, re.S).group(1)
    assert "2列未识别，不会导入" in block and "<li>买家备注</li>" in block and "<li>订单号</li>" in block
    assert Review.objects.count() == 0  # a preview writes nothing


@pytest.mark.usefixtures("policy_pack")
def test_a_file_whose_every_column_is_known_shows_no_unknown_column_notice(
    client, shop, supervisor, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(supervisor)
    response = _post_file(client, shop, xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]))
    assert response.context["result"].unknown_columns == []
    assert 'id="unknown-columns"' not in response.content.decode()


@pytest.mark.usefixtures("policy_pack")
def test_the_unknown_columns_are_in_the_commands_result_too(shop):
    data = xlsx_bytes([*TAOBAO_HEADERS, "备注"], [{**taobao_row(1), "备注": "x"}])
    result = reviews_import_file(shop=shop, data=data, file_name="t.xlsx", dry_run=True)
    assert result.as_dict()["unknown_columns"] == ["备注"]


@pytest.mark.usefixtures("policy_pack")
def test_the_preview_is_styled_and_shows_review_times_in_local_time(
    client, shop, supervisor, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(supervisor)
    # 13:05 in Shanghai is 05:05 UTC; the export's times are local times
    response = _post_file(client, shop, xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]))

    html = response.content.decode()
    table = re.search(r'<table class="grid compact" id="preview-rows">(.*?)</table>', html, re.S).group(1)
    assert '<time datetime="2026-11-20T13:05:00+08:00">2026-11-20 13:05</time>' in table
    assert "05:05" not in table  # not UTC
    assert "<td>2026-11-20T13:05:00+08:00</td>" not in table  # not the raw ISO text of the old page
    assert '<section class="card">' in html and 'class="primary"' in html
    assert 'class="table"' not in html  # the old unstyled markup


@pytest.mark.usefixtures("policy_pack")
def test_the_result_page_links_every_opened_case_with_local_deadlines(
    client, shop, supervisor, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(supervisor)
    rows = [taobao_row(1), taobao_row(2), taobao_row(3, 评价等级="好评", 评价内容="很好")]
    token = _post_file(client, shop, xlsx_bytes(TAOBAO_HEADERS, rows)).context["token"]

    response = client.post(reverse("cases:import-confirm"), {"token": token}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith("/jobs/")  # reloading reads the result again
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == 2  # the two negative reviews
    assert response.context["result"].opened_case_ids == [c.pk for c in cases]
    html = response.content.decode()
    table = re.search(r'<table class="grid compact" id="opened-cases">(.*?)</table>', html, re.S).group(1)
    for case in cases:
        assert f'<a href="{reverse("cases:case_detail", args=[case.pk])}">#{case.pk}</a>' in table
        if case.first_response_due_at:
            local = timezone.localtime(case.first_response_due_at).strftime("%Y-%m-%d %H:%M")
            assert f">{local}</time>" in table
    assert any(c.first_response_due_at for c in cases)
    finished = re.search(r"完成时间：<time datetime=\"([^\"]+)\"", html).group(1)
    assert finished.endswith("+08:00")


@pytest.mark.usefixtures("policy_pack")
def test_a_dry_run_lists_no_case(shop):
    result = reviews_import_file(
        shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)]), file_name="t.xlsx", dry_run=True
    )
    assert result.ok and result.cases_opened == 1 and result.opened_case_ids == []
    assert Case.objects.count() == 0


@pytest.mark.usefixtures("policy_pack")
@pytest.mark.parametrize("header", ["SKU信息", "规格", "商品规格", "销售属性"])
def test_common_sku_column_names_are_imported_as_the_sku(shop, header):
    headers = [header if h == "商品属性/SKU" else h for h in TAOBAO_HEADERS]
    row = {**taobao_row(1), header: "颜色分类:雾霾蓝"}

    result = reviews_import_file(shop=shop, data=xlsx_bytes(headers, [row]), file_name="t.xlsx")

    assert result.ok and result.unknown_columns == []
    assert Review.objects.get().sku == "颜色分类:雾霾蓝"


@pytest.mark.usefixtures("policy_pack")
def test_a_douyin_export_with_a_sku_info_column_keeps_the_sku(other_shop):
    from tests.cases.exports import DOUYIN_HEADERS, douyin_row

    headers = ["SKU信息" if h == "商品规格" else h for h in DOUYIN_HEADERS]
    row = {**douyin_row(1), "SKU信息": "黑色 XL"}
    result = reviews_import_file(shop=other_shop, data=xlsx_bytes(headers, [row]), file_name="d.xlsx")
    assert result.ok and result.unknown_columns == []
    assert Review.objects.get().sku == "黑色 XL"


def test_the_alias_migration_keeps_a_managers_own_names_and_reverses_only_its_own(db):
    import importlib

    from django.apps import apps

    from cases.models import ImportMapping

    migration = importlib.import_module("cases.migrations.0016_import_mapping_aliases")
    mapping = ImportMapping.objects.get(code="taobao-review-export")
    mapping.columns = {**mapping.columns, "sku": ["商品属性/SKU", "款式"]}
    mapping.save()

    migration.add_aliases(apps, None)
    migration.add_aliases(apps, None)  # idempotent
    mapping.refresh_from_db()
    assert mapping.columns["sku"] == ["商品属性/SKU", "款式", *migration.SKU_ALIASES["taobao-review-export"]]

    migration.remove_aliases(apps, None)
    mapping.refresh_from_db()
    assert mapping.columns["sku"] == ["商品属性/SKU", "款式"]


@pytest.mark.usefixtures("policy_pack")
def test_a_spent_confirmation_leads_its_owner_to_the_import_and_nobody_else(
    client, shop, supervisor, settings, tmp_path
):
    from jobs.models import Job

    settings.VAR_DIR = tmp_path
    client.force_login(supervisor)
    token = _post_file(client, shop, xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)])).context["token"]
    first = client.post(reverse("cases:import-confirm"), {"token": token})
    assert first.status_code == 302 and Review.objects.count() == 1

    again = client.post(reverse("cases:import-confirm"), {"token": token})  # the back button, re-submitted
    assert (again.status_code, again.url) == (302, first.url) and Review.objects.count() == 1

    client.force_login(UserFactory(role=Role.SUPERVISOR, shops=[shop]))  # a colleague with the token
    other = client.post(reverse("cases:import-confirm"), {"token": token})
    assert other.status_code == 400 and "找不到预览过的文件" in other.content.decode()
    assert Review.objects.count() == 1 and Job.objects.filter(kind="import").count() == 1
