"""Reading an XLSX worksheet row by row, in memory that does not grow with the sheet.

The review intake reads exports of up to ``IMPORT_MAX_ROWS`` rows. python-calamine, the fastest
maintained reader, builds the whole sheet natively before the first row comes back: a 200,000-row
Taobao export of 15 MB took 270 MB of native memory on top of the rows themselves. openpyxl's
read-only mode streams, but at about 13 times calamine's CPU (30 s for that file). This reader
streams the worksheet's XML through expat (``xml.parsers.expat``, C speed) and keeps one row at a
time: the same file takes about 8 s (3.5 times calamine) and 12 MB. Only what the rows need is read here; the workbook's
structure, styles and shared strings are small parts parsed with the standard library, and Excel's
date formats and serial numbers are openpyxl's (``is_date_format``, ``from_excel``).

The values are what calamine gave the intake, so that every rule downstream reads the same cells:
text as ``str`` (shared, inline and formula strings), numbers as ``float``, booleans as ``bool``,
date-formatted numbers as ``date`` (a whole day), ``datetime`` or ``time`` (below one day), numbers
in an elapsed-time format ([h]:mm) as ``timedelta``, error cells ("#N/A") and empty cells as ``""``. A formula's cached value is read,
never the formula. Row ``i`` of the iteration is the sheet's line ``i + 1``: lines missing from the
XML come back as empty rows, and every row is as wide as the cells written in it.

A sheet small enough may instead be read whole by python-calamine (``Workbook.whole_rows``): the
same rows about three times faster, at the price of the sheet in native memory (``native_bytes``
estimates it), which is why the intake does so only below a memory budget
(``IMPORT_WHOLE_SHEET_MB``, ``cases.imports.files``), and never for a workbook with shared strings,
whose table calamine trusts (see ``native_bytes``). Both give every cell the same value.

Call ``check_workbook`` (``reviewdesk.workbooks``) first: it bounds what this reader may meet (the
zip's members and ratios, every sheet's extent). This module trusts those bounds and refuses only
what it cannot parse (``XlsxUnreadable``).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from python_calamine import CalamineError, CalamineWorkbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
EXCEL_MAX_ROWS = 1_048_576
CELL_BYTES = 32  # python-calamine's native cell value; the text it points to is counted apart
_SEP = "\x1f"  # expat's namespace separator: names arrive as "<namespace>\x1f<local name>"
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")
_DURATION = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)  # [h]:mm:ss — elapsed time, not a moment


class XlsxUnreadable(Exception):
    """The bytes are a zip but not a workbook this reader can parse."""


@dataclass(frozen=True)
class SheetRef:
    name: str
    member: str
    hidden: bool = False


_LOCAL: dict[str, str] = {}  # expat's "<namespace>\x1f<local name>" → local name, as met
_COLUMNS: dict[str, int] = {}  # column letters → index, as met
_DIGITS = "0123456789"


def _local_of(name: str) -> str:
    local = name.rpartition(_SEP)[2]
    if len(_LOCAL) < 10_000:  # a sheet has a few dozen element names; a hostile one is not cached
        _LOCAL[name] = local
    return local


def _column(ref: str) -> int | None:
    """The 0-based column of a reference ("B7" → 1), remembered by its letters; None if not a reference."""
    match = _REF.match(ref)
    if not match:
        return None
    letters = match.group(1)
    col = 0
    for letter in letters.upper():
        col = col * 26 + ord(letter) - 64
    if len(_COLUMNS) < 20_000:
        _COLUMNS[letters] = col - 1
    return col - 1


def _parse_part(archive: zipfile.ZipFile, member: str) -> ElementTree.Element | None:
    try:
        with archive.open(member) as stream:
            return ElementTree.parse(stream).getroot()
    except KeyError:
        return None
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise XlsxUnreadable(member) from exc


def _member(archive: zipfile.ZipFile, target: str, base: str = "xl") -> str | None:
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
    path = posixpath.normpath(path)
    by_lower = {name.lower(): name for name in archive.namelist()}
    return by_lower.get(path.lower())


class Workbook:
    """One open XLSX: its sheets in the workbook's order, each readable once as a stream of rows."""

    def __init__(self, data: bytes):
        self.data = data
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise XlsxUnreadable("zip") from exc
        workbook = _parse_part(self.archive, "xl/workbook.xml")
        if workbook is None:
            raise XlsxUnreadable("xl/workbook.xml")
        rels = _parse_part(self.archive, "xl/_rels/workbook.xml.rels")
        targets = {}
        for rel in [] if rels is None else rels.iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship"):
            targets[rel.get("Id")] = rel.get("Target") or ""
        self.sheets: list[SheetRef] = []
        for sheet in workbook.iter(f"{{{MAIN}}}sheet"):
            member = _member(self.archive, targets.get(sheet.get(f"{{{RELATIONSHIPS}}}id"), ""))
            if member is not None:
                hidden = sheet.get("state", "visible") != "visible"
                self.sheets.append(SheetRef(sheet.get("name") or member, member, hidden))
        properties = workbook.find(f"{{{MAIN}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self._strings: list[str] | None = None
        self._styles: list[str] | None = None
        self._calamine: CalamineWorkbook | None = None

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            member = _member(self.archive, "sharedStrings.xml")
            if member is not None:
                try:
                    with self.archive.open(member) as stream:
                        for _event, element in ElementTree.iterparse(stream):
                            if element.tag == f"{{{MAIN}}}si":
                                self._strings.append(_text_of(element))
                                element.clear()
                except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise XlsxUnreadable(member) from exc
        return self._strings

    @property
    def styles(self) -> list[str]:
        """Per cell style index: "moment", "duration" or "" (the formats that turn numbers into times)."""
        if self._styles is None:
            self._styles = []
            root = _parse_part(self.archive, _member(self.archive, "styles.xml") or "xl/styles.xml")
            if root is not None:
                formats = dict(BUILTIN_FORMATS)
                for fmt in root.iter(f"{{{MAIN}}}numFmt"):
                    try:
                        formats[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode") or ""
                    except ValueError:
                        continue
                cell_xfs = root.find(f"{{{MAIN}}}cellXfs")
                for xf in [] if cell_xfs is None else cell_xfs.iter(f"{{{MAIN}}}xf"):
                    try:
                        code = formats.get(int(xf.get("numFmtId", "0")), "")
                    except ValueError:
                        code = ""
                    self._styles.append(_moment_kind(code))
        return self._styles

    def rows(self, sheet: SheetRef) -> Iterator[list]:
        return _SheetParser(self, sheet.member).rows()

    def native_bytes(self, sheet: SheetRef, cells: int) -> int | None:
        """What ``whole_rows`` holds for a sheet whose rectangle (from A1) has ``cells`` cells: a
        native value per cell and the sheet's text, no longer than its XML (a 100,000-row export
        estimates at 129 MB and took 125 MB). None when the workbook has a shared-string table:
        calamine allocates the count that table declares before reading it (a 1.6 KB file declaring
        two billion strings aborted the process) and copies a shared string into every cell pointing
        to it (20,000 cells and one 100 KB string: 2 GB); the streaming reader keeps one copy. None
        too for a sheet whose name another sheet shares: calamine would read the first of them."""
        if any("sharedstrings" in name.lower() for name in self.archive.namelist()):
            return None
        if sum(ref.name == sheet.name for ref in self.sheets) > 1:  # calamine finds sheets by name
            return None
        return cells * CELL_BYTES + self.archive.getinfo(sheet.member).file_size

    def whole_rows(self, sheet: SheetRef) -> Iterator[list]:
        """The rows of ``rows``, read by python-calamine: the whole sheet natively now (a sheet it
        cannot parse raises ``XlsxUnreadable`` here), then one row of Python values at a time. Rows
        are padded to the sheet's width with ``""`` (an empty cell either way); every value is the one
        ``rows`` gives."""
        try:
            if self._calamine is None:  # opened once for all the sheets read whole
                self._calamine = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            whole = self._calamine.get_sheet_by_name(sheet.name)
            start, rows = whole.start, whole.iter_rows()
        except (CalamineError, ValueError, OSError) as exc:
            raise XlsxUnreadable(sheet.member) from exc
        if not start or not start[1]:
            return rows
        # iter_rows counts lines from the sheet's first, but cells from the first column written in
        pad = [""] * start[1]
        return (pad + row for row in rows)


def _moment_kind(code: str) -> str:
    """ "duration" for an elapsed-time format ([h]:mm), "moment" for any other date or time format."""
    if not code or not is_date_format(code):
        return ""
    return "duration" if _DURATION.search(code) else "moment"


def _text_of(element: ElementTree.Element) -> str:
    """A shared or inline string: its ``<t>`` runs, without the phonetic ``<rPh>`` runs."""
    parts = []
    for child in element.iter():
        tag = child.tag
        if tag == f"{{{MAIN}}}t" and child.text:
            parts.append(child.text)
        elif tag == f"{{{MAIN}}}rPh":
            child.clear()  # its own <t> is a pronunciation guide, not cell text
    return "".join(parts)


class _SheetParser:
    """expat callbacks building one row at a time; ``rows()`` feeds the XML in 1 MB pieces."""

    PIECE = 1 << 20

    def __init__(self, workbook: Workbook, member: str):
        self.workbook = workbook
        self.member = member
        self.ready: list[list] = []  # rows completed by the last piece
        self.line = 0  # the sheet line of the last row handed out
        self.row: list | None = None
        self.row_number = 0
        self.col = 0
        self.kind = None
        self.style = 0
        self.text: str | None = None
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.phonetic = 0
        parser = expat.ParserCreate(namespace_separator=_SEP)
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        self.parser = parser

    def rows(self) -> Iterator[list]:
        try:
            with self.workbook.archive.open(self.member) as stream:
                while piece := stream.read(self.PIECE):
                    self.parser.Parse(piece, False)
                    yield from self._drain()
                self.parser.Parse(b"", True)
                yield from self._drain()
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise XlsxUnreadable(self.member) from exc

    def _drain(self) -> Iterator[list]:
        ready, self.ready = self.ready, []
        yield from ready

    def start(self, name: str, attrs: dict) -> None:
        local = _LOCAL.get(name) or _local_of(name)
        if local == "c":
            ref = attrs.get("r")
            col = _COLUMNS.get(ref.rstrip(_DIGITS)) if ref else None
            if col is None:
                col = _column(ref) if ref else None
            self.col = col if col is not None else (len(self.row) if self.row is not None else 0)
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = int(style) if style and style.isdigit() else 0
            self.value = None
            self.inline = None
        elif local == "v":
            self.text = ""
        elif local == "row":
            number = attrs.get("r")
            if number and number.isdigit():  # a number of thousands of digits is past any limit
                self.row_number = int(number) if len(number) <= 12 else EXCEL_MAX_ROWS + 1
            else:
                self.row_number += 1
            if self.row_number > EXCEL_MAX_ROWS:  # the guard refuses such a sheet first; never pad to it
                raise XlsxUnreadable(f"{self.member}: row {self.row_number}")
            self.row = []
        elif local == "is":
            self.inline = []
        elif local == "t" and self.inline is not None and not self.phonetic:
            self.text = ""
        elif local == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        local = _LOCAL.get(name) or _local_of(name)
        if local == "c":
            row = self.row
            if row is None:  # a cell outside any row: nowhere for it to go
                return
            col = self.col
            if col == len(row):
                row.append(self._cell())
            elif col < len(row):  # a cell written twice or out of order: the later one wins
                row[col] = self._cell()
            else:
                row.extend([""] * (col - len(row)))
                row.append(self._cell())
        elif local == "v":
            self.value = self.text
            self.text = None
        elif local == "row":
            while self.line < self.row_number - 1:  # lines the XML skipped are empty rows
                self.line += 1
                self.ready.append([])
            self.line = max(self.line, self.row_number)
            self.ready.append(self.row)
            self.row = None
        elif local == "t" and self.text is not None and self.inline is not None:
            self.inline.append(self.text)
            self.text = None
        elif local == "rPh":
            self.phonetic -= 1

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text += text

    def _cell(self):
        kind, value = self.kind, self.value
        if kind == "inlineStr":
            return "".join(self.inline or ())
        if value is None:
            return ""
        if kind == "s":
            try:
                return self.workbook.strings[int(value)]
            except (ValueError, IndexError):
                return ""
        if kind == "str":
            return value
        if kind == "e":  # #N/A, #DIV/0!: no value (as calamine gave it)
            return ""
        if kind == "b":
            return value.strip() in ("1", "true")
        if kind == "d":  # an ISO 8601 date cell (Strict OOXML)
            try:
                return dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return value
        try:
            number = float(value)
        except ValueError:
            return value
        styles = self.workbook.styles
        kind = styles[self.style] if self.style < len(styles) else ""
        if not kind or number < 0:
            return number
        if kind == "duration":
            return dt.timedelta(days=number)
        try:  # as calamine: below one day a time of day, a whole number a date, else a date and time
            converted = from_excel(number, self.workbook.epoch)
        except (ValueError, OverflowError):
            return number
        if isinstance(converted, dt.datetime) and number.is_integer():
            return converted.date()
        return converted
