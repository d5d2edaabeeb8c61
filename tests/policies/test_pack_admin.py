"""The policy pack pages in the admin: export, upload with a dry-run preview, confirm; managers only."""

import io

import pytest
from django.urls import reverse

from policies import models as m
from tests.policies import admin_support
from tests.policies.admin_support import page
from tests.policies.pack_support import (
    build_pack,
    delete_every_rule,
    every_rule_snapshot,
    workbook_bytes,
    workbook_cells,
)

pytestmark = pytest.mark.django_db

manager, manager_client = admin_support.manager, admin_support.manager_client


def upload(data: bytes, name="pack.xlsx"):
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def test_manager_exports_the_pack_as_one_workbook(manager_client, shop):
    build_pack(shop)
    response = manager_client.get(reverse("policies:pack_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="policy-pack-')
    assert "SLA时效等级" in workbook_cells(response.content)


def test_upload_previews_then_confirm_writes_everything(manager_client, shop):
    build_pack(shop)
    data = manager_client.get(reverse("policies:pack_export")).content
    delete_every_rule()

    preview = manager_client.post(reverse("policies:pack_import"), {"pack_file": upload(data)})
    body = page(preview)
    assert "试导入结果(尚未写入)" in body and "确认导入" in body
    assert m.IssueType.objects.count() == 0
    token = preview.context["token"]

    response = manager_client.post(reverse("policies:pack_import"), {"token": token})
    assert response.status_code == 302
    assert m.IssueType.objects.count() == 4 and m.CompensationOption.objects.count() == 4
    assert workbook_cells(manager_client.get(reverse("policies:pack_export")).content) == workbook_cells(data)
    # The stored upload is gone: a second confirm cannot import it again.
    again = manager_client.post(reverse("policies:pack_import"), {"token": token}, follow=True)
    assert "预览已过期或文件不存在，请重新上传。" in page(again)


def test_bad_workbook_lists_the_errors_and_offers_no_confirm(manager_client, shop):
    build_pack(shop)
    cells = workbook_cells(manager_client.get(reverse("policies:pack_export")).content)
    sla = cells["SLA时效等级"]
    sla[1][sla[0].index("预警百分比")] = 0
    before = every_rule_snapshot()
    body = page(
        manager_client.post(reverse("policies:pack_import"), {"pack_file": upload(workbook_bytes(cells))})
    )
    assert "规则包有 1 处错误，未写入任何内容。" in body
    assert (
        "<td>SLA时效等级</td><td>2</td>\n              <td>预警百分比</td><td>预警百分比必须在1到99之间。</td>"
        in body
    )
    assert 'name="token"' not in body
    assert every_rule_snapshot() == before


def test_a_forged_token_imports_nothing(manager_client):
    response = manager_client.post(
        reverse("policies:pack_import"), {"token": "../../etc/passwd"}, follow=True
    )
    assert "预览已过期或文件不存在，请重新上传。" in page(response)


def test_non_xlsx_upload_is_refused(manager_client):
    body = page(
        manager_client.post(reverse("policies:pack_import"), {"pack_file": upload(b"a,b\n", "pack.csv")})
    )
    assert "只接受 .xlsx 文件。" in body


@pytest.mark.parametrize("name", ["pack_export", "pack_import"])
def test_only_managers_may_use_the_pack_pages(client, make_user, name):
    client.force_login(make_user("supervisor", is_staff=True))
    assert client.get(reverse(f"policies:{name}")).status_code == 403
    client.force_login(make_user("agent"))
    assert client.get(reverse(f"policies:{name}")).status_code == 302
