"""Reading an uploaded export into rows of cell values, with the guards applied first.

Rows are streamed: a sheet keeps its first ``HEAD_ROWS`` rows (where the header is looked for) and
hands out the rest one at a time, so the memory of a read does not grow with the file (a 200,000-row
export is read in about 12 MB besides the file itself). XLSX goes through ``reviewdesk.xlsx_rows``,
which reads cached cell values and never evaluates formulas. A sheet whose native copy would fit in
``IMPORT_WHOLE_SHEET_MB`` is read whole by python-calamine instead, the same values at about a third
of the CPU (2.3 of the 18 CPU-seconds a 100,000-row import took); a larger one, one of a workbook
with shared strings, or one calamine cannot parse, streams. Before any reader sees the bytes the one
workbook guard (``reviewdesk.workbooks``) checks the zip directory against the decompression-bomb
limits and every sheet's declared and real extent against the row, column and cell limits. CSV is
decoded as UTF-8 (with or without BOM), else GB18030 (a superset of GBK), and its dialect sniffed by
the csv module. A problem found while the rows are read (too many rows, a damaged sheet) is raised as
``FileRejected`` from the iteration, so the caller reads the rows inside its own ``try``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice

from django.conf import settings
from django.utils.translation import gettext as _

from cases.errors import IntakeError
from reviewdesk.workbooks import SheetExtent, WorkbookError, WorkbookRefused, check_workbook
from reviewdesk.xlsx_rows import SheetRef, Workbook, XlsxUnreadable

HEAD_ROWS = 50  # rows kept for the header search (mapping.HEADER_SCAN_ROWS) and the preview of a miss


class FileRejected(Exception):
    """The file as a whole cannot be read; ``message`` is for the user (Chinese msgid)."""

    def __init__(self, code: IntakeError, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Sheet:
    """One sheet's rows of cell values, read once: row i is Excel/CSV line i + 1. ``head`` holds the
    first ``HEAD_ROWS`` rows; ``rows_from(i)`` goes on from row i to the end, reading as it goes."""

    def __init__(self, name: str, rows: Iterable[list]):
        self.name = name
        self._rest = iter(rows)
        self.head: list[list] = list(islice(self._rest, HEAD_ROWS))
        self._read = False

    def rows_from(self, start: int) -> Iterator[tuple[int, list]]:
        if self._read:
            raise RuntimeError("a sheet's rows are read once")
        self._read = True
        for index in range(start, len(self.head)):
            yield index, self.head[index]
        yield from enumerate(self._rest, start=max(start, len(self.head)))

    def has_content(self) -> bool:
        """Whether any cell holds something (reads the rest of the sheet when the head is blank)."""
        rows = self.head if self._read else [*self.head, *self._rest]
        self._read = True
        return any(any(cell not in (None, "") for cell in row) for row in rows)


XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def check_size(size: int) -> None:
    if size == 0:
        raise FileRejected(IntakeError.EMPTY_FILE, _("文件是空的(0字节)。"))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(
            IntakeError.FILE_TOO_BIG,
            _("文件过大：%(size)s，上限为 %(max)s。请拆分后再导入。")
            % {"size": _mb(size), "max": _mb(settings.IMPORT_MAX_BYTES)},
        )


# The guard's refusals in the intake's error codes (a sheet too wide or too large is a file too big).
_WORKBOOK_CODES = {
    WorkbookError.FILE_TOO_BIG: IntakeError.FILE_TOO_BIG,
    WorkbookError.CORRUPT_FILE: IntakeError.CORRUPT_FILE,
    WorkbookError.ZIP_BOMB: IntakeError.ZIP_BOMB,
    WorkbookError.TOO_MANY_ROWS: IntakeError.TOO_MANY_ROWS,
    WorkbookError.SHEET_TOO_LARGE: IntakeError.FILE_TOO_BIG,
}


def check_xlsx(data: bytes) -> list[SheetExtent]:
    """Refuse an XLSX that no reader could read within the limits, before anything is allocated;
    else each worksheet's extent."""
    try:
        return check_workbook(data)
    except WorkbookRefused as exc:
        raise FileRejected(_WORKBOOK_CODES[exc.code], exc.message) from exc


def _too_many_rows(count: int) -> FileRejected:
    return FileRejected(
        IntakeError.TOO_MANY_ROWS,
        _("行数过多：超过 %(max)d 行的上限。请拆分后再导入。") % {"max": settings.IMPORT_MAX_ROWS},
    )


def _row_limit() -> int:
    return settings.IMPORT_MAX_ROWS + 50  # header rows and a few blank lines on top of the data cap


def _capped(rows: Iterable[list]) -> Iterator[list]:
    limit = _row_limit()
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise _too_many_rows(count)
        yield row


def read_xlsx(data: bytes) -> Iterator[Sheet]:
    """Yields the sheets one at a time, in the workbook's order (the caller stops at the first
    recognisable one); each sheet's rows are read as they are consumed."""
    extents = {extent.member: extent for extent in check_xlsx(data)}
    try:
        workbook = Workbook(data)
    except XlsxUnreadable:
        raise FileRejected(IntakeError.CORRUPT_FILE, _("无法读取XLSX文件，文件可能已损坏或加密。"))
    for ref in workbook.sheets:
        whole = _fits_whole(workbook, ref, extents.get(ref.member))
        yield Sheet(ref.name, _capped(_sheet_rows(workbook, ref, whole=whole)))


def _fits_whole(workbook: Workbook, ref: SheetRef, extent: SheetExtent | None) -> bool:
    if extent is None:
        return False
    cells = max(extent.rows * extent.cols, extent.declared_rows * extent.declared_cols)
    estimate = workbook.native_bytes(ref, cells)
    return estimate is not None and estimate <= settings.IMPORT_WHOLE_SHEET_MB * 1024 * 1024


def _sheet_rows(workbook: Workbook, ref: SheetRef, *, whole: bool) -> Iterator[list]:
    try:
        rows = None
        if whole:
            try:
                rows = workbook.whole_rows(ref)
            except XlsxUnreadable:  # the streaming reader says what it can read of it, or refuses it
                rows = None
        yield from workbook.rows(ref) if rows is None else rows
    except XlsxUnreadable:
        raise FileRejected(
            IntakeError.CORRUPT_FILE, _("无法读取工作表“%(name)s”，文件可能已损坏。") % {"name": ref.name}
        )


def check_encoding(data: bytes) -> None:
    """Refuse the encodings GB18030 would "decode" into mojibake without an error: UTF-16, and a file
    whose Chinese text reads as UTF-8 up to a point and not after it (a GBK part pasted in)."""
    _refuse_utf16(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse_mixed(data, exc)


def _refuse_utf16(data: bytes) -> None:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    try:  # a BOM alone proves little: the text after it must be UTF-16 with the lines of a table
        head = data[:4096].decode("utf-16", errors="strict" if len(data) <= 4096 else "ignore")
    except UnicodeDecodeError:
        return
    if "\n" in head or "," in head or "\t" in head:
        raise FileRejected(
            IntakeError.UNKNOWN_ENCODING,
            _("CSV是UTF-16编码(Excel的“Unicode文本”)：请另存为UTF-8或GBK编码的CSV。"),
        )


_NON_ASCII = bytes(range(0x80, 0x100))


def _refuse_mixed(data: bytes, error: UnicodeDecodeError) -> None:
    valid = data[: error.start]
    # Six or more bytes of real UTF-8 Chinese (not one GBK pair that happens to be valid UTF-8).
    if len(valid) - len(valid.translate(None, _NON_ASCII)) >= 6:
        raise FileRejected(
            IntakeError.UNKNOWN_ENCODING,
            _("CSV混用了两种编码：前面是UTF-8，第%(line)d行起不是。请把整个文件另存为UTF-8或GBK后再导入。")
            % {"line": valid.count(b"\n") + 1},
        )


def decode_text(data: bytes) -> str:
    _refuse_utf16(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse_mixed(data, exc)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise FileRejected(IntakeError.UNKNOWN_ENCODING, _("无法识别CSV的编码：请另存为UTF-8或GBK编码的CSV。"))


def read_csv(data: bytes) -> Iterator[Sheet]:
    text = decode_text(data)
    if b"\x00" in data[:4096]:
        raise FileRejected(IntakeError.UNSUPPORTED_FILE, _("文件内容不是文本CSV(含二进制数据)。"))
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    yield Sheet("CSV", _capped(_csv_rows(text, dialect)))


def _csv_rows(text: str, dialect) -> Iterator[list]:
    count = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            count += 1
            yield row
    except csv.Error as exc:
        if "field limit" in str(exc):  # also what an unclosed quote becomes: the rest of the file in one cell
            raise FileRejected(
                IntakeError.CORRUPT_FILE,
                _("CSV第%(line)d行附近有一个单元格超过%(max)d个字符：可能是引号没有配对。")
                % {"line": count + 1, "max": csv.field_size_limit()},
            )
        raise FileRejected(IntakeError.CORRUPT_FILE, _("CSV格式错误：%(error)s") % {"error": exc})


def read_sheets(data: bytes, file_name: str) -> Iterator[Sheet]:
    check_size(len(data))
    name = (file_name or "").lower().strip()
    if name.endswith(XLSX_SUFFIXES):
        return read_xlsx(data)
    if name.endswith(CSV_SUFFIXES):
        if data.startswith(b"PK\x03\x04"):
            raise FileRejected(
                IntakeError.UNSUPPORTED_FILE,
                _("文件扩展名是CSV，内容却是压缩包(XLSX？)。请使用正确的扩展名。"),
            )
        return read_csv(data)
    if name.endswith(".xls"):
        raise FileRejected(
            IntakeError.UNSUPPORTED_FILE, _("不支持旧版Excel(.xls)文件：请在Excel中另存为.xlsx或CSV。")
        )
    raise FileRejected(
        IntakeError.UNSUPPORTED_FILE,
        _("不支持的文件类型“%(name)s”：请上传.xlsx或.csv文件。") % {"name": file_name or "?"},
    )
