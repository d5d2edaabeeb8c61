"""Validating a whole export before anything is written: every row is checked, every bad row is
reported (row number as Excel shows it, the column header as in the file, the reason in Chinese)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from cases.errors import IntakeError
from cases.imports import cells as n
from cases.imports.files import FileRejected, read_sheets
from cases.imports.mapping import MappingSpec, choose_sheet, mappings_elsewhere, mappings_for
from cases.imports.spool import RowSpool

MAX_REPORTED_ERRORS = 5000

# field -> (parser, max length for text)
# Platforms cap a review at a few hundred characters; 10,000 leaves room for any real one.
TEXT_FIELDS = {
    "item_title": 255,
    "sku": 255,
    "content": 10000,
    "appended_content": 10000,
    "reply_content": 10000,
    "buyer_nick": 100,
    "courier": 64,
    "buyer_address": 255,
    "buyer_phone": 32,
    "rating_text": 32,
}
ID_FIELDS = {"external_id": 128, "order_no": 64, "sub_order_no": 64, "item_id": 64}
MONEY_FIELDS = ("order_amount", "shipping_fee")
TIME_FIELDS = ("reviewed_at", "appended_at")
DEFAULT_LEVELS = {"好评": 5, "中评": 3, "差评": 1}
# A cell that Excel or WPS would run when the data is exported again: =HYPERLINK(…), +cmd|' /C calc'!A0,
# @SUM(…). Only the function-call and DDE shapes, so that a nick like "=_=" or "-_-" still passes.
_FORMULA = re.compile(r"^[=+\-@]\s*(?:[A-Za-z_][A-Za-z0-9_.]*\s*\(|[A-Za-z0-9_.]+\s*\|)")
_FORMULA_FIRST = frozenset("=+-@")  # the pattern's first character: most cells need no regex at all


@dataclass
class RowError:
    row: int  # Excel/CSV row number, or the API item's index
    column: str
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


@dataclass
class ParsedFile:
    sha256: str
    file_name: str
    mapping: MappingSpec | None = None
    sheet_name: str = ""
    header_row: int = 0
    unknown_columns: list[str] = field(default_factory=list)  # header cells no field takes (the preview)
    rows: RowSpool = field(default_factory=RowSpool)  # validated, one per distinct review (on disk)
    row_count: int = 0  # data rows read (blank lines excluded)
    duplicates: int = 0  # identical repeats of a review inside the file
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_error: FileRejected | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.error_count == 0


def clean_values(
    raw: dict, *, shop, levels: dict[str, int], required=(), id_fields=()
) -> tuple[dict, list[tuple[str, str]]]:
    """One review's raw values (field -> cell) → (clean values, [(field, message)]).

    Shared by file rows, API items and the admin form so all three accept exactly the same input.
    """
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for name, cell in raw.items():
        try:
            if name in TEXT_FIELDS:
                value = n.text(cell)
                limit = TEXT_FIELDS[name]
                if limit and len(value) > limit:
                    raise n.BadValue(
                        _("超过%(max)d个字符(实际%(len)d个)") % {"max": limit, "len": len(value)}
                    )
                if value and value[0] in _FORMULA_FIRST and _FORMULA.match(value):
                    raise n.BadValue(_("“%(v)s”像是Excel公式，为防止公式注入已拒绝") % {"v": value[:40]})
            elif name in ID_FIELDS:
                value = n.identifier(cell)
                if len(value) > ID_FIELDS[name]:
                    raise n.BadValue(_("超过%(max)d个字符") % {"max": ID_FIELDS[name]})
            elif name in MONEY_FIELDS:
                value = n.money(cell)
            elif name in TIME_FIELDS:
                value = n.moment(cell)
            elif name == "rating":
                if cell is None or cell == "":
                    value = None
                else:
                    value, values["rating_text"] = n.rating(cell, levels)
            elif name == "seller_replied":
                value = n.yes_no(cell)
            elif name == "buyer_ip":
                value = n.ip(cell)
            elif name == "platform":
                value = n.text(cell).lower()
                if value and value != shop.platform and n.text(cell) != str(shop.get_platform_display()):
                    raise n.BadValue(
                        _("平台“%(v)s”与所选店铺的平台(%(p)s)不一致")
                        % {"v": cell, "p": shop.get_platform_display()}
                    )
                continue
            elif name == "shop":
                value = n.text(cell)
                if value and value != shop.code:
                    raise n.BadValue(
                        _("店铺代码“%(v)s”与所选店铺(%(c)s)不一致") % {"v": value, "c": shop.code}
                    )
                continue
            else:
                continue
        except n.BadValue as exc:
            problems.append((name, str(exc)))
            continue
        values[name] = value
    for name in required:
        if name not in values and any(p[0] == name for p in problems):
            continue
        if values.get(name) in (None, ""):
            problems.append((name, _("必填，不能为空")))
    if not problems:
        if values.get("appended_content") and values.get("appended_at") is None:
            values["appended_at"] = None
        values["external_id"] = n.external_id(values, list(id_fields))
        if not values["external_id"]:
            problems.append(("order_no", _("没有评价ID，也没有订单编号，无法识别这条评价")))
        values.setdefault("rating_text", str(values.get("rating", "")))
        values["fingerprint"] = n.fingerprint(values)
    return values, problems


def parse_export(data: bytes, *, file_name: str, shop) -> ParsedFile:
    """Read and validate a whole export for ``shop``; never touches review tables."""
    parsed = ParsedFile(sha256=hashlib.sha256(data).hexdigest(), file_name=file_name)
    try:
        specs = mappings_for(shop.platform)
        sheet, header = choose_sheet(
            read_sheets(data, file_name), specs, elsewhere=lambda: mappings_elsewhere(shop.platform)
        )
    except FileRejected as exc:
        parsed.file_error = exc
        return parsed
    spec = header.spec
    parsed.mapping, parsed.sheet_name, parsed.header_row = spec, sheet.name, header.header_index + 1
    parsed.unknown_columns = list(header.unknown)
    try:
        _validate_rows(parsed, sheet, header, shop=shop)
    except FileRejected as exc:  # found while reading on: too many rows, a damaged sheet
        parsed.file_error = exc
        parsed.rows.discard()
        return parsed
    if parsed.row_count == 0:
        parsed.file_error = FileRejected(IntakeError.NO_ROWS, _("表头下面没有数据行。"))
    return parsed


def _validate_rows(parsed: ParsedFile, sheet, header, *, shop) -> None:
    """Every row after the header, read as it comes: clean values kept, problems reported, the raw
    row dropped. A file-level problem met on the way (too many rows) is raised as ``FileRejected``."""
    spec = header.spec
    levels = spec.rating_map or DEFAULT_LEVELS
    columns = list(header.columns.items())
    seen: dict[str, tuple[int, str]] = {}
    for index, row in sheet.rows_from(header.header_index + 1):
        width = len(row)
        raw = {name: (row[col] if col < width else None) for name, col in columns}
        if all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in raw.values()):
            continue  # blank line
        parsed.row_count += 1
        if parsed.row_count > settings.IMPORT_MAX_ROWS:
            raise FileRejected(
                IntakeError.TOO_MANY_ROWS,
                _("行数过多：超过 %(max)d 行的上限。请拆分后再导入。") % {"max": settings.IMPORT_MAX_ROWS},
            )
        values, problems = clean_values(
            raw, shop=shop, levels=levels, required=spec.required, id_fields=spec.id_fields
        )
        line = index + 1
        if not problems:
            previous = seen.get(values["external_id"])
            if previous is None:
                seen[values["external_id"]] = (line, values["fingerprint"])
                values["_row"] = line
                parsed.rows.append(values)
                continue
            if previous[1] == values["fingerprint"]:
                parsed.duplicates += 1
                continue
            problems = [
                (
                    "order_no",
                    _("与第%(line)d行是同一条评价(同一订单/商品)，但内容不同") % {"line": previous[0]},
                )
            ]
        parsed.error_count += len(problems)
        for name, message in problems:
            if len(parsed.errors) < MAX_REPORTED_ERRORS:
                column = header.headers.get(name) or spec.labels.get(name, name)
                parsed.errors.append(RowError(row=line, column=column, field=name, message=message))
