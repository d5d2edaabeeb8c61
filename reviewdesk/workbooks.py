"""The one guard in front of every XLSX reader: review intake (reviewdesk.xlsx_rows, streaming), the
training score import and the policy pack (openpyxl, also through tablib and django-import-export).

Readers allocate the rectangle from A1 to a sheet's furthest cell: a 2 KB file with one cell at
XFD1048576 made calamine ask for 512 GB and abort the process (SIGABRT, nothing to catch), and a cell
at ALL100000 under a matching ``<dimension>`` made openpyxl's read-only rows, padded to the declared
width, take 950 MB. So ``check_workbook`` refuses such a file before any reader sees it:

1. the bytes: within ``IMPORT_MAX_BYTES``, a zip from its first byte (a CFB/.xls file with a zip
   directory appended would be read by calamine as .xls), no member name twice (the member we scan
   must be the member the reader opens), ``xl/workbook.xml`` present and no XLSB/ODS part beside it
   (calamine falls back to those formats when the XLSX part does not parse);
2. the zip directory: the inflated total and each member's compression ratio (decompression bombs);
3. every worksheet, streamed in 1 MB pieces of its inflated XML (memory stays at one piece, time is
   linear in the inflated size that step 2 bounds): the declared extent (every ``<dimension ref>``)
   and the real one (the furthest ``<row r>`` and ``<c r>``; a cell or row written without ``r``
   counts at the position a reader gives it). A sheet whose rectangle from A1 has more rows, columns
   or cells than the limits is refused with its name and extent, as soon as a piece shows it; so is a
   workbook whose sheets' rectangles add up to more cells than the limit (the pack keeps every sheet).

Worksheets are those ``xl/workbook.xml`` names through ``xl/_rels/workbook.xml.rels`` (resolved as
calamine resolves them) and every member under ``xl/worksheets/``. Element prefixes, attributes in
any order or quoting, entities in ``r`` and cells without ``r`` are all read the slow, exact way; the
common shape (``<c r="B7" s="1">``, as Excel, WPS and openpyxl write it) is counted by regular
expressions over the whole piece, so a 200,000-row export costs about two seconds on top of reading.
Anything in doubt counts as a cell (a tag in a comment, say): the guard may over-estimate, never under.

Limits (settings, narrowed per call by the keyword arguments): ``IMPORT_MAX_ROWS`` plus a few header
lines, ``IMPORT_MAX_COLUMNS``, ``IMPORT_MAX_CELLS`` (the rectangle), ``IMPORT_MAX_BYTES``,
``IMPORT_MAX_UNCOMPRESSED_BYTES`` and ``IMPORT_MAX_COMPRESSION_RATIO``. Messages are Chinese msgids.
"""

from __future__ import annotations

import html
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter

from django.conf import settings
from django.utils.translation import gettext as _

HEADER_ROWS = 50  # title and header lines a sheet may have above IMPORT_MAX_ROWS rows of data
CHUNK = 1 << 20
MAX_TAG = 1 << 20  # no start tag of a worksheet is this long; a longer one is refused as damage
MAX_PART = 16 << 20  # workbook.xml and its relationships: a few KB in any real file
MAX_MEMBERS = 10_000  # an XLSX of one sheet has about ten; many thousands only slow the checks down


class WorkbookError(StrEnum):
    FILE_TOO_BIG = "file_too_big"
    CORRUPT_FILE = "corrupt_file"
    ZIP_BOMB = "zip_bomb"
    TOO_MANY_ROWS = "too_many_rows"
    SHEET_TOO_LARGE = "sheet_too_large"


class WorkbookRefused(Exception):
    """The file must not reach a reader; ``message`` is for the user (translated Chinese msgid)."""

    def __init__(self, code: WorkbookError, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SheetExtent:
    """What the guard found in one worksheet (rows and columns counted from A1)."""

    name: str
    member: str
    declared_rows: int = 0
    declared_cols: int = 0
    rows: int = 0
    cols: int = 0


@dataclass(frozen=True)
class _Limits:
    rows: int
    cols: int
    cells: int


def check_workbook(
    source, *, max_rows: int | None = None, max_cols: int | None = None, max_cells: int | None = None
) -> list[SheetExtent]:
    """Refuse (``WorkbookRefused``) an XLSX that a reader could not read within the limits; else
    return each worksheet's extent. ``source``: bytes, a path, or a seekable binary file object."""
    limits = _Limits(
        rows=max_rows if max_rows is not None else settings.IMPORT_MAX_ROWS + HEADER_ROWS,
        cols=max_cols if max_cols is not None else settings.IMPORT_MAX_COLUMNS,
        cells=max_cells if max_cells is not None else settings.IMPORT_MAX_CELLS,
    )
    fileobj = _open(source)
    archive = _check_archive(fileobj)
    extents: list[SheetExtent] = []
    with archive:
        for name, member in _worksheets(archive):
            extents.append(_scan_sheet(archive, name, member, limits))
            _check_total(extents, limits)  # readers that keep every sheet (the pack) hold them all at once
    return extents


def _check_total(extents: list[SheetExtent], limits: _Limits) -> None:
    total = sum(max(e.rows * e.cols, e.declared_rows * e.declared_cols) for e in extents)
    if total > limits.cells:
        raise WorkbookRefused(
            WorkbookError.SHEET_TOO_LARGE,
            _(
                "工作簿的%(sheets)s个工作表合计用到%(cells)s个单元格，超过上限%(max_cells)s个。"
                "已拒绝读取，请删除多余的工作表、行和列或拆分后再导入。"
            )
            % {"sheets": len(extents), "cells": f"{total:,}", "max_cells": f"{limits.cells:,}"},
        )


# --- the bytes and the zip directory -------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _not_xlsx() -> WorkbookRefused:
    return WorkbookRefused(
        WorkbookError.CORRUPT_FILE, _("文件不是有效的XLSX(无法作为压缩包打开)，可能已损坏或只是改了扩展名。")
    )


def _open(source) -> io.IOBase:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")  # noqa: SIM115 - the ZipFile built on it closes it
    return source


def _check_archive(fileobj) -> zipfile.ZipFile:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > settings.IMPORT_MAX_BYTES:
        raise WorkbookRefused(
            WorkbookError.FILE_TOO_BIG,
            _("文件过大：%(size)s，上限为 %(max)s。请拆分后再导入。")
            % {"size": _mb(size), "max": _mb(settings.IMPORT_MAX_BYTES)},
        )
    magic = fileobj.read(4)
    fileobj.seek(0)
    if magic != b"PK\x03\x04":
        raise _not_xlsx()
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _not_xlsx()
    names = [info.filename for info in infos]
    if len(infos) > MAX_MEMBERS or len({n.lower() for n in names}) != len(names):
        raise _not_xlsx()
    total = sum(info.file_size for info in infos)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(
            WorkbookError.ZIP_BOMB,
            _("XLSX解压后过大(%(size)s，上限 %(max)s)，已拒绝，疑似压缩炸弹。")
            % {"size": _mb(total), "max": _mb(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)},
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > settings.IMPORT_MAX_COMPRESSION_RATIO:
            raise WorkbookRefused(
                WorkbookError.ZIP_BOMB,
                _("XLSX中的“%(name)s”压缩比异常(%(ratio)d:1，上限 %(max)d:1)，已拒绝，疑似压缩炸弹。")
                % {"name": info.filename, "ratio": ratio, "max": settings.IMPORT_MAX_COMPRESSION_RATIO},
            )
    lowered = {n.lower() for n in names}
    if "xl/workbook.xml" not in names:
        raise WorkbookRefused(WorkbookError.CORRUPT_FILE, _("压缩包里没有Excel工作簿，文件不是有效的XLSX。"))
    if "xl/workbook.bin" in lowered or "content.xml" in lowered:
        raise WorkbookRefused(
            WorkbookError.CORRUPT_FILE,
            _("文件里混有XLSX以外的表格格式(XLSB或ODS)，无法安全读取：请在Excel中另存为.xlsx。"),
        )
    return archive


# --- which members are worksheets ----------------------------------------------------------------

_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet(?=[\s/>])([^<]*)")
_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship(?=[\s/>])([^<]*)")
_ATTR = re.compile(rb"""([^\s=/<>]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def _attributes(text: bytes) -> dict[str, str]:
    """Attribute local name → unescaped value (``r:id`` → ``id``; the first of a repeated name wins
    here, so callers that must not under-estimate read every value with ``_ATTR`` themselves)."""
    found: dict[str, str] = {}
    for name, double, single in _ATTR.findall(text):
        local = name.decode("utf-8", "replace").rsplit(":", 1)[-1]
        found.setdefault(local, html.unescape((double or single).decode("utf-8", "replace")))
    return found


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > MAX_PART:
        raise _not_xlsx()
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise _not_xlsx()


def _worksheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, member) for every member a reader may open as a worksheet: each target of the
    workbook's relationships (as written and normalised, in any case: readers differ) and every
    member under ``xl/worksheets/``. Non-sheet targets (styles, shared strings) are scanned too;
    they hold no cells, and a hostile file may point a sheet at them."""
    by_lower = {info.filename.lower(): info.filename for info in archive.infolist()}
    names: dict[str, str] = {}
    for match in _SHEET_TAG.finditer(_small_part(archive, "xl/workbook.xml")):
        attrs = _attributes(match.group(1))
        if attrs.get("id"):
            names.setdefault(attrs["id"], attrs.get("name") or "")
    sheets: dict[str, str] = {}
    for match in _REL_TAG.finditer(_small_part(archive, "xl/_rels/workbook.xml.rels")):
        attrs = _attributes(match.group(1))
        target = attrs.get("Target", "")
        if not target:
            continue
        path = target.lstrip("/")
        if not path.lower().startswith("xl/"):
            path = "xl/" + path
        for candidate in (path, posixpath.normpath(path)):
            member = by_lower.get(candidate.lower())
            if member is not None:
                sheets.setdefault(member, names.get(attrs.get("Id", "")) or member)
    for lower, member in sorted(by_lower.items()):
        if lower.startswith("xl/worksheets/") and not lower.endswith("/"):
            sheets.setdefault(member, member)
    return [(name, member) for member, name in sheets.items()]


# --- one worksheet, streamed -----------------------------------------------------------------------

# The common shape, counted by C-speed scans: every cell tag starts `<c r="B7"` and holds no other `r`.
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"(?: (?!(?:\w+:)?r=)[\w:]{1,32}="[^"<>]*")*\s*/?>')
_NOT_CELL = re.compile(rb"<c[^\s/>]")  # <col, <cols, <cfRule …: begin like a cell tag, are not one
_NOT_ROW = re.compile(rb"<row[^\s/>]")  # <rowBreaks
_PREFIXED = re.compile(rb":(?:c|row|dimension)[\s/>]")  # <x:c …>: a prefixed element, read exactly
# Anything else, exactly: every start tag of a row, a cell or a dimension, with its attributes.
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^<]*)")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension(?=[\s/>])([^<]*)")
_REF = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper()[:8]:  # eight letters are far beyond any limit already
        number = number * 26 + ord(letter) - 64
    return number


def _number(digits: str) -> int:
    return (
        int(digits) if len(digits) <= 12 else 10**12
    )  # int() refuses 4,300 digits; a row this far is refused


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _values(attributes: bytes, name: bytes) -> list[str]:
    """Every value of attribute ``name`` (any prefix), unescaped."""
    values = []
    for attr, double, single in _ATTR.findall(attributes):
        if attr == name or attr.endswith(b":" + name):
            values.append(html.unescape((double or single).decode("utf-8", "replace")))
    return values


class _Extent:
    """The furthest row and column seen so far, and where a cell without ``r`` would go."""

    def __init__(self, sheet: str, limits: _Limits):
        self.sheet, self.limits = sheet, limits
        self.rows = self.cols = self.declared_rows = self.declared_cols = 0
        self.row = 0  # the current row for cells without r
        self.col = 0  # the last column of the current row

    def declared(self, ref: str) -> None:
        for letters, digits in _REF.findall(ref):
            self.declared_rows = max(self.declared_rows, _number(digits))
            self.declared_cols = max(self.declared_cols, column_number(letters))
        self.check(self.declared_rows, self.declared_cols, declared=True)

    def row_start(self, numbers: list[str]) -> None:
        parsed = [_number(n.strip()) for n in numbers if n.strip().isdecimal()]
        self.row = max(parsed) if parsed else self.row + 1
        self.col = 0
        self.rows = max(self.rows, self.row)

    def cell(self, refs: list[str]) -> None:
        parsed = [m.groups() for m in map(_REF.search, refs) if m]
        if parsed:
            self.col = max(column_number(letters) for letters, _digits in parsed)
            self.rows = max(self.rows, max(_number(digits) for _letters, digits in parsed))
        else:
            self.col += 1
            self.rows = max(self.rows, self.row or 1)
        self.cols = max(self.cols, self.col)

    def check(self, rows: int, cols: int, *, declared: bool = False) -> None:
        limits = self.limits
        if rows <= limits.rows and cols <= limits.cols and rows * cols <= limits.cells:
            return
        values = {
            "sheet": self.sheet,
            "extent": f"A1:{column_letters(max(cols, 1))}{max(rows, 1)}",
            "rows": f"{rows:,}",
            "cols": f"{cols:,}",
            "max_rows": f"{limits.rows:,}",
            "max_cols": f"{limits.cols:,}",
            "max_cells": f"{limits.cells:,}",
        }
        if declared:
            message = _(
                "工作表“%(sheet)s”声明的范围是 %(extent)s(%(rows)s行 × %(cols)s列)，超过上限：最多%(max_rows)s行、"
                "%(max_cols)s列、共%(max_cells)s个单元格。已拒绝读取，请删除多余的行和列或拆分后再导入。"
            )
        else:
            message = _(
                "工作表“%(sheet)s”的单元格用到了 %(extent)s(%(rows)s行 × %(cols)s列)，超过上限：最多%(max_rows)s行、"
                "%(max_cols)s列、共%(max_cells)s个单元格。已拒绝读取，请删除多余的行和列或拆分后再导入。"
            )
        code = WorkbookError.TOO_MANY_ROWS if rows > limits.rows else WorkbookError.SHEET_TOO_LARGE
        raise WorkbookRefused(code, message % values)


def _pieces(archive: zipfile.ZipFile, member: str, sheet: str):
    """The member's inflated XML in pieces that each end just before a ``<`` (no tag is split)."""
    try:
        stream = archive.open(member)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        raise _not_xlsx()
    with stream:
        tail = b""
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
                raise WorkbookRefused(
                    WorkbookError.CORRUPT_FILE,
                    _("无法读取工作表“%(name)s”，文件可能已损坏。") % {"name": sheet},
                )
            if not chunk:
                if tail:
                    yield tail
                return
            piece = tail + chunk
            cut = piece.rfind(b"<")
            if cut <= 0:
                cut = len(piece)
            piece, tail = piece[:cut], piece[cut:]
            if len(tail) > MAX_TAG:  # a text node after the last tag: keep the tag, drop the text
                end = tail.find(b">")
                if end < 0:
                    raise WorkbookRefused(
                        WorkbookError.CORRUPT_FILE,
                        _("无法读取工作表“%(name)s”，文件可能已损坏。") % {"name": sheet},
                    )
                piece, tail = piece + tail[: end + 1], b""
            if piece:
                yield piece


def _scan_sheet(archive: zipfile.ZipFile, sheet: str, member: str, limits: _Limits) -> SheetExtent:
    extent = _Extent(sheet, limits)
    for piece in _pieces(archive, member, sheet):
        if b"dimension" in piece:
            for match in _DIMENSION.finditer(piece):
                for ref in _values(match.group(1), b"ref"):
                    extent.declared(ref)
        if not _count_plain(piece, extent):
            _count_exact(piece, extent)
        extent.check(extent.rows, extent.cols)
    return SheetExtent(
        name=sheet,
        member=member,
        declared_rows=extent.declared_rows,
        declared_cols=extent.declared_cols,
        rows=extent.rows,
        cols=extent.cols,
    )


def _count_plain(piece: bytes, extent: _Extent) -> bool:
    """Count a piece in which every row and cell tag has the common shape; False (nothing counted)
    when any does not (the caller then reads the piece exactly)."""
    if _PREFIXED.search(piece):
        return False
    cells = piece.count(b"<c") - len(_NOT_CELL.findall(piece))
    rows = piece.count(b"<row") - len(_NOT_ROW.findall(piece))
    refs = _PLAIN_CELL.findall(piece)
    row_numbers = _PLAIN_ROW.findall(piece)
    if len(refs) != cells or len(row_numbers) != rows:
        return False
    if piece.count(b"r=") != cells + rows:  # another r somewhere (x:r=, a second r=, or just text)
        return False
    if row_numbers:
        extent.row = max(map(int, row_numbers))
        extent.rows = max(extent.rows, extent.row)
    if refs:
        widest = max(set(map(itemgetter(0), refs)), key=lambda letters: (len(letters), letters))
        extent.cols = max(extent.cols, column_number(widest.decode()))
        extent.rows = max(extent.rows, max(map(int, map(itemgetter(1), refs))))
    # A cell without r in the next piece would follow the last cell of this piece's last row.
    if refs and piece.rfind(b'<c r="') > piece.rfind(b"<row"):
        extent.col = column_number(refs[-1][0].decode())
    elif rows:
        extent.col = 0
    return True


def _count_exact(piece: bytes, extent: _Extent) -> None:
    for match in _TAG.finditer(piece):
        kind, attributes = match.group(1), match.group(2)
        if kind == b"row":
            extent.row_start(_values(attributes, b"r"))
        elif kind == b"c":
            extent.cell(_values(attributes, b"r"))
