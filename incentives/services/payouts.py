"""Payout figures and files: the per-agent summary, every entry with its cause, as XLSX or CSV.

The summary (one row per agent, its definitions): ``services.summary``, re-exported here.
For a locked month the summary is the snapshot taken when it was locked (so a renamed user or a
changed shop membership cannot change a past payout); tests check it equals the ledger sums.

Scope: ``shop_ids`` (None = every shop) limits a payout to the entries that belong to those shops
(``services.scope``: a case's shop, else the agent's home shop). An agent shared between shops shows
in each shop's payout with that shop's entries only — never another shop's order numbers or amounts.
A client's (品牌方) payout is its shops' (``selectors.payout_scope``): an agent serving two clients shows
in both, with each client's entries, and the two add up to the agent's total.

Text cells beginning with ``= + - @``, tab or CR get a leading apostrophe: Excel and WPS show it as
typed text, never evaluate it, and the marker is visible to whoever reads the sheet. XLSX is written
with XlsxWriter in constant-memory mode (streamed rows, ``payout_workbook``): a bold header row frozen in place,
column widths fitted to the summary's content (fixed for the streamed detail), numbers as native
cells with their format (money ``#,##0.00 "CNY"``, points whole, days two decimals; a detail amount in
its own row's unit), booking times as real date-times, and a bold totals row under the summary whose
values are the column sums (numbers, not formulas). Document and zip times are fixed, so a locked
period exports the same bytes every time.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import astuple, fields
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from incentives.choices import AwardEvent, EntryKind, PeriodStatus, Unit
from incentives.models import AwardRule, LedgerEntry, PayoutLine, Period
from incentives.services.payout_workbook import (  # re-exported: the benchmark builds workbooks with them
    fitted_widths,
    new_workbook,
    save_workbook,
    write_xlsx_rows,
)
from incentives.services.periods import PeriodSpan, parse_span, periods_of
from incentives.services.summary import ZERO, SummaryRow, scoped_entries, summary_rows  # re-exported
from reviewdesk.spreadsheets import safe_text  # the one formula guard; re-exported for callers

AMOUNT_FORMAT = "0.00"  # days (and any amount whose unit has no format of its own): two decimals
MONEY_FORMAT = '#,##0.00 "CNY"'  # CNY amounts
POINTS_FORMAT = "#,##0"  # points are whole numbers (services.ledger refuses fractions)
COUNT_FORMAT = "0"  # ids and counts
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
UNIT_FORMATS = {Unit.CNY: MONEY_FORMAT, Unit.POINTS: POINTS_FORMAT, Unit.LEAVE_DAYS: AMOUNT_FORMAT}


SUMMARY_HEADERS = [
    "工号",
    "姓名",
    "店铺",
    "转化数",
    "奖金(元)",
    "获得积分",
    "兑换积分",
    "积分余额",
    "带薪假(天)",
    "调整(元)",
    "应发合计(元)",
]
SUMMARY_NUMERIC = {  # 0-based column → number format
    3: COUNT_FORMAT,
    4: MONEY_FORMAT,
    5: POINTS_FORMAT,
    6: POINTS_FORMAT,
    7: POINTS_FORMAT,
    8: AMOUNT_FORMAT,
    9: MONEY_FORMAT,
    10: MONEY_FORMAT,
}
SUMMARY_TOTALS = [  # the summed columns, in column order from 3
    "conversions",
    "bonus_cny",
    "points_earned",
    "points_redeemed",
    "points_balance",
    "leave_days",
    "adjustments_cny",
    "total_payable",
]
DETAIL_HEADERS = [
    "分录ID",
    "工号",
    "姓名",
    "期间",
    "记账时间",
    "类型",
    "单位",
    "金额",
    "规则(版本)",
    "案件ID",
    "店铺",
    "订单编号",
    "买家",
    "事件",
    "说明",
    "冲正原分录",
]
DETAIL_NUMERIC = {0: COUNT_FORMAT, 4: DATETIME_FORMAT, 7: AMOUNT_FORMAT, 9: COUNT_FORMAT, 15: COUNT_FORMAT}
# Fixed widths (characters) for the streamed detail: a write-only sheet declares its columns before its rows.
DETAIL_WIDTHS = [10, 10, 12, 9, 20, 8, 14, 14, 22, 9, 12, 20, 16, 24, 40, 11]
# No item title: a payout names the case, shop, order and buyer that identify a conversion; the title is
# free text a buyer-facing export cannot vouch for (a number typed into it would reach HR unmasked).


def _summary_cells(row: SummaryRow) -> list:
    values = astuple(row)[1:]
    return [safe_text(v) if i not in SUMMARY_NUMERIC else v for i, v in enumerate(values)]


def summary_totals(rows: list[SummaryRow]) -> dict:
    """Column sums of a payout summary (the XLSX totals row, the period review, the command's summary),
    with the number of agents and of agents whose payable total is negative."""
    totals = {"agents": len(rows), "negative_agents": sum(1 for r in rows if r.total_payable < 0)}
    for name in SUMMARY_TOTALS:
        totals[name] = sum((getattr(r, name) for r in rows), 0 if name == "conversions" else ZERO)
    return totals


def _summary_totals_row(rows: list[SummaryRow]) -> list:
    totals = summary_totals(rows)
    label = _("%(n)s 人") % {"n": totals["agents"]}
    return [_("合计"), label, ""] + [totals[name] for name in SUMMARY_TOTALS]


def span_summary(
    span: PeriodSpan, *, user_ids: set[int] | None = None, shop_ids: set[int] | None = None
) -> list[SummaryRow]:
    """The snapshot for a locked month (exported as it was locked), else computed from the ledger.

    The whole-period snapshot covers every shop, so it answers only who sees every shop (``shop_ids``
    None); a payout of some shops is their entries' sums (a locked month's entries never change)."""
    periods = periods_of(span)
    if (
        shop_ids is None
        and len(periods) == 1
        and not span.is_quarter
        and periods[0].status == PeriodStatus.LOCKED
    ):
        lines = PayoutLine.objects.filter(period=periods[0], shop__isnull=True)
        if user_ids is not None:
            lines = lines.filter(user_id__in=user_ids)
        names = [f.name for f in fields(SummaryRow)]
        rows = [SummaryRow(**{name: getattr(line, name) for name in names}) for line in lines]
        rows.sort(key=lambda r: (r.employee_code, r.user_id))
        return rows
    return summary_rows(periods, user_ids=user_ids, shop_ids=shop_ids)


def _people(span: PeriodSpan, periods: list[Period], user_ids: set[int] | None) -> dict[int, tuple[str, str]]:
    """user id → (employee code, name) of everyone with an entry in the months: from the lock snapshots
    when every month is locked (a rename later does not change a past export), else as the users are
    now. A lookup for the detail rows, not a scope: a shop's entry is its case's even when its agent has
    left the shop (or was never its member: a case handed over), and only the scoped rows are written.
    (Reading the people of the scoped entries instead costs their shop filter once more: 1.5 s of a
    client's quarter in bench/bench_payouts.py.)"""
    from reviewdesk.models import User

    people = {}
    if periods and all(p.status == PeriodStatus.LOCKED for p in periods):
        for line in PayoutLine.objects.filter(period__in=periods, shop__isnull=True).order_by(
            "period__year", "period__month"
        ):
            people[line.user_id] = (line.employee_code, line.name)
    # Accounts first (the (period, account) index answers it), then their users: not a join over every entry.
    account_ids = (
        LedgerEntry.objects.filter(period__in=periods)
        .order_by()
        .values_list("account_id", flat=True)
        .distinct()
    )
    users = User.objects.filter(incentive_accounts__in=list(account_ids)).distinct()
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    for user in users.exclude(pk__in=list(people)):
        people[user.pk] = (user.employee_code or "", str(user))
    return people


def _safe_people(people: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    return {uid: (safe_text(code), safe_text(name)) for uid, (code, name) in people.items()}


def _case_texts(case_refs: set[int]) -> dict[int, tuple[str, str, str]]:
    """case id → (shop, order no, buyer nick), neutralised. Cases are read, never changed."""
    from cases.models import Case

    if not case_refs:
        return {}
    rows = Case.objects.filter(pk__in=case_refs).values_list(
        "pk", "shop__code", "review__order_no", "review__buyer_nick"
    )
    return {pk: (safe_text(shop), safe_text(order), safe_text(buyer)) for pk, shop, order, buyer in rows}


NO_CASE = ("", "", "")
CHUNK = 5000


def detail_rows(
    span: PeriodSpan,
    *,
    user_ids: set[int] | None = None,
    shop_ids: set[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list]:
    """Every entry of the span (of ``shop_ids``; None = every shop) with its cause (rule, case, buyer,
    note), in a stable order (agent, entry id). ``progress(done, total)`` (a job, a command's progress
    bar) is told after every chunk of rows; only then are the entries counted first (one query)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    kinds = {k: str(v) for k, v in EntryKind.choices}
    units = {k: str(v) for k, v in Unit.choices}
    events = {k: str(v) for k, v in AwardEvent.choices}
    periods = periods_of(span)
    people = _safe_people(_people(span, periods, user_ids))
    entries = scoped_entries(periods, user_ids=user_ids, shop_ids=shop_ids)
    # Period and rule codes from small dicts rather than joins: the detail is the one big query.
    period_codes = {p.pk: p.code for p in periods}
    rule_codes = dict(AwardRule.objects.values_list("pk", "code"))
    values = entries.order_by("account__user_id", "pk").values_list(
        "pk",
        "account__user_id",
        "period_id",
        "created_at",
        "kind",
        "account__unit",
        "amount",
        "rule_id",
        "rule_version",
        "case_ref",
        "event",
        "note",
        "reverses_id",
    )
    total = entries.count() if progress is not None else 0
    done = 0
    chunk = []
    for row in values.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _detail_chunk(chunk, people, period_codes, rule_codes, tz, kinds, units, events)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
            chunk = []
    yield from _detail_chunk(chunk, people, period_codes, rule_codes, tz, kinds, units, events)
    if progress is not None:
        progress(done + len(chunk), total)


def _detail_chunk(chunk, people, period_codes, rule_codes, tz, kinds, units, events) -> Iterator[list]:
    cases = _case_texts({row[9] for row in chunk if row[9] is not None})
    for pk, user_id, period, created, kind, unit, amount, rule, version, case, event, note, rev in chunk:
        code, name = people[user_id]
        shop, order, buyer = cases.get(case, NO_CASE)
        yield [
            pk,
            code,
            name,
            period_codes[period],
            # A naive local date-time: a date cell in XLSX, "2026-11-03 10:00:00" in CSV (as the COPY writes).
            created.astimezone(tz).replace(tzinfo=None, microsecond=0),
            kinds.get(kind, kind),
            units.get(unit, unit),
            amount,
            f"{rule_codes[rule]} v{'' if version is None else version}" if rule else "",
            case,
            shop,
            order,
            buyer,
            events.get(event, event) if event else "",
            safe_text(note),
            rev,
        ]


def export_xlsx(
    span_code: str,
    out,
    *,
    user_ids: set[int] | None = None,
    shop_ids: set[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """The summary and detail sheets of a span; ``shop_ids`` limits both to those shops' entries.
    ``progress(done, total)``: the detail rows written (``detail_rows``)."""
    span = parse_span(span_code)
    summary = span_summary(span, user_ids=user_ids, shop_ids=shop_ids)
    workbook = new_workbook(out)
    cells = [_summary_cells(r) for r in summary]
    totals_row = _summary_totals_row(summary)
    write_xlsx_rows(
        workbook,
        _("汇总"),
        SUMMARY_HEADERS,
        cells,
        SUMMARY_NUMERIC,
        widths=fitted_widths(SUMMARY_HEADERS, [*cells, totals_row]),
        totals=totals_row,
    )
    details = detail_rows(span, user_ids=user_ids, shop_ids=shop_ids, progress=progress)
    unit_formats = {str(label): {7: UNIT_FORMATS[code]} for code, label in Unit.choices}
    detail_count = write_xlsx_rows(
        workbook,
        _("明细"),
        DETAIL_HEADERS,
        details,
        DETAIL_NUMERIC,
        widths=DETAIL_WIDTHS,
        row_formats=lambda row: unit_formats.get(row[6], {}),
    )
    save_workbook(workbook)
    totals = summary_totals(summary)
    return {
        "span": span.code,
        "agents": len(summary),
        "entries": detail_count,
        "total_payable": totals["total_payable"],
        "negative_agents": totals["negative_agents"],
    }


def export_csv(
    span_code: str,
    out,
    *,
    sheet: str = "detail",
    user_ids: set[int] | None = None,
    shop_ids: set[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """UTF-8 with BOM (Excel/WPS detect the encoding). ``sheet`` = detail (every entry) or summary;
    ``shop_ids`` limits either to those shops' entries. ``progress(done, total)``: the detail rows
    written (PostgreSQL's single COPY reports once, at its end)."""
    span = parse_span(span_code)
    text = (
        io.TextIOWrapper(out, encoding="utf-8-sig", newline="") if not isinstance(out, io.TextIOBase) else out
    )
    writer = csv.writer(text)
    if sheet == "summary":
        rows = span_summary(span, user_ids=user_ids, shop_ids=shop_ids)
        writer.writerow(SUMMARY_HEADERS)
        writer.writerows(_summary_cells(r) for r in rows)
        count = len(rows)
    elif connection.vendor == "postgresql":
        from incentives.services.payouts_csv_pg import copy_detail_csv

        text.write(",".join(DETAIL_HEADERS) + "\n")  # PostgreSQL ends rows with LF; so does the header
        text.flush()
        periods = periods_of(span)
        count = copy_detail_csv(
            periods=periods,
            people=_safe_people(_people(span, periods, user_ids)),
            user_ids=user_ids,
            shop_ids=shop_ids,
            write=(lambda data: text.write(data.decode())) if text is out else text.buffer.write,
        )
        if progress is not None:
            progress(count, count)
    else:
        writer.writerow(DETAIL_HEADERS)
        count = 0
        for row in detail_rows(span, user_ids=user_ids, shop_ids=shop_ids, progress=progress):
            writer.writerow(row)
            count += 1
    text.flush()
    if text is not out:
        text.detach()
    return {"span": span.code, "rows": count}


def export_filename(span_code: str, fmt: str, sheet: str = "detail", client=None) -> str:
    """``payouts-2026-11[-<client code>][-<sheet>].<fmt>``: a client's payout names its client (a slug)."""
    suffix = "" if fmt == "xlsx" else f"-{sheet}"
    scope = f"-{client.code}" if client is not None else ""
    return f"payouts-{parse_span(span_code).code}{scope}{suffix}.{fmt}"
