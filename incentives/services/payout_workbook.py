"""The payout workbook's writer: streamed write-only sheets with a bold frozen header, column widths,
number formats and a totals row, saved with fixed document and zip times (same content, same bytes)."""

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Iterable
from decimal import Decimal

FIXED_DOC_TIME = dt.datetime(2000, 1, 1)


def write_xlsx_rows(
    ws,
    headers: list[str],
    rows: Iterable[list],
    numeric: dict[int, str],
    *,
    widths: list[float] | None = None,
    row_formats=None,
    totals: list | None = None,
) -> int:
    """Stream rows into a write-only sheet under a bold, frozen header; numeric columns as native
    numbers with their format (``row_formats(row)`` may override some for one row: an amount in its
    row's unit); ``widths`` per column; ``totals`` as a last, bold row. Returns the data rows' count."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # A write-only sheet writes its view and columns before the first row: set them first.
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    cells: dict[tuple[int, str, bool], WriteOnlyCell] = {}

    def styled(col: int, value, number_format: str | None, strong: bool = False):
        # One styled cell per (column, format), refilled per row: write-only rows are serialised at once.
        key = (col, number_format or "General", strong)
        if key not in cells:
            cells[key] = WriteOnlyCell(ws)
            if number_format:
                cells[key].number_format = number_format
            if strong:
                cells[key].font = bold
        cell = cells[key]
        cell.value = value
        return cell

    ws.append([styled(col, value, None, True) for col, value in enumerate(headers)])
    count = 0
    for row in rows:
        formats = numeric | row_formats(row) if row_formats else numeric
        for col, number_format in formats.items():
            value = row[col]
            if value is not None:
                row[col] = styled(col, value, number_format)
        ws.append(row)
        count += 1
    if totals is not None:
        ws.append([styled(col, value, numeric.get(col), True) for col, value in enumerate(totals)])
    return count


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


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose members all carry one fixed timestamp (openpyxl would stamp the current time and
    the temp files' mtimes), so the same workbook content gives the same bytes."""

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=ZIP_TIME)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        large = os.path.getsize(filename) > zipfile.ZIP64_LIMIT // 2
        with open(filename, "rb") as source, self.open(self._info(arcname), "w", force_zip64=large) as target:
            shutil.copyfileobj(source, target, 1 << 20)


def save_workbook(workbook, out) -> None:
    """Like ``Workbook.save`` but reproducible: fixed document times (openpyxl's own save stamps
    ``modified`` with now) and fixed zip member times."""
    from openpyxl.writer.excel import ExcelWriter

    ExcelWriter(workbook, _FixedTimeZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()


def new_workbook():
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "ReviewDesk"
    workbook.properties.created = workbook.properties.modified = FIXED_DOC_TIME
    return workbook
