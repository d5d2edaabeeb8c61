"""Hostile workbooks (F4) and staged previews (F17).

A 2 KB XLSX with cells in A1:F2 and one at XFD1048576 made python-calamine ask for 512 GB and abort the
process (exit 134); a cell at ALL100000 under a matching ``<dimension>`` took openpyxl/tablib 950 MB.
Every reader — the upload page, ``import_reviews``, the training score import (page and admin), the
policy pack (page, command) and every policy admin import — now refuses such a file with the sheet's
name and extent, answers no 500 and writes nothing; and no such file makes a reader's process pass
500 MB (measured in a child process). The files are built here: openpyxl writes a small valid
workbook, then the sheet's XML inside the zip is rewritten.

Files staged for the upload page's preview are deleted when confirmed or cancelled, and the hourly
sweep deletes those older than ``IMPORT_STAGING_MAX_AGE_HOURS``.
"""

from __future__ import annotations

import io
import json
import os
import re
import string
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from cases.imports.uploads import staged_previews_sweep
from cases.models import Review
from policies.pack import PackError, read_pack
from reviewdesk.workbooks import WorkbookError, WorkbookRefused, check_workbook
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot
from tests.policies.pack_support import every_rule_snapshot
from training.models import Score

ROOT = Path(__file__).resolve().parents[2]
SHEET = "xl/worksheets/sheet1.xml"
SCORE_HEADERS = ["工号", "模块代码", "周期", "成绩", "备注"]
REFUSAL = "已拒绝读取"  # every extent refusal says it, with the sheet's name and extent


# --- building hostile files -----------------------------------------------------------------------


def small_workbook(rows: list[list] | None = None, title: str = "评价") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows if rows is not None else [[f"v{r}{c}" for c in range(6)] for r in range(2)]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, member: str, change) -> bytes:
    """The same zip with ``member``'s text passed through ``change`` (other members byte for byte)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def hostile(
    data: bytes, *, far: str | None = "XFD1048576", dimension: str | None = None, member=SHEET
) -> bytes:
    """``data`` with one more cell at ``far`` (in its own row) and/or the declared ``dimension``."""

    def change(text: str) -> str:
        if far:
            row = re.search(r"\d+$", far).group()
            text = text.replace(
                "</sheetData>", f'<row r="{row}"><c r="{far}" t="n"><v>1</v></c></row></sheetData>'
            )
        if dimension:
            text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', text)
        return text

    return rewrite(data, member, change)


def sheet_xml(data: bytes, body: str) -> bytes:
    """``data`` whose first sheet's sheetData is replaced by ``body``."""

    def change(text: str) -> str:
        pattern = r"<sheetData>.*</sheetData>|<sheetData\s*/>"
        return re.sub(pattern, lambda _match: f"<sheetData>{body}</sheetData>", text, flags=re.S)

    return rewrite(data, SHEET, change)


def refusal(data: bytes, **limits) -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as refused:
        check_workbook(data, **limits)
    return refused.value


def review_export() -> bytes:
    return xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1), taobao_row(2)])


def score_sheet() -> bytes:
    return small_workbook([SCORE_HEADERS, ["A001", "product_knowledge", "2026-11", 90, ""]], title="成绩")


# --- the guard itself -----------------------------------------------------------------------------


def test_the_2kb_file_of_the_finding_is_refused_naming_the_sheet_and_extent():
    data = hostile(small_workbook())
    assert len(data) < 6000
    refused = refusal(data)
    assert refused.code == WorkbookError.TOO_MANY_ROWS
    assert refused.message.startswith(
        "工作表“评价”的单元格用到了 A1:XFD1048576(1,048,576行 × 16,384列)，超过上限"
    )
    assert REFUSAL in refused.message


def test_a_declared_extent_alone_is_refused():
    refused = refusal(hostile(small_workbook(), far=None, dimension="A1:ALL100000"))
    assert refused.code == WorkbookError.SHEET_TOO_LARGE
    assert "声明的范围是 A1:ALL100000(100,000行 × 1,000列)" in refused.message


@pytest.mark.parametrize(
    "body, extent",
    [
        ('<row r="1"><c r="A1"/></row><row r="1048576"/>', "A1:A1048576"),  # an empty row far down
        ("<row>" + "<c/>" * 300 + "</row>", "A1:KN1"),  # cells without r count where a reader puts them
        ('<row r="1"><c r="A1"/></row><row><c/></row>' * 1 + '<x:row r="900000"/>', "A1:A900000"),  # prefix
        ("<row r='2'><c r='XFD2'/></row>", "A1:XFD2"),  # single quotes
        ('<row r="2"><c r="&#88;FD2"/></row>', "A1:XFD2"),  # an entity in r
        ('<row r="2"><c s="1" r="XFD2"/></row>', "A1:XFD2"),  # r not first
        ('<row r="2"><c r = "XFD2"/></row>', "A1:XFD2"),  # spaces around =
        ('<row r="2"><c t=">" r="XFD2"/></row>', "A1:XFD2"),  # > inside an attribute value
        ('<row r="2"><c r="B2"/><c/><c/></row><row r="3"><c r="IV3"/><c/></row>', "A1:IW3"),
        (f'<row r="2"><c r="A{"9" * 5000}"/></row>', "A1:A1000000000000"),  # int() refuses 4,300 digits
    ],
    ids=[
        "empty-far-row",
        "cells-without-r",
        "prefixed",
        "single-quotes",
        "entity",
        "r-not-first",
        "spaced",
        "gt-in-value",
        "r-less-after-r",
        "5000-digits",
    ],
)
def test_every_way_of_writing_a_far_cell_is_read_exactly(body, extent):
    refused = refusal(sheet_xml(small_workbook(), body))
    assert f" {extent}(" in refused.message


def test_a_sheet_reached_only_through_the_workbook_relationships_is_checked():
    data = hostile(small_workbook())
    moved = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(moved, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == SHEET:
                target.writestr("xl/elsewhere/data.xml", content)
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"/xl/worksheets/sheet1.xml", b"elsewhere/data.xml")
                content = content.replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
            target.writestr(info.filename, content)
    assert "工作表“评价”的单元格用到了 A1:XFD1048576" in refusal(moved.getvalue()).message


def test_formats_calamine_would_fall_back_to_are_refused():
    data = small_workbook()
    polyglot = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + data
    )  # .xls header, zip directory at the end
    assert refusal(polyglot).code == WorkbookError.CORRUPT_FILE
    xlsb = rewrite(data, SHEET, lambda text: text)
    with zipfile.ZipFile(buffer := io.BytesIO(xlsb), "a") as archive:
        archive.writestr("xl/workbook.bin", b"\0" * 10)
    assert "XLSB或ODS" in refusal(buffer.getvalue()).message
    with zipfile.ZipFile(buffer := io.BytesIO(data), "a") as archive:
        with pytest.warns(UserWarning):  # zipfile warns of the duplicate name it writes
            archive.writestr(SHEET, b"<worksheet/>")
    assert refusal(buffer.getvalue()).code == WorkbookError.CORRUPT_FILE


def test_an_ordinary_workbook_passes_with_its_extent(settings):
    extents = {e.name: e for e in check_workbook(review_export())}
    assert (extents["评价"].rows, extents["评价"].cols) == (3, len(TAOBAO_HEADERS))
    # Exactly at the limits passes; one cell more does not.
    data = sheet_xml(small_workbook([["a"]]), '<row r="4"><c r="E4"/></row>')
    assert check_workbook(data, max_rows=4, max_cols=5, max_cells=20)
    assert refusal(data, max_rows=4, max_cols=5, max_cells=19).code == WorkbookError.SHEET_TOO_LARGE
    settings.IMPORT_MAX_COLUMNS = 4
    assert "最多200,050行、4列" in refusal(data).message


def test_sheets_within_the_limit_one_by_one_are_refused_together():
    book = Workbook()
    for title in ("一", "二"):
        sheet = book.create_sheet(title)
        for row in range(3):
            sheet.append([row] * 3)
    book.remove(book.worksheets[0])
    buffer = io.BytesIO()
    book.save(buffer)
    assert check_workbook(buffer.getvalue(), max_cells=18)
    refused = refusal(buffer.getvalue(), max_cells=17)
    assert refused.message.startswith("工作簿的2个工作表合计用到18个单元格，超过上限17个。")


# --- every reader: a clear message, no 500, nothing written ------------------------------------------


@pytest.fixture
def uploader(make_user, shop):
    return make_user("supervisor", shops=[shop])


@pytest.mark.usefixtures("policy_pack")
def test_upload_page_refuses_the_hostile_file_and_writes_nothing(client, uploader, shop, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(uploader)
    before = snapshot()
    upload = io.BytesIO(hostile(review_export()))
    upload.name = "评价.xlsx"

    response = client.post(reverse("cases:import-upload"), {"shop": shop.pk, "file": upload})

    assert response.status_code == 200
    assert "工作表“评价”的单元格用到了 A1:XFD1048576" in response.content.decode()
    assert not response.context["token"]
    assert snapshot() == before
    assert not list((tmp_path / "import-staging").glob("*"))


@pytest.mark.usefixtures("policy_pack")
def test_import_reviews_command_refuses_the_hostile_file(shop, tmp_path):
    path = tmp_path / "评价.xlsx"
    path.write_bytes(hostile(review_export()))
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_reviews", str(path), "--shop", shop.code, stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert refused.value.returncode == 2
    assert "工作表“评价”的单元格用到了 A1:XFD1048576" in str(refused.value)
    assert snapshot() == before


def test_training_score_admin_import_refuses_the_hostile_file(admin_client):
    url = reverse("admin:training_score_import")
    formats = admin_client.get(url).context["form"].fields["format"].choices
    xlsx_format = next(value for value, label in formats if str(label).lower() == "xlsx")
    upload = io.BytesIO(hostile(score_sheet(), far="ALL100000", dimension="A1:ALL100000"))
    upload.name = "成绩.xlsx"

    response = admin_client.post(url, {"import_file": upload, "format": xlsx_format, "resource": "0"})

    assert response.status_code == 200
    assert "工作表“成绩”声明的范围是 A1:ALL100000" in response.content.decode()
    assert Score.objects.count() == 0


def test_training_score_import_page_refuses_the_hostile_file(admin_client):
    upload = io.BytesIO(hostile(score_sheet(), far="ALL100000", dimension="A1:ALL100000"))
    upload.name = "成绩.xlsx"
    response = admin_client.post(reverse("training:score_import"), {"file": upload})
    assert response.status_code == 200
    assert any("工作表“成绩”声明的范围是 A1:ALL100000" in e for e in response.context["errors"])
    assert Score.objects.count() == 0


def test_policy_pack_page_command_and_admin_imports_refuse_the_hostile_file(admin_client, tmp_path):
    data = hostile(small_workbook([["代码", "名称"], ["x", "y"]], title="问题类型"))
    before = every_rule_snapshot()
    expected = "工作表“问题类型”的单元格用到了 A1:XFD1048576"

    upload = io.BytesIO(data)
    upload.name = "pack.xlsx"
    page = admin_client.post(reverse("policies:pack_import"), {"pack_file": upload})
    assert page.status_code == 200 and expected in page.content.decode()

    path = tmp_path / "pack.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError) as refused:
        call_command("policy_pack", "import", str(path), stdout=io.StringIO())
    assert expected in str(refused.value)

    url = reverse("admin:policies_replytemplate_import")
    formats = admin_client.get(url).context["form"].fields["format"].choices
    xlsx_format = next(value for value, label in formats if str(label).lower() == "xlsx")
    upload = io.BytesIO(data)
    upload.name = "templates.xlsx"
    response = admin_client.post(url, {"import_file": upload, "format": xlsx_format, "resource": "0"})
    assert response.status_code == 200 and expected in response.content.decode()
    assert every_rule_snapshot() == before


def test_read_pack_refuses_before_openpyxl_reads():
    with pytest.raises(PackError, match="声明的范围是 A1:ALL100000"):
        read_pack(hostile(small_workbook(), far="ALL100000", dimension="A1:ALL100000"))


# --- no file within the size limit takes a reader's process past 500 MB --------------------------------

CHILD = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a safety net on a shared machine
import django
django.setup()
reader, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
message = ""
try:
    if reader == "intake":
        from cases.imports.files import read_sheets
        for _sheet in read_sheets(data, "hostile.xlsx"):
            pass
    elif reader == "training":
        from training.resources import read_dataset
        read_dataset(data, "hostile.xlsx")
    elif reader == "pack":
        from policies.pack import read_pack
        read_pack(data)
    elif reader == "admin":
        from policies.admin.base import CheckedXLSX
        CheckedXLSX().create_dataset(data)
except Exception as exc:
    message = getattr(exc, "message", None) or str(exc)
print(json.dumps({"message": message}, ensure_ascii=False))
sys.exit(1 if message else 0)
"""
# The reader runs in a grandchild so that RUSAGE_CHILDREN of the middle process is its peak alone.
MEASURE = r"""
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr[-2000:], "rss_mb": peak}))
"""


@pytest.mark.parametrize(
    "reader, far, dimension, expected",
    [
        ("intake", "XFD1048576", None, "的单元格用到了 A1:XFD1048576"),
        ("training", "ALL100000", "A1:ALL100000", "声明的范围是 A1:ALL100000"),
        ("pack", "ALL100000", "A1:ALL100000", "声明的范围是 A1:ALL100000"),
        ("admin", "XFD1048576", None, "的单元格用到了 A1:XFD1048576"),
    ],
)
def test_the_hostile_file_costs_a_reader_little_memory(reader, far, dimension, expected, tmp_path):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(hostile(small_workbook(), far=far, dimension=dimension))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reviewdesk.settings", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, CHILD, reader, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 1, report  # refused, not aborted (134) nor read
    assert expected in json.loads(report["out"].strip().splitlines()[-1])["message"]
    assert report["rss_mb"] < 500, report
    assert time.monotonic() - started < 120


def _with_shared_strings(sst: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(small_workbook([["评价内容"], ["x"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", sst)
    return buffer.getvalue()


def _intake_reads(data: bytes, tmp_path) -> dict:
    """The intake's read of ``data`` in a child process: its exit code, message and peak RSS."""
    path = tmp_path / "read.xlsx"
    path.write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reviewdesk.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, CHILD, "intake", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_sparse_sheet_at_the_default_limits_is_read_within_500_mb(tmp_path):
    """The defaults are sized for the reader: 200,000 rows x 30 columns (6,000,000 cells, the default
    IMPORT_MAX_CELLS) of mostly empty rectangle pass the guard and are read below 500 MB (streamed: the
    rectangle's native copy would be past IMPORT_WHOLE_SHEET_MB)."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="AD{n}"><v>1</v></c></row>' for n in range(1, 200_001)
    )
    report = _intake_reads(sheet_xml(small_workbook([["a"]]), rows), tmp_path)
    assert report["code"] == 0, report
    assert report["rss_mb"] < 500, report


SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">'


def test_cells_pointing_to_one_long_shared_string_are_not_read_whole(tmp_path):
    """python-calamine copies a shared string into every cell that points to it: 20,000 cells and one
    100 KB string (a file of about 200 KB) would take 2 GB read whole. A workbook with shared strings
    streams, holding the string once."""
    import random

    text = "".join(random.Random(17).choices(string.ascii_letters, k=100_000))  # does not deflate away
    data = _with_shared_strings(SST.format(n=1) + f"<si><t>{text}</t></si></sst>")
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 20_001))

    report = _intake_reads(sheet_xml(data, rows), tmp_path)

    assert report["code"] == 0, report
    assert report["rss_mb"] < 300, report


def test_a_shared_string_table_declaring_billions_of_strings_is_not_read_whole(tmp_path):
    """calamine reserves the table's declared uniqueCount before reading it: a 1.6 KB file declaring
    two billion strings asked for 48 GB and aborted the process (nothing to catch)."""
    data = _with_shared_strings(SST.format(n=2_000_000_000) + "<si><t>评价</t></si></sst>")

    report = _intake_reads(data, tmp_path)

    assert report["code"] == 0, report  # read (streamed), not aborted (134)
    assert report["rss_mb"] < 300, report


# --- F17: staged previews are deleted ---------------------------------------------------------------


def _preview(client, shop) -> str:
    upload = io.BytesIO(review_export())
    upload.name = "评价.xlsx"
    response = client.post(reverse("cases:import-upload"), {"shop": shop.pk, "file": upload})
    assert response.status_code == 200 and response.context["result"].ok
    return response.context["token"]


@pytest.mark.usefixtures("policy_pack")
def test_an_ordinary_file_is_previewed_then_imported_and_its_staged_copy_deleted(
    client, uploader, shop, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(uploader)
    token = _preview(client, shop)
    staged = list((tmp_path / "import-staging").iterdir())
    assert len(staged) == 1 and Review.objects.count() == 0

    response = client.post(reverse("cases:import-confirm"), {"token": token}, follow=True)

    assert response.status_code == 200 and response.context["result"].created == 2
    assert Review.objects.count() == 2
    assert not staged[0].exists()
    again = client.post(reverse("cases:import-confirm"), {"token": token}, follow=True)  # used once
    assert again.context["result"].created == 2 and Review.objects.count() == 2  # that import's page again


@pytest.mark.usefixtures("policy_pack")
def test_a_cancelled_preview_is_deleted_and_imports_nothing(client, uploader, shop, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(uploader)
    token = _preview(client, shop)

    response = client.post(reverse("cases:import-confirm"), {"token": token, "cancel": "1"})

    assert response.status_code == 302 and response.url == reverse("cases:import-upload")
    assert not list((tmp_path / "import-staging").iterdir())
    assert Review.objects.count() == 0


def test_the_sweep_deletes_old_staged_files_and_keeps_fresh_ones(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.IMPORT_STAGING_MAX_AGE_HOURS = 24
    folder = tmp_path / "import-staging"
    folder.mkdir()
    old, fresh = folder / ("a" * 32), folder / ("b" * 32)
    legacy = folder / ("c" * 64)  # staged before the random keys, under its SHA-256
    for path in (old, fresh, legacy):
        path.write_bytes(b"PK")
    day_ago = time.time() - timedelta(hours=25).total_seconds()
    os.utime(old, (day_ago, day_ago))
    os.utime(legacy, (day_ago, day_ago))

    assert staged_previews_sweep() == {"deleted": 2, "kept": 1}
    assert sorted(p.name for p in folder.iterdir()) == [fresh.name]


def test_the_sweep_reaches_abandoned_policy_pack_previews_too(settings, tmp_path):
    """A pack staged for its preview (policies.views) lives in its own area; the same hourly sweep
    deletes it when abandoned, and a used one is gone at once."""
    from policies.views import _forget_upload, _keep_upload, _read_upload

    settings.VAR_DIR = tmp_path
    settings.IMPORT_STAGING_MAX_AGE_HOURS = 24
    abandoned, used = _keep_upload(b"PK-abandoned"), _keep_upload(b"PK-used")
    assert _read_upload(used) == b"PK-used" and _read_upload("../../etc/passwd") is None
    _forget_upload(used)
    day_ago = time.time() - timedelta(hours=25).total_seconds()
    os.utime(tmp_path / "policy-packs" / abandoned, (day_ago, day_ago))

    assert staged_previews_sweep() == {"deleted": 1, "kept": 0}
    assert list((tmp_path / "policy-packs").iterdir()) == []


def test_the_sweep_runs_hourly(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="ReviewDesk import staging sweep")
    assert (schedule.func, schedule.schedule_type) == (
        "cases.imports.uploads.staged_previews_sweep",
        Schedule.HOURLY,
    )
