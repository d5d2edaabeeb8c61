#!/usr/bin/env python
"""XLSX writers on the payout detail (issue 17): openpyxl write-only against XlsxWriter constant-memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_xlsx_writers.py [--entries 200000] [--reuse]

Seeds the payout benchmark's data (``bench_payouts.seed``: 500 agents in 5 shops, the entries of one
quarter) into its own scratch database ``reviewdesk_bench_xlsx_writers``, then, each in a fresh child
process (so that its peak RSS and CPU are its own):

* two floors: the export's exact rows and cells (summary + detail), already in memory, written with
  the same styling (bold frozen header, widths, number formats, a detail amount in its row's unit,
  totals) by openpyxl's write-only workbook, and by XlsxWriter in constant-memory mode
  (``incentives.services.payout_workbook``, the writer the export uses);
* the real export, ``export_xlsx("<quarter>")``: ledger queries, people, case texts, neutralising,
  writing and saving.

Each line gives wall time, CPU seconds (user + system of the child) and peak RSS. Targets (issue 17):
the export within 1.2 × the chosen writer's floor, peak RSS ≤ 300 MB; byte-reproducible output
(the tests check it: tests/incentives/test_payout_xlsx.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_payouts  # noqa: E402  (the seed and the quarter)

BENCH_DB = "reviewdesk_bench_xlsx_writers"


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _openpyxl_write(out, sheets) -> None:
    """The payout workbook as openpyxl's write-only mode writes it (the writer before issue 17)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows, numeric, widths, row_formats, totals in sheets:
        ws = workbook.create_sheet(title)
        ws.freeze_panes = "A2"
        for index, width in enumerate(widths or (), start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        cells = {}

        def styled(col, value, number_format, strong=False, ws=ws, cells=cells):
            key = (col, number_format or "General", strong)
            if key not in cells:
                cells[key] = WriteOnlyCell(ws)
                if number_format:
                    cells[key].number_format = number_format
                if strong:
                    cells[key].font = bold
            cells[key].value = value
            return cells[key]

        ws.append([styled(col, value, None, True) for col, value in enumerate(headers)])
        for row in rows:
            formats = numeric | row_formats(row) if row_formats else numeric
            row = list(row)
            for col, number_format in formats.items():
                if row[col] is not None:
                    row[col] = styled(col, row[col], number_format)
            ws.append(row)
        if totals is not None:
            ws.append([styled(col, value, numeric.get(col), True) for col, value in enumerate(totals)])
    workbook.save(out)


def _xlsxwriter_write(out, sheets) -> None:
    from incentives.services.payout_workbook import new_workbook, save_workbook, write_xlsx_rows

    workbook = new_workbook(out)
    for title, headers, rows, numeric, widths, row_formats, totals in sheets:
        write_xlsx_rows(
            workbook, title, headers, rows, numeric, widths=widths, row_formats=row_formats, totals=totals
        )
    save_workbook(workbook)


def child(mode: str, db_url: str) -> None:
    bench_payouts._setup_django(db_url)
    import openpyxl.writer.excel  # noqa: F401 - both writers imported before any timing
    import xlsxwriter  # noqa: F401

    from incentives.choices import Unit
    from incentives.services import payouts
    from incentives.services.periods import parse_span

    result: dict = {}
    out = io.BytesIO()
    if mode == "export":
        rss_before = bench_payouts._rss_mb()
        t, c = time.perf_counter(), _cpu_s()
        info = payouts.export_xlsx(bench_payouts.QUARTER, out)
        result.update(seconds=time.perf_counter() - t, cpu=_cpu_s() - c, rss_before=rss_before, **info)
    else:
        span = parse_span(bench_payouts.QUARTER)
        summary = payouts.span_summary(span)
        cells = [payouts._summary_cells(r) for r in summary]
        totals = payouts._summary_totals_row(summary)
        detail = list(payouts.detail_rows(span))
        unit_formats = {str(label): {7: payouts.UNIT_FORMATS[code]} for code, label in Unit.choices}
        sheets = [
            (
                "汇总",
                payouts.SUMMARY_HEADERS,
                cells,
                payouts.SUMMARY_NUMERIC,
                payouts.fitted_widths(payouts.SUMMARY_HEADERS, [*cells, totals]),
                None,
                totals,
            ),
            (
                "明细",
                payouts.DETAIL_HEADERS,
                detail,
                payouts.DETAIL_NUMERIC,
                payouts.DETAIL_WIDTHS,
                lambda row: unit_formats.get(row[6], {}),
                None,
            ),
        ]
        result.update(rows=len(detail), cells=sum(map(len, detail)) + sum(map(len, cells)))
        write = _openpyxl_write if mode == "openpyxl" else _xlsxwriter_write
        t, c = time.perf_counter(), _cpu_s()
        write(out, sheets)
        result.update(seconds=time.perf_counter() - t, cpu=_cpu_s() - c)
    result.update(bytes=len(out.getvalue()), peak_rss_mb=bench_payouts._rss_mb())
    print(json.dumps(result, default=str))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=bench_payouts.CASES)
    parser.add_argument("--child", choices=["openpyxl", "xlsxwriter", "export"])
    parser.add_argument("--db")
    parser.add_argument("--reuse", action="store_true", help="measure again on the previous run's data")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return 0
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres", file=sys.stderr)
        return 2
    import _db

    db_url = base.rsplit("/", 1)[0] + "/" + BENCH_DB
    if not args.reuse:
        db_url = _db.scratch_database(base, BENCH_DB)
    bench_payouts._setup_django(db_url)
    if not args.reuse:
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        bench_payouts.seed(args.entries, args.cases)
        print(f"seeded the quarter {bench_payouts.QUARTER} in {time.perf_counter() - t:.0f}s")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU-s are steadier)")

    runs = {mode: _db.child_json(__file__, mode, db_url) for mode in ("openpyxl", "xlsxwriter", "export")}
    floor_o, floor_x, export = runs["openpyxl"], runs["xlsxwriter"], runs["export"]
    print()
    print(
        f"{'writer (same rows and styling, in memory)':<46}{'wall':>9}{'CPU':>9}{'peak RSS':>11}{'file':>9}"
    )
    for label, r in (("openpyxl write-only", floor_o), ("XlsxWriter constant_memory", floor_x)):
        print(
            f"{label:<46}{r['seconds']:>8.2f}s{r['cpu']:>8.2f}s{r['peak_rss_mb']:>8.0f} MB{r['bytes'] / 1e6:>6.1f} MB"
        )
    print(
        f"{'  XlsxWriter / openpyxl':<46}{floor_x['seconds'] / floor_o['seconds']:>8.2f}x{floor_x['cpu'] / floor_o['cpu']:>8.2f}x"
        f"   ({floor_x['rows']:,} detail rows, {floor_x['cells']:,} cells)"
    )
    chosen = floor_x if floor_x["cpu"] <= floor_o["cpu"] else floor_o
    name = "XlsxWriter" if chosen is floor_x else "openpyxl"
    ratio_wall, ratio_cpu = export["seconds"] / chosen["seconds"], export["cpu"] / chosen["cpu"]
    print(
        f"{'real export_xlsx (queries, texts, writing)':<46}{export['seconds']:>8.2f}s{export['cpu']:>8.2f}s"
        f"{export['peak_rss_mb']:>8.0f} MB{export['bytes'] / 1e6:>6.1f} MB   {export['entries']:,} entries"
    )
    print(
        f"{'export / ' + name + ' floor (wall, CPU)':<46}{ratio_wall:>8.2f}x{ratio_cpu:>8.2f}x   ≤ 1.2x "
        f"{'OK' if ratio_cpu <= 1.2 else 'MISSED'} (CPU; wall shares 2 cores with others)"
    )
    print(
        f"{'peak RSS of the export process':<46}{export['peak_rss_mb']:>17.0f} MB   ≤ 300 MB "
        f"{'OK' if export['peak_rss_mb'] <= 300 else 'MISSED'} (after Django setup: {export['rss_before']:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
