"""A sheet that fits the memory budget (``IMPORT_WHOLE_SHEET_MB``) is read whole by python-calamine,
about a third of the streaming reader's CPU; a larger one, or one calamine cannot parse, streams.
Either way every cell has the same value, so every rule downstream reads the same file."""

import io
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from cases.imports.files import read_sheets
from cases.imports.uploads import reviews_import_file
from cases.models import Review
from reviewdesk.xlsx_rows import Workbook, XlsxUnreadable
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.cases.intake_support import snapshot
from tests.cases.test_intake_streaming import _hand_written_workbook, _trimmed, _varied_workbook

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.mark.parametrize("maker", [_varied_workbook, _hand_written_workbook])
def test_the_whole_sheet_reads_every_cell_as_the_stream_does(maker):
    data = maker()
    book = Workbook(data)
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))

    for ref in book.sheets:
        whole = list(book.whole_rows(ref))
        assert _trimmed(whole) == _trimmed(Workbook(data).rows(ref)), ref.name
        # the rectangle from A1, as calamine lays it out (the second sheet starts at B3)
        assert whole == calamine.get_sheet_by_name(ref.name).to_python(skip_empty_area=False), ref.name


def test_the_varied_workbook_has_a_sheet_that_starts_past_column_a():
    book = Workbook(_varied_workbook())
    second = list(book.whole_rows(book.sheets[1]))
    assert second == [["", ""], ["", ""], ["", "only"]]


def _ragged() -> bytes:
    rows = [taobao_row(n) for n in range(1, 6)]
    return xlsx_bytes([*TAOBAO_HEADERS, "备注"], rows)  # the header is one cell wider than any row


def test_under_the_budget_the_sheet_is_read_whole_and_over_it_streams(settings):
    settings.IMPORT_WHOLE_SHEET_MB = 160
    whole = next(read_sheets(_ragged(), "x.xlsx")).head
    settings.IMPORT_WHOLE_SHEET_MB = 0
    streamed = next(read_sheets(_ragged(), "x.xlsx")).head

    assert {len(row) for row in whole} == {len(TAOBAO_HEADERS) + 1}  # calamine's rectangle
    assert {len(row) for row in streamed} == {len(TAOBAO_HEADERS), len(TAOBAO_HEADERS) + 1}  # as written
    assert _trimmed(whole) == _trimmed(streamed)


def test_the_estimate_decides_which_reader_runs(settings):
    data = _ragged()
    book = Workbook(data)
    estimate = book.native_bytes(book.sheets[0], cells=6 * (len(TAOBAO_HEADERS) + 1))
    settings.IMPORT_WHOLE_SHEET_MB = estimate / 1024 / 1024  # just enough
    assert len({len(row) for row in next(read_sheets(data, "x.xlsx")).head}) == 1
    settings.IMPORT_WHOLE_SHEET_MB = (estimate - 1) / 1024 / 1024  # one byte short
    assert len({len(row) for row in next(read_sheets(data, "x.xlsx")).head}) == 2


def test_a_workbook_with_shared_strings_streams_under_the_budget(settings):
    """calamine trusts a shared-string table's declared size and copies a shared string into every
    cell (tests/hardening/test_hostile_workbooks.py): such a workbook is never read whole."""
    settings.IMPORT_WHOLE_SHEET_MB = 160
    book = Workbook(_hand_written_workbook())
    assert book.native_bytes(book.sheets[0], cells=12) is None
    head = next(read_sheets(_hand_written_workbook(), "x.xlsx")).head
    assert head[1] == []  # the stream's empty line; calamine would give a row of "" as wide as the sheet


def _without_sheet_names(data: bytes) -> bytes:
    """The workbook part names no sheet: calamine refuses to look the sheet up, the stream reads it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = content.replace('name="评价"'.encode(), b'name=""')
            archive.writestr(info, content)
    return buffer.getvalue()


def test_a_sheet_calamine_cannot_read_streams_instead(shop, settings):
    settings.IMPORT_WHOLE_SHEET_MB = 160
    rows = [taobao_row(n) for n in range(1, 8)]
    data = _without_sheet_names(xlsx_bytes(TAOBAO_HEADERS, rows))
    book = Workbook(data)
    with pytest.raises(XlsxUnreadable):
        book.whole_rows(book.sheets[0])

    result = reviews_import_file(shop=shop, data=data, file_name="x.xlsx")

    assert result.ok and result.created == 7
    assert set(Review.objects.values_list("order_no", flat=True)) == {r["订单编号"] for r in rows}


def test_a_damaged_sheet_under_the_budget_is_refused_and_writes_nothing(shop, settings):
    settings.IMPORT_WHOLE_SHEET_MB = 160
    good = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 30)])
    source = zipfile.ZipFile(io.BytesIO(good))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = content.replace(b"</sheetData>", b'<row r="40"><c r="A40"></sheetData>')
            archive.writestr(info, content)
    before = snapshot()

    result = reviews_import_file(shop=shop, data=buffer.getvalue(), file_name="x.xlsx")

    assert not result.ok and result.error["code"] == "corrupt_file"
    assert snapshot() == before


def test_two_sheets_of_one_name_are_streamed_each_as_itself():
    """calamine looks a sheet up by name: of two sheets named alike it would read the first twice."""
    data = xlsx_bytes(TAOBAO_HEADERS, [taobao_row(1)], extra_sheets=[("其他", [["第二页"]])])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = content.replace('name="其他"'.encode(), 'name="评价"'.encode())
            archive.writestr(info, content)
    book = Workbook(buffer.getvalue())

    assert [ref.name for ref in book.sheets] == ["评价", "评价"]
    assert [book.native_bytes(ref, cells=10) for ref in book.sheets] == [None, None]
    sheets = list(read_sheets(buffer.getvalue(), "x.xlsx"))
    assert sheets[1].head == [["第二页"]]
