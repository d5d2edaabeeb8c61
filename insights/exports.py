"""XLSX files: any dashboard table (or all of them, one sheet each) and the weekly Top-3 workbook.

Numbers are numeric cells; text a spreadsheet would run as a formula (= + - @ tab CR) gets a leading apostrophe.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from insights.selectors.weekly import WeeklyData
from insights.tables import Table
from reviewdesk.spreadsheets import safe_text

SHEET_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")


def _cell(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return safe_text(value)


def _sheet_title(title: str, used: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}{n}", n + 1
    used.add(name)
    return name


def tables_xlsx(tables: list[Table], *, caption: str = "") -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title, used))
        if caption:
            sheet.append([safe_text(caption)])
        sheet.append([safe_text(h) for h in table.headers])
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        if table.note:
            sheet.append([])
            sheet.append([safe_text(table.note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def weekly_xlsx(data: WeeklyData) -> bytes:
    """The 《差评TOP3分析报告》 workbook: a summary sheet, one sheet per dimension, the courier watch."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    summary = workbook.create_sheet(title=_sheet_title(_("概览"), used))
    summary.append([_("差评TOP3分析报告")])
    summary.append([_("ISO周"), data.week.key])
    summary.append([_("日期(北京时间)"), f"{data.week.monday:%Y-%m-%d} ~ {data.week.sunday:%Y-%m-%d}"])
    summary.append([_("范围"), safe_text(data.scope)])
    summary.append([_("本周中差评"), data.total])
    summary.append([_("上周中差评"), data.previous_total])
    summary.append([_("变化"), data.total - data.previous_total])
    summary.append([_("生成时间"), timezone.localtime(data.built_at).strftime("%Y-%m-%d %H:%M")])
    summary.append(
        [_("并列规则"), _("按中差评数从高到低；同数按名称排序取前3，与第3名同数而未列入者注明“并列第3”。")]
    )
    headers = [
        _("排名"),
        _("名称"),
        _("中差评数"),
        _("占比(%)"),
        _("上周"),
        _("变化"),
        _("变化(%)"),
        _("评价摘录"),
    ]
    for section in data.sections:
        sheet = workbook.create_sheet(title=_sheet_title(section.title, used))
        sheet.append([safe_text(h) for h in headers])
        for row in section.rows:
            sheet.append(
                [
                    row.rank,
                    safe_text(row.label),
                    row.count,
                    _cell(row.share),
                    row.previous,
                    row.change,
                    _cell(row.change_percent),
                    safe_text("\n".join(row.samples)),
                ]
            )
        if section.tied:
            sheet.append([_("并列第3"), safe_text("、".join(section.tied))])
    couriers = workbook.create_sheet(title=_sheet_title(_("物流预警"), used))
    couriers.append(
        [
            _("店铺"),
            _("物流公司"),
            *[f"{m:%Y-%m} {_('评价数/中差评')}" for m in data.courier_months],
            _("建议更换"),
        ]
    )
    for entry in data.couriers:
        couriers.append(
            [
                safe_text(entry.shop_name),
                safe_text(entry.courier),
                *[f"{r}/{b}" for _m, r, b in entry.months],
                _("是") if entry.flagged else "",
            ]
        )
    couriers.append([])
    couriers.append(
        [
            safe_text(
                _(
                    "分母为该物流公司在该店铺当月的评价数(订单仅能通过评价得知)；中差评率高于%(t)s%%连续%(n)s个月即建议更换。"
                )
                % {"t": data.courier_threshold, "n": len(data.courier_months)}
            )
        ]
    )
    for table in data.extra:  # other apps' sheets (insights.hooks.weekly_sections)
        sheet = workbook.create_sheet(title=_sheet_title(table.title, used))
        sheet.append([safe_text(h) for h in table.headers])
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        if table.note:
            sheet.append([])
            sheet.append([safe_text(table.note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
