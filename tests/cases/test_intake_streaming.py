"""The intake reads an export row by row and keeps its validated rows on disk until they are stored:
what a large file costs in memory does not grow with its rows (issue: no file within the size limit
takes the process past 500 MB; ``bench/bench_intake_memory.py`` measures the 200,000-row export).

The streaming reader must give every cell the value python-calamine (the reader it replaces) gave,
so that every rule downstream reads the same cells; the comparison below runs both on one workbook.
"""

import datetime as dt
import functools
import io
import pickle
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from python_calamine import CalamineWorkbook

from cases.imports import validation as pipeline
from cases.imports.files import FileRejected, read_sheets
from cases.imports.spool import RowSpool
from cases.imports.uploads import reviews_import_file
from cases.imports.validation import parse_export
from cases.models import Case, Review
from reviewdesk.i18n_text import render
from reviewdesk.xlsx_rows import Workbook, XlsxUnreadable
from tests.cases.exports import TAOBAO_HEADERS, csv_bytes, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot

pytestmark = pytest.mark.usefixtures("policy_pack")


def _trimmed(rows) -> list[list]:
    """Rows without trailing empty cells or trailing empty rows (calamine pads to the rectangle)."""
    out = [list(row) for row in rows]
    for row in out:
        while row and row[-1] == "":
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


def _varied_workbook() -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = "评价"
    sheet.append(["订单编号", "金额", "时间", "日期", "布尔", "整数", "空", "时刻", "百分比", "公式"])
    sheet.append(
        [
            "3100000000000000",
            12.5,
            dt.datetime(2026, 11, 20, 13, 5),
            dt.date(2026, 11, 3),
            True,
            42,
            None,
            dt.time(13, 5),
            0.25,
            "=1+1",
        ]
    )
    sheet["I2"].number_format = "0%"
    sheet.append([])
    sheet.append(["x", -1.5, "2026-11-20 13:05:00", None, False, 10**15, "", None, None, None])
    sheet.cell(row=7, column=3, value=45000.5).number_format = "yyyy/m/d h:mm"
    sheet.cell(row=8, column=2, value=45000).number_format = "yyyy年m月d日"
    sheet.cell(row=9, column=2, value=0.5).number_format = "[h]:mm:ss"
    sheet.cell(row=10, column=2, value=1.5).number_format = "mm:ss"
    sheet.cell(row=12, column=5, value="  有空格的文字  ")
    book.create_sheet("第二页")["B3"] = "only"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SHEET_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>订单</x:t><x:t>编号</x:t></x:is></x:c>'
    '<x:c r="B1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="e"><x:v>#N/A</x:v></x:c></x:row>'
    '<x:row r="3"><x:c r="A3"><x:f>1+1</x:f><x:v>2</x:v></x:c><x:c r="C3" t="str"><x:f>A1</x:f>'
    '<x:v>订单编号</x:v></x:c><x:c r="D3" t="b"><x:v>1</x:v></x:c></x:row>'
    "</x:sheetData></x:worksheet>"
)
SHARED_XML = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><r><t>评价</t></r><r><t>内容</t></r><rPh><t>ピンイン</t></rPh></si></sst>"
)


def _hand_written_workbook() -> bytes:
    """Prefixed elements, inline and rich shared strings with a phonetic run, an error cell, formulas
    with cached values, a skipped line — shapes other writers than openpyxl produce."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="导出" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_XML)
        archive.writestr("xl/sharedStrings.xml", SHARED_XML)
    return buffer.getvalue()


@pytest.mark.parametrize("maker", [_varied_workbook, _hand_written_workbook])
def test_every_cell_reads_as_calamine_read_it(maker):
    data = maker()
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    book = Workbook(data)

    assert [ref.name for ref in book.sheets] == calamine.sheet_names
    for ref in book.sheets:
        theirs = _trimmed(calamine.get_sheet_by_name(ref.name).to_python(skip_empty_area=False))
        ours = _trimmed(book.rows(ref))
        assert ours == theirs, ref.name


def test_the_hand_written_shapes_read_as_intended():
    book = Workbook(_hand_written_workbook())
    rows = list(book.rows(book.sheets[0]))
    assert rows[0] == ["订单编号", "评价内容", ""]  # inline runs joined; no phonetic text; #N/A is no value
    assert rows[1] == []  # line 2 is not in the XML: an empty row keeps the line numbers
    assert rows[2] == [2.0, "", "订单编号", True]  # cached formula values, never the formula


def test_a_sheet_keeps_its_head_and_reads_the_rest_once():
    data = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 121)])
    sheet = next(read_sheets(data, "x.xlsx"))

    assert len(sheet.head) == 50  # the header search's rows; the other 71 are not read yet
    numbered = list(sheet.rows_from(1))
    assert [index for index, _row in numbered] == list(range(1, 121))
    assert numbered[-1][1][0] == taobao_row(120)["订单编号"]
    with pytest.raises(RuntimeError):
        next(sheet.rows_from(1))


def _held_bytes(rows: list[dict]) -> int:
    """What validated rows take when all are held at once (a deep copy, measured)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = pickle.loads(pickle.dumps(rows))
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del held
    return size


def _export(kind: str, count: int) -> bytes:
    rows = [
        taobao_row(n, 评价内容=f"第{n}条评价：杯子收到就裂了，质量太差，客服也不回复")
        for n in range(1, count + 1)
    ]
    return xlsx_bytes(TAOBAO_HEADERS, rows) if kind == "xlsx" else csv_bytes(TAOBAO_HEADERS, rows)


def _parse_peak(shop, data: bytes, kind: str):
    tracemalloc.start()
    parsed = parse_export(data, file_name=f"big.{kind}", shop=shop)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return parsed, peak


# While its rows are read an XLSX keeps its shared-string table (the text the cells point into) and a
# CSV its decoded text: both about the file's text, less than the rows it validates into.
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_reading_twice_the_rows_does_not_hold_twice_the_memory(shop, kind, settings):
    settings.IMPORT_WHOLE_SHEET_MB = 0  # the streaming reader (a small sheet is otherwise read whole)
    small, small_peak = _parse_peak(shop, _export(kind, 5000), kind)
    large, large_peak = _parse_peak(shop, _export(kind, 10000), kind)

    assert small.ok and large.ok and len(large.rows) == 10000
    spooled = list(large.rows)
    assert [r["order_no"] for r in spooled] == [taobao_row(n)["订单编号"] for n in range(1, 10001)]
    # Holding every row until the end, as the reader did before, grew the peak by the 5,000 more
    # validated rows and their raw cells (well over twice ``more``); reading as it goes grows it by
    # the rows' keys for the duplicate check and the file's text.
    more = _held_bytes(spooled[5000:])
    assert large_peak - small_peak < more, (small_peak, large_peak, more)
    small.rows.discard()
    large.rows.discard()


def test_a_bad_row_after_several_spooled_chunks_writes_nothing(shop, monkeypatch):
    monkeypatch.setattr(pipeline, "RowSpool", functools.partial(RowSpool, chunk=3))
    rows = [taobao_row(n) for n in range(1, 12)] + [taobao_row(12, 评价时间="不是时间")]
    before = snapshot()

    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")

    assert not result.ok and result.error_count == 1 and result.errors[0]["row"] == 13
    assert snapshot() == before


def test_spooled_chunks_are_stored_in_order(shop, monkeypatch):
    monkeypatch.setattr(pipeline, "RowSpool", functools.partial(RowSpool, chunk=4))
    rows = [taobao_row(n) for n in range(1, 11)]

    result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="x.xlsx")

    assert result.ok and result.created == 10 and len(result.preview) == 10
    assert set(Review.objects.values_list("order_no", flat=True)) == {r["订单编号"] for r in rows}
    assert result.preview[0]["order_no"] == rows[0]["订单编号"]


def test_too_many_rows_found_while_reading_on_is_refused(shop, settings):
    settings.IMPORT_MAX_ROWS = 60
    rows = [taobao_row(n) for n in range(1, 62)]
    before = snapshot()

    result = reviews_import_file(shop=shop, data=csv_bytes(TAOBAO_HEADERS, rows), file_name="x.csv")

    assert not result.ok and result.error["code"] == "too_many_rows"
    assert snapshot() == before


def _with_sheet_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in its first worksheet's XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(old, new)
            archive.writestr(info, content)
    return buffer.getvalue()


def test_a_sheet_damaged_past_its_head_is_refused_by_name(shop):
    good = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 80)])
    damaged = _with_sheet_xml(good, b"</sheetData>", b'<row r="90"><c r="A90"></sheetData>')

    with pytest.raises(FileRejected) as refused:
        sheet = next(read_sheets(damaged, "x.xlsx"))
        list(sheet.rows_from(0))
    assert "评价" in refused.value.message
    before = snapshot()
    result = reviews_import_file(shop=shop, data=damaged, file_name="x.xlsx")
    assert not result.ok and result.error["code"] == "corrupt_file"
    assert snapshot() == before


def test_the_reader_never_pads_to_a_row_beyond_excels_last():
    """The guard refuses such a sheet before any reader sees it; the reader does not trust that alone."""
    book = Workbook(_with_sheet_xml(_hand_written_workbook(), b'<x:row r="3">', b'<x:row r="99999999999">'))
    with pytest.raises(XlsxUnreadable):
        list(book.rows(book.sheets[0]))


def test_the_batch_signals_count_stored_and_spooled_reviews_across_chunks(shop, monkeypatch):
    """Same buyer / same IP counts (the malicious signals, default pack: 3 negatives of one buyer in 30
    days, 3 from one IP in 7 days) see the reviews already stored and every row of the batch, whichever
    chunk of the spool it is in."""
    monkeypatch.setattr(pipeline, "RowSpool", functools.partial(RowSpool, chunk=2))
    headers = [*TAOBAO_HEADERS, "买家IP"]
    first = [taobao_row(1, 买家昵称="t**老王", 评价时间="2026-11-01 10:00:00", 买家IP="10.0.0.1")]
    assert reviews_import_file(shop=shop, data=xlsx_bytes(headers, first), file_name="a.xlsx").ok
    later = [
        taobao_row(2, 买家昵称="t**老王", 评价时间="2026-11-05 10:00:00", 买家IP="10.0.0.2"),
        taobao_row(3, 买家昵称="t**路人甲", 评价时间="2026-11-20 09:00:00", 买家IP="10.9.9.9"),
        taobao_row(4, 买家昵称="t**路人乙", 评价时间="2026-11-20 10:00:00", 买家IP="10.9.9.9"),
        taobao_row(5, 买家昵称="t**老王", 评价时间="2026-11-06 10:00:00", 买家IP="10.0.0.3"),
        taobao_row(6, 买家昵称="t**路人丙", 评价时间="2026-11-21 10:00:00", 买家IP="10.9.9.9"),
    ]
    assert reviews_import_file(shop=shop, data=xlsx_bytes(headers, later), file_name="b.xlsx").ok

    flagged = {
        c.review.order_no: c.malicious_signals
        for c in Case.objects.select_related("review").filter(is_malicious=True)
    }
    # 老王's third negative in 30 days (one stored, two in the batch); the third from 10.9.9.9 in 7 days.
    assert set(flagged) == {taobao_row(5)["订单编号"], taobao_row(6)["订单编号"]}
    assert any("3条差评" in render(signal) for signal in flagged[taobao_row(5)["订单编号"]])  # stored neutral
