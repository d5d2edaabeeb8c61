"""F7: one formula guard (``reviewdesk.spreadsheets.safe_cell``) for every spreadsheet we write. A rule
named ``=HYPERLINK("http://x","y")`` comes out as text — in the policy pack, in the admin's XLSX and
CSV exports — and every import-export resource and report writer goes through the one guard."""

import csv
import io

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from policies import models as m
from policies.pack import export_pack, import_pack
from reviewdesk import spreadsheets
from reviewdesk.spreadsheets import SafeExportResource, read_cell, safe_cell

FORMULA = '=HYPERLINK("http://x","y")'


def test_safe_cell_guards_every_formula_start_and_leaves_other_values():
    cases = ["=1+1", "+86", "-x", "@SUM(A1)", "\tx", "\rx"]
    assert [safe_cell(v) for v in cases] == ["'" + v for v in cases]
    assert [safe_cell(v) for v in ["正常", "", None, 5, 2.5, True]] == ["正常", "", None, 5, 2.5, True]
    assert [read_cell(safe_cell(v)) for v in cases] == cases
    assert read_cell("'正常") == "'正常"  # only our own guard is taken off again


def test_every_report_writer_uses_the_one_guard():
    from incentives.services import payouts, payouts_csv_pg
    from insights import exports as insight_exports
    from training import exports as training_exports

    assert payouts.safe_text is spreadsheets.safe_text
    assert insight_exports.safe_text is spreadsheets.safe_text
    assert training_exports.safe_text is spreadsheets.safe_text
    assert payouts_csv_pg.FORMULA_START == spreadsheets.FORMULA_START_PATTERN


def test_every_import_export_resource_of_the_admin_is_guarded():
    unguarded = [
        f"{model._meta.label}: {resource.__name__}"
        for model, model_admin in admin.site._registry.items()
        for resource in getattr(model_admin, "resource_classes", None) or ()
        if not issubclass(resource, SafeExportResource)
    ]
    assert unguarded == []


@pytest.fixture
def formula_rule(db):
    return m.ComplianceRule.objects.create(name=FORMULA, patterns="返现", action="warn", reason=FORMULA)


def _cells(data: bytes, sheet: str) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for row in book[sheet].iter_rows() for cell in row]


def test_the_policy_pack_writes_the_formula_as_text_and_reads_it_back(formula_rule):
    data = export_pack()
    cells = [c for c in _cells(data, "合规规则") if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + FORMULA for c in cells)
    m.ComplianceRule.objects.all().delete()
    report = import_pack(data, dry_run=False)
    assert report.errors == []
    assert m.ComplianceRule.objects.get().name == FORMULA  # export → import gives back the same rule


@pytest.fixture
def owner_client(make_user):
    from django.contrib.auth.models import Group

    user = make_user("manager", is_staff=True)
    user.groups.add(Group.objects.get(name="policy_owner"))
    client = Client()
    client.force_login(user)
    return client


def _admin_export(client, file_format: str):
    fields = {f"complianceruleresource_{name}": "on" for name in ("name", "reason", "patterns")}
    return client.post(
        reverse("admin:policies_compliancerule_export"), {"format": file_format, "resource": "0", **fields}
    )


def test_the_admin_xlsx_export_writes_the_formula_as_text(owner_client, formula_rule):
    response = _admin_export(owner_client, "0")
    assert response.status_code == 200
    cells = [
        c
        for c in _cells(response.content, load_workbook(io.BytesIO(response.content)).sheetnames[0])
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert len(cells) == 2 and all(c.data_type == "s" and c.value == "'" + FORMULA for c in cells)


def test_the_admin_csv_export_writes_the_formula_as_text(owner_client, formula_rule):
    response = _admin_export(owner_client, "1")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = [value for row in rows[1:] for value in row]
    assert values.count("'" + FORMULA) == 2
    assert not [value for value in values if value.startswith(spreadsheets.FORMULA_STARTS)]


def test_the_client_export_writes_a_buyers_formula_as_text(db):
    """The offboarding export (cases.offboarding.export): a review whose text is a formula stays text."""
    import zipfile

    from cases.offboarding.export import client_export
    from reviewdesk.models import Client as Brand
    from tests.factories import ReviewFactory, ShopFactory

    brand = Brand.objects.create(code="brand-f", name="公式品牌")
    ReviewFactory(shop=ShopFactory(code="f-tb", client=brand), content=FORMULA, item_title=FORMULA)
    archive, _counts = client_export(brand)
    with zipfile.ZipFile(archive) as files:
        cells = _cells(files.read("brand-f.xlsx"), "评价")
    texts = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert texts and all(t == "'" + FORMULA for t in texts)
    assert all(c.data_type != "f" for c in cells)
