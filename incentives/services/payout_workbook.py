"""The payout workbook's writer: XlsxWriter in constant-memory mode (each row goes to disk as it is
written, so memory stays flat at any size; it writes a quarter's detail in about half the CPU of
openpyxl's write-only mode, see bench/bench_xlsx_writers.py). Sheets get a bold frozen header,
column widths, number formats and a totals row; document and zip times are fixed (same content,
same bytes). openpyxl stays the reader and the writer of small files elsewhere."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

FIXED_DOC_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# XlsxWriter's own defaults would turn a text starting with "=" into a formula and a URL into a link;
# the formula guard (reviewdesk.spreadsheets) already neutralised the texts, and they stay texts.
_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
_PIXELS_PER_CHARACTER = 7  # XlsxWriter's Calibri 11 digit width: n characters are stored as n exactly


def new_workbook(out):
    """A workbook streaming to ``out`` (a path or a binary file object); finish it with ``save_workbook``."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, _OPTIONS)
    # Fixed: XlsxWriter stamps the creation time with now. Its zip members carry a fixed time already.
    workbook.set_properties({"author": "ReviewDesk", "created": FIXED_DOC_TIME})
    workbook.reviewdesk_formats = {}
    return workbook


def save_workbook(workbook) -> None:
    workbook.close()


def _format(workbook, number_format: str | None, bold: bool):
    key = (number_format, bold)
    formats = workbook.reviewdesk_formats
    if key not in formats:
        properties = {"bold": True} if bold else {}
        if number_format:
            properties["num_format"] = number_format
        formats[key] = workbook.add_format(properties) if properties else None
    return formats[key]


def write_xlsx_rows(
    workbook,
    title: str,
    headers: list[str],
    rows: Iterable[list],
    numeric: dict[int, str],
    *,
    widths: list[float] | None = None,
    row_formats=None,
    totals: list | None = None,
) -> int:
    """Add sheet ``title`` and stream the rows into it under a bold, frozen header; numeric columns as
    native numbers with their format (``row_formats(row)`` may override some for one row: an amount in
    its row's unit); ``widths`` per column; ``totals`` as a last, bold row. Returns the data rows' count."""
    sheet = workbook.add_worksheet(title)
    sheet.freeze_panes(1, 0)
    for index, width in enumerate(widths or ()):
        sheet.set_column_pixels(index, index, round(width * _PIXELS_PER_CHARACTER))
    write = sheet.write
    _styled_row(sheet, 0, headers, {}, _format(workbook, None, True))
    plain = {col: _format(workbook, number_format, False) for col, number_format in numeric.items()}
    merged: dict[int, tuple[dict, dict]] = {}  # id(row_formats' answer) → (that answer, its formats)
    count = 0
    for count, row in enumerate(rows, start=1):
        formats = plain
        if row_formats is not None and (extra := row_formats(row)):
            if id(extra) not in merged:
                merged[id(extra)] = (
                    extra,
                    plain | {c: _format(workbook, f, False) for c, f in extra.items()},
                )
            formats = merged[id(extra)][1]
        for col, value in enumerate(row):
            if value is None or value == "":  # no cell at all, as openpyxl wrote it (and reads it back)
                continue
            write(count, col, value, formats.get(col))
    if totals is not None:
        bold = {col: _format(workbook, f, True) for col, f in numeric.items()}
        _styled_row(sheet, count + 1, totals, bold, _format(workbook, None, True))
    return count


def _styled_row(sheet, index: int, values: list, formats: dict, default) -> None:
    """A header or totals row: every cell carries its (bold) format, the empty ones too."""
    for col, value in enumerate(values):
        cell_format = formats.get(col, default)
        if value is None or value == "":
            sheet.write_blank(index, col, None, cell_format)
        else:
            sheet.write(index, col, value, cell_format)


def _display_width(value) -> int:
    """Roughly how many character cells a value takes in a spreadsheet: CJK characters count twice."""
    if isinstance(value, Decimal):
        text = f"{value:,.2f} CNY"
    else:
        text = str(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def fitted_widths(headers: list[str], rows: list[list], *, least: int = 6, most: int = 40) -> list[float]:
    """Column widths that fit the header and every value (rows held in memory: the summary)."""
    widths = [_display_width(h) for h in headers]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _display_width(value))
    return [float(min(most, max(least, width + 2))) for width in widths]
