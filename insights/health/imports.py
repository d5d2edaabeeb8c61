"""The back-office DSR export (生意参谋/商家后台 “店铺评分”) as data: one row per shop and day, a column per
score and, where the platform shows it, a column of its industry average.

The file is read by the intake's tolerant readers (``cases.imports.files``: XLSX streamed, CSV in UTF-8
or GBK, the workbook guard), the header found in the first rows whatever its wording
(“宝贝与描述相符”, “描述相符评分”, “描述相符行业均值” …). Every row is checked first; one bad row and nothing
is written (all or nothing). Writing the same file again changes nothing (a score is unique per shop,
day and score: ``dsr_import`` updates in place). After the commit, the shop's managers hear of a score
below the industry average or a drop (``insights.health.alerts``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.imports.files import FileRejected, read_sheets
from insights.health.models import DsrMetric, DsrScore, DsrSource
from reviewdesk.access import CHANGE, restrict
from reviewdesk.models import Shop

HEADER_SCAN_ROWS = 10

# Words that name a score's column in the platforms' exports (after removing spaces and brackets).
METRIC_WORDS = {
    DsrMetric.DESCRIPTION: ("描述相符", "宝贝与描述相符", "商品描述", "描述"),
    DsrMetric.SERVICE: ("服务态度", "卖家的服务态度", "卖家服务", "服务"),
    DsrMetric.LOGISTICS: ("物流服务", "物流服务的质量", "卖家发货的速度", "物流", "发货"),
}
AVERAGE_WORDS = ("行业均值", "行业平均", "同行均值", "同行平均", "行业", "同行", "均值")
DATE_WORDS = ("日期", "统计日期", "date", "day")
SHOP_WORDS = ("店铺代码", "店铺", "shop")


@dataclass
class DsrImportResult:
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    # (shop id, metric) → the newest day this file recorded: what the alerts look at.
    latest: dict[tuple[int, str], dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class _Columns:
    date: int
    shop: int | None
    scores: dict[str, int]
    averages: dict[str, int]


def _clean(header) -> str:
    text = str(header or "").strip().lower()
    return re.sub(r"[\s()（）\[\]【】:：_\-]", "", text)


def _metric_of(text: str) -> str | None:
    """The score whose longest word the header holds ("物流服务的质量" is logistics, not 服务)."""
    matches = [
        (len(word), metric) for metric, words in METRIC_WORDS.items() for word in words if word in text
    ]
    return max(matches)[1] if matches else None


def find_columns(row: list) -> _Columns | None:
    """The columns of a header row, or None when the row is no header (no date or no score)."""
    date = shop = None
    scores: dict[str, int] = {}
    averages: dict[str, int] = {}
    for index, header in enumerate(row):
        text = _clean(header)
        if not text:
            continue
        if date is None and text in DATE_WORDS:
            date = index
            continue
        if shop is None and text in SHOP_WORDS:
            shop = index
            continue
        metric = _metric_of(text)
        if metric is None:
            continue
        target = averages if any(word in text for word in AVERAGE_WORDS) else scores
        target.setdefault(metric, index)
    if date is None or not scores:
        return None
    return _Columns(date=date, shop=shop, scores=scores, averages=averages)


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text[:11].strip(), pattern).date()
        except ValueError:
            continue
    return None


def _score(value) -> Decimal | None:
    """A score 0–5 with up to three decimals; raises ValueError for anything else."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(5):
        raise ValueError
    return number.quantize(Decimal("0.001"))


def _cell(row: list, index: int | None):
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return value.strip() if isinstance(value, str) else value


def dsr_import(*, data: bytes, file_name: str, user, shop: Shop | None = None) -> DsrImportResult:
    """Read, check and (when every row is valid) store a DSR export. ``shop``: the shop of a file
    without a 店铺 column. ``user`` may write only their own shops' scores (``reviewdesk.access``)."""
    result = DsrImportResult()
    try:
        sheet = next(iter(read_sheets(data, file_name)), None)
    except FileRejected as exc:
        result.errors.append(exc.message)
        return result
    if sheet is None:
        result.errors.append(_("文件中没有工作表。"))
        return result
    found = next(
        (
            (index, columns)
            for index, row in enumerate(sheet.head[:HEADER_SCAN_ROWS])
            if (columns := find_columns(row)) is not None
        ),
        None,
    )
    if found is None:
        result.errors.append(_("找不到表头：需要“日期”列和至少一个评分列(描述相符、服务态度、物流服务)。"))
        return result
    header_index, columns = found
    if columns.shop is None and shop is None:
        result.errors.append(_("文件没有“店铺”列：请在页面上选择店铺。"))
        return result

    reachable = {s.code: s for s in restrict(Shop.objects.all(), user, CHANGE)}
    if shop is not None and shop.code not in reachable:
        result.errors.append(_("只能导入你所属店铺的评分。"))
        return result
    values: dict[tuple[int, dt.date, str], tuple[Decimal, Decimal | None]] = {}
    seen_rows: dict[tuple[int, dt.date], int] = {}
    try:
        rows = list(sheet.rows_from(header_index + 1))
    except FileRejected as exc:
        result.errors.append(exc.message)
        return result
    for index, row in rows:
        if not any(cell not in (None, "") for cell in row):
            continue
        line = index + 1
        result.rows += 1
        problems = []
        row_shop = shop
        if columns.shop is not None:
            code = str(_cell(row, columns.shop) or "").strip()
            row_shop = reachable.get(code) if code else shop
            if row_shop is None:
                problems.append(
                    _("店铺“%(code)s”不存在或不是你的店铺。") % {"code": code} if code else _("店铺为空。")
                )
        day = _day(_cell(row, columns.date))
        if day is None:
            problems.append(
                _("日期“%(value)s”无法识别(例：2026-11-20)。") % {"value": _cell(row, columns.date)}
            )
        scores = {}
        for metric, column in columns.scores.items():
            raw = _cell(row, column)
            if raw in (None, ""):
                continue
            label = DsrMetric(metric).label
            try:
                score = _score(raw)
            except ValueError:
                problems.append(_("%(name)s“%(value)s”不是0到5之间的数。") % {"name": label, "value": raw})
                continue
            average = None
            raw_average = _cell(row, columns.averages.get(metric))
            if raw_average not in (None, ""):
                try:
                    average = _score(raw_average)
                except ValueError:
                    problems.append(
                        _("%(name)s行业均值“%(value)s”不是0到5之间的数。")
                        % {"name": label, "value": raw_average}
                    )
                    continue
            scores[metric] = (score, average)
        if not scores and not problems:
            problems.append(_("这一行没有任何评分。"))
        if row_shop is not None and day is not None and not problems:
            first = seen_rows.setdefault((row_shop.pk, day), line)
            if first != line:
                problems.append(_("与第%(line)s行是同一店铺同一天。") % {"line": first})
        if problems:
            result.errors.extend(
                _("第%(line)s行：%(problem)s") % {"line": line, "problem": p} for p in problems
            )
            continue
        for metric, pair in scores.items():
            values[(row_shop.pk, day, metric)] = pair
    if not result.errors and not values:
        result.errors.append(_("文件中没有评分数据。"))
    if result.errors:
        return result
    _store(result, values)
    return result


def _store(result: DsrImportResult, values: dict) -> None:
    shop_ids = {shop_id for shop_id, _day, _metric in values}
    days = {day for _shop, day, _metric in values}
    with transaction.atomic():
        existing = {
            (row.shop_id, row.day, row.metric): row
            for row in DsrScore.objects.select_for_update().filter(shop_id__in=shop_ids, day__in=days)
        }
        new, changed = [], []
        for key, (score, average) in values.items():
            row = existing.get(key)
            if row is None:
                shop_id, day, metric = key
                new.append(
                    DsrScore(
                        shop_id=shop_id,
                        day=day,
                        metric=metric,
                        score=score,
                        industry_average=average,
                        source=DsrSource.IMPORT,
                    )
                )
            elif row.score != score or row.industry_average != average:
                row.score, row.industry_average, row.recorded_at = score, average, timezone.now()
                changed.append(row)
            else:
                result.unchanged += 1
        DsrScore.objects.bulk_create(new, ignore_conflicts=True)
        DsrScore.objects.bulk_update(changed, ["score", "industry_average", "recorded_at"])
        result.new, result.updated, result.written = len(new), len(changed), True
        for shop_id, day, metric in values:
            key = (shop_id, metric)
            if key not in result.latest or day > result.latest[key]:
                result.latest[key] = day
        from insights.health.alerts import dsr_alerts_send

        latest = dict(result.latest)
        transaction.on_commit(lambda: dsr_alerts_send(latest=latest))
