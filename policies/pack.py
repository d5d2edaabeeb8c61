"""The whole policy pack as ONE XLSX workbook: one sheet per policy model, Chinese sheet names and headers.

``export_pack()`` writes it; ``import_pack(data, dry_run=...)`` reads it back in one transaction and
writes nothing unless every row of every sheet is valid. A dry run goes through exactly the same
steps and rolls back at the end, so its preview lists every row error the real import would meet.

Rows are matched by natural keys (see ``policies.resources``): importing a pack into a database that
already has it changes nothing; into an empty database it recreates it (export → import → export
gives the same cells, ids and version counters aside).

Per layer (``policies.layers.Layer``): ``export_pack(layer=...)`` writes only the global layer (with
the global-only sheets such as issue types), one client's layer or one shop's overrides;
``import_pack(layer=...)`` writes only into that layer — a row with empty 店铺/品牌方 cells goes into it,
a row of another layer is a row error — after the same per-layer check as the admin (``change_refusal``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from tablib import Dataset

from policies.layers import change_refusal
from policies.resources import PACK_RESOURCES as CORE_SHEETS
from policies.resources import PolicyResource
from policies.resources_campaigns import CampaignCommitmentResource, CampaignPeriodResource
from reviewdesk.access import restrict
from reviewdesk.spreadsheets import safe_cell
from reviewdesk.workbooks import WorkbookError, WorkbookRefused, check_workbook

# Every sheet of the pack, in dependency order: a sheet only refers to sheets before it.
PACK_RESOURCES: list[type[PolicyResource]] = [
    *CORE_SHEETS,
    CampaignPeriodResource,
    CampaignCommitmentResource,
]

_SHEET_FORBIDDEN = str.maketrans({c: "、" for c in "/\\?*[]:"})


def sheet_name(resource_class: type[PolicyResource]) -> str:
    """Excel forbids / \\ ? * [ ] : in sheet names and allows 31 characters."""
    return resource_class.sheet_title().translate(_SHEET_FORBIDDEN)[:31]


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None  # the Excel row number (the header is row 1); None for a sheet-level error
    column: str
    message: str

    def describe(self) -> str:
        if not self.sheet:  # the file as a whole (not a workbook, too big, no known sheet)
            return self.message
        where = _("工作表“%(sheet)s”") % {"sheet": self.sheet}
        if self.row:
            where += _("第%(row)s行") % {"row": self.row}
        if self.column:
            where += _("“%(column)s”列") % {"column": self.column}
        return f"{where}：{self.message}"


@dataclass
class SheetSummary:
    sheet: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class PackReport:
    errors: list[RowError] = field(default_factory=list)
    sheets: list[SheetSummary] = field(default_factory=list)
    dry_run: bool = True
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def totals(self) -> dict[str, int]:
        return {
            key: sum(getattr(s, key) for s in self.sheets) for key in ("rows", "new", "updated", "unchanged")
        }


class PackError(Exception):
    """The file itself cannot be read as a policy pack (not XLSX, too big, no known sheet)."""


# --- export ----------------------------------------------------------------------------------------


def export_datasets(user=None, layer=None) -> list[tuple[str, Dataset]]:
    """Each sheet's name and cells, with native types (numbers, times, booleans) as they go to Excel.
    With ``user``, only the rows they may see (global rules and their shops'); without, every row (the
    operator's ``policy_pack`` command). With ``layer``, only that layer's rows (and only the sheets
    that layer has)."""
    sheets = []
    for cls in PACK_RESOURCES:
        resource = cls()
        queryset = resource.get_queryset()
        if layer is not None:
            rows = layer.rows(cls._meta.model)
            if rows is None:
                continue
            queryset = queryset.filter(rows)
        if user is not None:
            queryset = restrict(queryset, user)
        sheets.append((sheet_name(cls), resource.export(queryset=queryset, force_native_type=True)))
    return sheets


def export_pack(user=None, progress=None, layer=None) -> bytes:
    """``progress(done, total)`` (a command's progress bar): told after every sheet written. ``layer``:
    one layer only (the caller checks ``policies.layers.view_refusal`` first)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    datasets = export_datasets(user, layer)
    for done, (name, dataset) in enumerate(datasets, 1):
        sheet = workbook.create_sheet(title=name)
        sheet.append(list(dataset.headers))
        for row in dataset:
            sheet.append([_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(dataset.headers, 1):
            sheet.column_dimensions[get_column_letter(index)].width = max(
                10, min(40, 2 * len(str(header)) + 2)
            )
        if progress is not None:
            progress(done, len(datasets))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    return None if value == "" else safe_cell(value)


# --- import ----------------------------------------------------------------------------------------


def read_pack(data: bytes) -> dict[str, tuple[Dataset, list[int]]]:
    """Sheet name → (dataset of the non-blank rows, their Excel row numbers). Raises PackError."""
    check_workbook_file(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise PackError(_("无法读取文件：请上传由“导出规则包”生成的 .xlsx 工作簿。"))
    sheets: dict[str, tuple[Dataset, list[int]]] = {}
    max_rows = settings.IMPORT_MAX_ROWS
    for worksheet in workbook.worksheets:
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            continue
        headers = [str(h).strip() if h is not None else "" for h in header]
        while headers and headers[-1] == "":
            headers.pop()
        dataset, numbers = Dataset(headers=headers), []
        for number, values in enumerate(rows, start=2):
            values = list(values[: len(headers)]) + [None] * (len(headers) - len(values))
            values = [v.strip() if isinstance(v, str) else v for v in values]
            if all(v is None or v == "" for v in values):
                continue
            dataset.append(values)
            numbers.append(number)
            if len(numbers) > max_rows:
                raise PackError(
                    _("工作表“%(sheet)s”超过%(max)s行。") % {"sheet": worksheet.title, "max": max_rows}
                )
        sheets[worksheet.title] = (dataset, numbers)
    workbook.close()
    return sheets


def check_workbook_file(data: bytes) -> None:
    """The one workbook guard (``reviewdesk.workbooks``: size, decompression bombs, every sheet's declared
    and real extent) in the words of the pack's and the admin's import pages, as a ``PackError``; run
    before openpyxl inflates or allocates anything (also by ``policies.admin.base.CheckedXLSX``)."""
    try:
        check_workbook(data)
    except WorkbookRefused as exc:
        if exc.code == WorkbookError.FILE_TOO_BIG:
            message = _("文件过大(上限 %(mb)s MB)。") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        elif exc.code == WorkbookError.CORRUPT_FILE:
            message = _("无法读取文件：请上传由“导出规则包”生成的 .xlsx 工作簿。")
        elif exc.code == WorkbookError.ZIP_BOMB:
            message = _("文件解压后过大，拒绝读取。")
        else:  # a sheet too large: the guard's message names the sheet and its extent
            message = exc.message
        raise PackError(message) from exc


def import_pack(data: bytes, *, dry_run: bool, user=None, progress=None, layer=None) -> PackReport:
    """Validate (and unless ``dry_run`` write) a whole pack in one transaction; see the module doc.
    ``user`` (every web path passes it) may write only what ``policies.scope`` allows: a row beyond
    their reach is a row error and nothing is written. No user: the operator's command.
    ``progress(done, total)`` (a command's progress bar): told after every sheet checked.
    ``layer``: write into that one layer only; a user who may not change it gets one error, nothing read."""
    report = PackReport(dry_run=dry_run)
    if layer is not None:
        refusal = change_refusal(user, layer)
        if refusal is not None:
            report.errors.append(RowError(sheet="", row=None, column="", message=refusal))
            return report
    try:
        sheets = read_pack(data)
    except PackError as exc:
        report.errors.append(RowError(sheet="", row=None, column="", message=str(exc)))
        return report

    known = {sheet_name(cls): cls for cls in PACK_RESOURCES}
    for unknown in [name for name in sheets if name not in known]:
        report.errors.append(
            RowError(unknown, None, "", _("未知工作表，可用：%(names)s。") % {"names": "、".join(known)})
        )
    if not any(name in known for name in sheets):
        report.errors.append(RowError("", None, "", _("工作簿中没有任何规则工作表。")))
        return report

    present = [name for name in known if name in sheets]
    with transaction.atomic():
        for done, name in enumerate(present, 1):
            dataset, numbers = sheets[name]
            _import_sheet(report, name, known[name](), dataset, numbers, user, layer)
            if progress is not None:
                progress(done, len(present))
        if dry_run or report.errors:
            transaction.set_rollback(True)
        else:
            report.written = True
    return report


def _import_sheet(
    report: PackReport,
    name: str,
    resource: PolicyResource,
    dataset: Dataset,
    numbers: list[int],
    user,
    layer=None,
) -> None:
    summary = SheetSummary(sheet=name, rows=len(dataset))
    report.sheets.append(summary)
    columns = {f.column_name for f in resource.fields.values()}
    for header in dataset.headers or []:
        if header and header not in columns:
            report.errors.append(RowError(name, 1, header, _("未知列。")))
    if not len(dataset):
        return
    result = resource.import_data(
        dataset, dry_run=False, raise_errors=False, use_transactions=True, user=user, layer=layer
    )

    def excel_row(index: int) -> int:
        return numbers[index - 1] if 0 < index <= len(numbers) else index + 1

    for error in result.base_errors:
        report.errors.append(RowError(name, None, "", _error_text(error.error)))
    for index, errors in result.row_errors():
        for error in errors:
            report.errors.append(RowError(name, excel_row(index), "", _error_text(error.error)))
    for invalid in result.invalid_rows:
        for attribute, messages in _error_items(invalid.error):
            column = "" if attribute == NON_FIELD_ERRORS else resource.column_for(attribute)
            for message in messages:
                report.errors.append(RowError(name, excel_row(invalid.number), column, message))
    summary.new = result.totals.get("new", 0)
    summary.updated = result.totals.get("update", 0)
    summary.unchanged = result.totals.get("skip", 0)


def _error_items(error: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        return [(key, ValidationError(value).messages) for key, value in error.error_dict.items()]
    return [(NON_FIELD_ERRORS, error.messages)]


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)
    # Database errors (a constraint the model's validation did not catch) and anything unexpected.
    return _("无法保存这一行：%(error)s") % {"error": exc}
